import type { Message } from '../../domain/message.js';

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

/**
 * What one connection has been sent of one room, and the hand-over from a
 * catch-up to live delivery. Pure: the gateway feeds it live batches and
 * catch-up pages, and writes what it hands back.
 *
 * Every message published after a catch-up began is held, and every page
 * holds what was committed before it was read, so the two overlap; the
 * cursor drops the overlap, so nothing is missed and nothing sent twice.
 */
export class RoomCursor {
  /** The highest id of the room sent: live messages up to it are not sent again. */
  private cursor = 0;
  /** Set while catching up: live messages wait here until the last page is out. */
  private held: Message[] | undefined;
  /** Held messages were dropped since the last page was read, so one more page is needed. */
  private heldOverflow = false;
  /** Every message of the room from this id up to the cursor was sent. */
  private sentFrom: number | undefined;
  /** Sent live already when a catch-up was asked for: its pages leave these out. */
  private skip: { from: number; to: number } | undefined;
  private catchUpFrom = 0;

  get catchingUp(): boolean {
    return this.held !== undefined;
  }

  /** A batch of the room's live messages, in id order: those to send now (the batch itself when all of it is new). */
  live(messages: readonly Message[]): readonly Message[] {
    if (this.held) {
      this.hold(messages);
      return [];
    }
    const last = (messages.at(-1) as Message).id;
    if (this.cursor >= last) return [];
    // Only right after a catch-up can a batch start at or below the cursor.
    const fresh = this.cursor < (messages[0] as Message).id ? messages : messages.filter(({ id }) => id > this.cursor);
    this.sentFrom ??= (fresh[0] as Message).id;
    this.cursor = last;
    return fresh;
  }

  /**
   * Starts (or starts again) a catch-up after `after`. A member asking again
   * (a client resuming in general, which every connection is in from the
   * start) may have been sent some of what it asks for live while its
   * request was on the way: those are left out of the pages.
   */
  beginCatchUp(after: number): void {
    if (this.sentFrom !== undefined && !this.held) this.skip = { from: this.sentFrom, to: this.cursor };
    this.cursor = after;
    this.catchUpFrom = after;
    this.held = [];
    this.heldOverflow = false;
  }

  /** Where the next page starts. What is dropped from the held ones from now on, that page or a later one holds. */
  nextPage(): number {
    this.heldOverflow = false;
    return this.cursor;
  }

  /** The page read after nextPage(), oldest first, and whether the store has more after it. */
  page(messages: readonly Message[], storeHasMore: boolean): CatchUpStep {
    if (messages.length > 0) this.cursor = (messages.at(-1) as Message).id;
    const { skip } = this;
    const page = skip ? messages.filter(({ id }) => id < skip.from || id > skip.to) : messages;
    if (storeHasMore || this.heldOverflow) return { page, more: true, then: [] };
    const then = (this.held as Message[]).filter(({ id }) => id > this.cursor);
    this.held = undefined;
    this.skip = undefined;
    this.sentFrom = this.catchUpFrom + 1;
    if (then.length > 0) this.cursor = (then.at(-1) as Message).id;
    return { page, more: false, then };
  }

  private hold(messages: readonly Message[]): void {
    const held = this.held as Message[];
    held.push(...messages);
    if (held.length > MAX_HELD) {
      held.splice(0, held.length - MAX_HELD);
      this.heldOverflow = true;
    }
  }
}
