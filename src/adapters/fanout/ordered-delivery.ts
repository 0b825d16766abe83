import type { Clock, Logger } from '../../application/ports.js';
import type { Message } from '../../domain/message.js';

type Listener = (message: Message) => void;

/**
 * The message store as a sequencer reads it. Ids are dense and global and
 * handed out in commit order, so once id n is known to be committed, a read
 * after it finds every id below n: a hole can always be filled from here.
 */
export interface MessageLog {
  /** Every room's messages with ids above `afterId`, oldest first, at most `limit`. */
  since(afterId: number, limit: number): Promise<Message[]>;
  /** The highest committed id, 0 when nothing is stored. */
  lastId(): Promise<number>;
}

export interface OrderedDeliveryOptions {
  /** Messages kept while waiting for a missing predecessor; past it arrivals are dropped and read back from the log instead. */
  holdMax: number;
  /** Messages per read of the log. */
  pageSize: number;
  /**
   * How long one missing id may stay missing before the log is read. Two
   * nodes publish independently, so a successor often simply overtakes its
   * predecessor on the way; waiting a little saves a query.
   */
  holeGraceMs: number;
  /** Wait after a failed read of the log before the next. */
  retryMs: number;
  /** Runs the grace and retry timers; tests give a clock they move themselves. */
  clock: Clock;
}

/** Real time, and a pending timer does not keep the process alive. */
const REAL_TIME: Clock = {
  now: () => new Date(),
  schedule(ms, callback) {
    const timer = setTimeout(callback, ms).unref();
    return () => clearTimeout(timer);
  },
};

export const DEFAULT_ORDERED_DELIVERY: OrderedDeliveryOptions = {
  holdMax: 10_000,
  pageSize: 500,
  holeGraceMs: 100,
  retryMs: 1000,
  clock: REAL_TIME,
};

/**
 * Turns messages that arrive out of order, twice, or not at all (several
 * nodes publishing, a transport that loses what it carried while down) into
 * the stream listeners expect: every id once, in increasing order, none
 * skipped. What did not arrive is read from the log, which is the truth.
 *
 * Transport-independent: whoever receives messages calls offer(); whoever
 * knows the transport lost some (a resubscribe) calls catchUp().
 */
export class OrderedDelivery {
  /** Highest id delivered; undefined until start() has asked the log where to begin. */
  private delivered: number | undefined;
  /** Highest id known to be committed: every id up to it must be delivered. */
  private known = 0;
  private readonly held = new Map<number, Message>();
  private readonly listeners = new Set<Listener>();
  /** Somebody asked for a read up to the end of the log, whatever is known. */
  private catchUpWanted = false;
  private filling: Promise<void> | undefined;
  /** Cancels the timer armed: either the grace before a hole is filled, or the pause after a failed read. */
  private cancelTimer: (() => void) | undefined;
  private timerKind: 'grace' | 'retry' | undefined;
  private failing = false;
  private closed = false;
  private readonly options: OrderedDeliveryOptions;

  constructor(
    private readonly log: MessageLog,
    private readonly logger: Logger,
    options: Partial<OrderedDeliveryOptions> = {},
  ) {
    this.options = { ...DEFAULT_ORDERED_DELIVERY, ...options };
  }

  /** Begins at the log's end: a node that starts owes its clients nothing older (they resume with `after`). */
  async start(): Promise<void> {
    const last = await this.log.lastId();
    // Offered while lastId() was read (only in a restart): committed after the store was changed, so still owed.
    const firstHeld = this.held.size > 0 ? Math.min(...this.held.keys()) : Infinity;
    this.delivered = Math.min(last, firstHeld - 1);
    this.known = Math.max(this.known, last);
    this.forgetDelivered();
    this.deliverHeld();
    this.review();
  }

  /** Highest id handed to the listeners so far (0 before start). */
  get lastDelivered(): number {
    return this.delivered ?? 0;
  }

  /** Every id up to the highest known to exist has been delivered, and no read is pending. */
  get settled(): boolean {
    return this.delivered !== undefined && this.known <= this.delivered && !this.filling && !this.catchUpWanted;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A committed message, from any source, in any order, any number of times. */
  offer(message: Message): void {
    if (this.closed) return;
    if (this.delivered !== undefined && message.id <= this.delivered) return;
    this.known = Math.max(this.known, message.id);
    if (this.delivered !== undefined && message.id === this.delivered + 1) {
      this.deliver(message);
      this.deliverHeld();
    } else if (this.held.size < this.options.holdMax) {
      this.held.set(message.id, message);
    }
    // Not held (over the bound): `known` remembers it, so the fill reads it back.
    this.review();
  }

  /** The log holds ids up to `id` (learnt without the message itself): they will be delivered, after the grace. */
  noteCommitted(id: number): void {
    if (this.closed || id <= this.known) return;
    this.known = id;
    this.review();
  }

  /**
   * Read the log to its end now, whatever is known: for when the transport
   * may have lost messages (it was down and is back), since no later arrival
   * may come to reveal the hole.
   */
  catchUp(): void {
    if (this.closed) return;
    this.catchUpWanted = true;
    this.startFill();
  }

  /** Ask the log how far it goes: finds a message whose publication was lost and that no later one has revealed. */
  async audit(): Promise<void> {
    if (this.closed || this.delivered === undefined) return;
    this.noteCommitted(await this.log.lastId());
  }

  /**
   * Start over from the log's end, dropping what is held: for when the store
   * changed behind the fan-out's back (a restore, a test emptying tables).
   */
  async restart(): Promise<void> {
    this.delivered = undefined;
    this.clearTimer();
    this.held.clear();
    this.known = 0;
    this.catchUpWanted = false;
    await this.filling;
    await this.start();
  }

  /** Resolves once settled, or after `timeoutMs`, whichever is first. */
  async drain(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed && !this.settled && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.clearTimer();
    this.held.clear();
    await this.filling;
  }

  private deliver(message: Message): void {
    this.delivered = message.id;
    this.held.delete(message.id);
    for (const listener of this.listeners) {
      try {
        listener(message);
      } catch (error) {
        // One failing listener must not cost the others their messages, nor the sequence its state.
        this.logger.error('fan-out listener failed', { id: message.id, error });
      }
    }
  }

  private deliverHeld(): void {
    if (this.delivered === undefined) return;
    for (let next = this.held.get(this.delivered + 1); next; next = this.held.get(this.delivered + 1)) {
      this.deliver(next);
    }
  }

  /**
   * Ids up to `claimed` were announced before a read that found nothing
   * after `delivered`: the store was emptied or restored behind the fan-out.
   * The store is the truth, so those announcements are forgotten.
   */
  private trustTheLog(claimed: number): void {
    this.logger.warn('fan-out saw ids the message store does not have', { delivered: this.delivered, claimed });
    for (const id of this.held.keys()) if (id <= claimed) this.held.delete(id);
    this.known = Math.max(this.delivered ?? 0, ...this.held.keys());
  }

  private forgetDelivered(): void {
    const delivered = this.delivered ?? 0;
    for (const id of this.held.keys()) if (id <= delivered) this.held.delete(id);
  }

  /** Arms, keeps or drops the timer that fills a hole once it has been open for the grace period. */
  private review(): void {
    // A failed read is retried by its own timer, not by every arrival.
    if (this.closed || this.delivered === undefined || this.filling || this.timerKind === 'retry') return;
    if (this.catchUpWanted) return this.startFill();
    if (this.known <= this.delivered) return this.clearTimer();
    if (this.cancelTimer) return;
    const waitingAt = this.delivered;
    this.timerKind = 'grace';
    this.cancelTimer = this.options.clock.schedule(this.options.holeGraceMs, () => {
      this.clearTimer();
      // Only a hole that stayed open the whole grace is read; one that arrivals closed meanwhile starts over.
      if (this.delivered === waitingAt) this.startFill();
      else this.review();
    });
  }

  private clearTimer(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    this.timerKind = undefined;
  }

  private startFill(): void {
    if (this.closed || this.filling || this.delivered === undefined) return;
    this.clearTimer();
    this.filling = this.fill().finally(() => {
      this.filling = undefined;
      this.review();
    });
  }

  /**
   * Reads the log from `delivered` page by page until it has reached both the
   * highest known id and, when a catch-up was asked for, the end of the log.
   * Arrivals meanwhile are delivered at once when they are next, else held.
   */
  private async fill(): Promise<void> {
    try {
      for (;;) {
        const toEnd = this.catchUpWanted;
        this.catchUpWanted = false;
        const from = this.delivered as number;
        const knownBefore = this.known;
        const page = await this.log.since(from, this.options.pageSize);
        // Closed or restarted meanwhile: this read belongs to a sequence that is gone.
        if (this.closed || this.delivered === undefined) return;
        for (const message of page) {
          // The log is the authority: an id it skips does not exist, so the next one it has is next.
          if (message.id > this.delivered) {
            this.known = Math.max(this.known, message.id);
            this.deliver(message);
          }
        }
        this.forgetDelivered();
        this.deliverHeld();
        if (page.length === 0 && knownBefore > from) this.trustTheLog(knownBefore);
        if (this.failing) {
          this.failing = false;
          this.logger.info('fan-out reads the message store again', { delivered: this.delivered });
        }
        // A full page may have more behind it; a short one reached the end as it was when read.
        if (toEnd && page.length === this.options.pageSize) this.catchUpWanted = true;
        // What arrived or was asked for during the read may be beyond what it saw: read again.
        if (!this.catchUpWanted && this.known <= this.delivered) return;
      }
    } catch (error) {
      if (!this.failing) {
        this.failing = true;
        this.logger.warn('fan-out cannot read the message store; retrying', { delivered: this.delivered, error });
      }
      // The retry reads to the end: whatever was asked of this fill is still owed.
      this.catchUpWanted = true;
      this.clearTimer();
      this.timerKind = 'retry';
      this.cancelTimer = this.options.clock.schedule(this.options.retryMs, () => {
        this.clearTimer();
        this.startFill();
      });
    }
  }
}
