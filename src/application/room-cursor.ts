import type { Message } from '../domain/message.js';

/**
 * Live messages held for a connection while it catches up on a room. Past
 * this the oldest are dropped and the catch-up reads one more page, which
 * holds them, so memory stays bounded however fast the room is.
 */
export const MAX_HELD = 1000;

/** What a catch-up page comes to: the page to send, whether more follow, and, after the last, the held messages to send. */
export interface CatchUpStep {
  page: readonly Message[];
  more: boolean;
  then: readonly Message[];
}

interface CatchUp {
  readonly generation: number;
  /** The highest id read from the store so far (or the client's cursor). */
  read: number;
  /** Published since the catch-up began: sent after its last page. */
  held: Message[];
  /** Held messages were dropped since the last page was read, so one more page is needed. */
  overflow: boolean;
}

/**
 * What one connection has been sent of one room, and the hand-over from a
 * catch-up to live delivery. Pure: the session feeds it live batches and
 * catch-up pages, and sends what it hands back.
 *
 * Two things decide what is sent: the client's cursor (it has every message
 * up to the `after` of its latest catch-up), and the id ranges in which this
 * connection was sent every message of the room. Each catch-up has a
 * generation: a newer one supersedes an older one exactly, and pages read for
 * the older one are dropped when they arrive, so two catch-ups can never end
 * each other early or send one message twice.
 */
export class RoomCursor {
  /** The client has every message of the room up to here (its latest cursor). */
  private floor = 0;
  /** Sorted, disjoint ranges [from, to] of ids the connection was sent every room message of. */
  private readonly covered: Array<[number, number]> = [];
  /** Live delivery is gap-free after this id; unset before it starts. */
  private liveFrom: number | undefined;
  private catchUp: CatchUp | undefined;
  private generations = 0;

  get catchingUp(): boolean {
    return this.catchUp !== undefined;
  }

  /** A batch of the room's live messages, in id order: those to send now (the batch itself when all of it is new). */
  live(messages: readonly Message[]): readonly Message[] {
    if (this.catchUp) {
      this.hold(this.catchUp, messages);
      return [];
    }
    const first = (messages[0] as Message).id;
    const last = (messages.at(-1) as Message).id;
    const fresh = first > Math.max(this.floor, this.coveredTo) ? messages : messages.filter(({ id }) => this.unsent(id));
    this.cover(this.liveFrom === undefined ? first : this.liveFrom + 1, last);
    this.liveFrom = last;
    return fresh;
  }

  /** Starts a catch-up after `after` (the client has everything up to it), superseding any still running; returns its generation. */
  beginCatchUp(after: number): number {
    this.generations += 1;
    this.floor = after;
    this.catchUp = { generation: this.generations, read: after, held: [], overflow: false };
    return this.generations;
  }

  /** Whether `generation` is the catch-up running now. */
  isCurrent(generation: number): boolean {
    return this.catchUp?.generation === generation;
  }

  /** Where the next page of `generation` starts. What is dropped from the held ones from now on, that page or a later one holds. */
  nextPage(generation: number): number {
    const catchUp = this.current(generation);
    catchUp.overflow = false;
    return catchUp.read;
  }

  /**
   * The page read after nextPage(), oldest first, and whether the store has
   * more after it; undefined when superseded meanwhile. `storeEnd`, the last
   * id stored, is given when nothing at all was found after the cursor: a
   * cursor past it (the store was restored from a backup) moves back to it,
   * so that the messages stored from now on, whose ids the client thinks it
   * has seen, are sent.
   */
  page(generation: number, messages: readonly Message[], storeHasMore: boolean, storeEnd?: number): CatchUpStep | undefined {
    if (!this.isCurrent(generation)) return undefined;
    const catchUp = this.catchUp as CatchUp;
    if (storeEnd !== undefined && storeEnd < catchUp.read) {
      catchUp.read = storeEnd;
      this.floor = storeEnd;
    }
    const page = messages.filter(({ id }) => this.unsent(id));
    if (messages.length > 0) {
      const last = (messages.at(-1) as Message).id;
      this.cover(catchUp.read + 1, last);
      catchUp.read = last;
    }
    if (storeHasMore || catchUp.overflow) return { page, more: true, then: [] };
    return { page, more: false, then: this.handOver(catchUp) };
  }

  /**
   * The last page is out: what was held and not yet sent follows it, and live
   * delivery goes on from there. Whatever was committed after the last read
   * was published after the catch-up began, so it is held, or comes live.
   */
  private handOver({ read, held }: CatchUp): Message[] {
    this.catchUp = undefined;
    const then = held.filter(({ id }) => this.unsent(id));
    const lastHeld = held.at(-1)?.id;
    if (lastHeld !== undefined) this.cover(Math.min(read + 1, (held[0] as Message).id), lastHeld);
    this.liveFrom = lastHeld ?? read;
    return then;
  }

  private current(generation: number): CatchUp {
    if (!this.isCurrent(generation)) throw new Error(`catch-up ${generation} is not the current one`);
    return this.catchUp as CatchUp;
  }

  private hold(catchUp: CatchUp, messages: readonly Message[]): void {
    const { held } = catchUp;
    held.push(...messages);
    if (held.length > MAX_HELD) {
      held.splice(0, held.length - MAX_HELD);
      catchUp.overflow = true;
    }
  }

  private get coveredTo(): number {
    return this.covered.at(-1)?.[1] ?? 0;
  }

  private unsent(id: number): boolean {
    if (id <= this.floor) return false;
    // Few ranges: one per catch-up that did not join the others.
    for (const [from, to] of this.covered) {
      if (id < from) return true;
      if (id <= to) return false;
    }
    return true;
  }

  /**
   * Adds [from, to] to the covered ranges, merging those it touches. Not at or
   * below the floor: what the client said it had was not sent, and is owed if
   * a later catch-up starts lower.
   */
  private cover(wanted: number, to: number): void {
    const from = Math.max(wanted, this.floor + 1);
    if (from > to) return;
    const { covered } = this;
    const last = covered.at(-1);
    // The common case: live delivery extending the newest range.
    if (last && from >= last[0] && from <= last[1] + 1) {
      last[1] = Math.max(last[1], to);
      return;
    }
    const merged: [number, number] = [from, to];
    const kept = covered.filter(([start, end]) => {
      if (end + 1 < merged[0] || start > merged[1] + 1) return true;
      merged[0] = Math.min(merged[0], start);
      merged[1] = Math.max(merged[1], end);
      return false;
    });
    kept.push(merged);
    kept.sort((a, b) => a[0] - b[0]);
    covered.splice(0, covered.length, ...kept);
  }
}
