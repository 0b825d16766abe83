// The stored messages of each room, a page at a time (docs/protocol.md,
// "History"): the newest page once a room is joined, older ones on
// scroll-back, and around a message found by search, the page that ends with
// it and the pages after it. One history request per room is in flight; the
// others wait in the room's queue, the newest page first.

import { PASSING } from './requests.js';

const OLDER_PAGE = 50;
/** Messages shown on each side of one found by search. */
const CONTEXT_PAGE = 25;

export class HistoryPager {
  /**
   * @param {import('./chat.js').Chat} chat
   * @param {import('./view.js').View} view
   */
  constructor(chat, view) {
    this.chat = chat;
    this.view = view;
  }

  /** The newest page comes before anything else waiting for the room. */
  latest(room) {
    if (room.loading === 'latest' || room.historyQueue.some((h) => h.purpose === 'latest')) return;
    room.historyQueue.unshift({ frame: { type: 'history', room: room.name }, purpose: 'latest' });
    this.next(room);
  }

  /** Scroll-back: the page before the oldest message held, until the server says there is no more. */
  older() {
    const room = this.chat.currentRoom;
    if (!room || !room.loaded || !room.more || room.loading || room.historyQueue.length || room.ids.length === 0) return;
    this.ask(room, { type: 'history', room: room.name, before: room.oldestId, limit: OLDER_PAGE }, 'older');
  }

  /** The messages after a stretch around a found message, towards the newest ones. */
  newer() {
    const room = this.chat.currentRoom;
    if (!room || room.gapAfter === null || room.loading || room.historyQueue.length) return;
    const after = room.gapAfter;
    this.ask(room, { type: 'history', room: room.name, after, limit: OLDER_PAGE }, 'newer', after);
  }

  /**
   * The message `id` of a room to be shown among those around it: the page
   * that ends with it and the page after it, when it is not held already.
   */
  around(room, id) {
    // Set first: the room is not read merely for having been opened at its newest messages on the way.
    room.foundId = id;
    if (room.has(id)) return;
    // One stretch besides the newest messages at a time: an older one goes, with any page of it still to come.
    this.view.forgetMessages(room, room.dropStretch());
    room.stretch += 1;
    room.historyQueue = room.historyQueue.filter((h) => h.purpose === 'latest');
    this.ask(room, { type: 'history', room: room.name, before: id + 1, limit: CONTEXT_PAGE }, 'context');
    this.ask(room, { type: 'history', room: room.name, after: id, limit: CONTEXT_PAGE }, 'newer', id);
  }

  /** Once the messages around it are in (nothing more is asked of the room), the found message is scrolled to and marked. */
  showFoundWhenLoaded(room) {
    if (room.foundId === undefined || room.loading || room.historyQueue.length) return;
    const id = room.foundId;
    room.foundId = undefined;
    if (room.name === this.chat.current) this.view.showFound(room, id);
  }

  /** A page of `history` for the room `name` (`room` undefined when it was left meanwhile); edits and deletions apart. */
  onPage(name, room, messages, changes, more) {
    const asked = this.chat.requests.settle('history', (r) => r.room === name);
    if (!room) return;
    const purpose = asked?.purpose ?? room.loading ?? 'latest';
    room.loading = null;
    room.inFlight = null;
    const { stats } = this.chat;
    let fresh = [];
    if ((purpose === 'context' || purpose === 'newer') && asked?.stretch !== room.stretch) {
      // A page of a stretch another found message replaced: nothing to show.
    } else if (purpose === 'older') {
      fresh = room.add(messages, 'older', stats);
      room.more = more;
    } else if (purpose === 'context') {
      fresh = room.addStretch(messages, more, stats);
    } else if (purpose === 'newer') {
      fresh = room.addNewer(asked?.after ?? 0, messages, more, stats);
    } else {
      fresh = room.add(messages, 'latest', stats);
      if (room.gapAfter === null) room.more = more;
      else room.closeGapBelow(messages, more);
      room.loaded = true;
    }
    // A page asked for is reading, not news: it does not count as unread.
    this.chat.took(room, fresh, { older: purpose === 'older', counted: false });
    this.chat.changes.applyAll(room, changes);
    this.next(room);
    this.showFoundWhenLoaded(room);
  }

  failed(asked, code, words) {
    const room = this.chat.rooms.get(asked.room);
    if (!room) return;
    room.loading = null;
    room.inFlight = null;
    if (code === 'UNKNOWN_ROOM') {
      // Nothing was ever said there.
      room.loaded = true;
      room.more = false;
      room.foundId = undefined;
    } else if (PASSING.has(code)) {
      // The same page again, first in line, a moment later.
      room.historyQueue.unshift({ frame: asked.frame, purpose: asked.purpose, after: asked.after, stretch: asked.stretch });
      this.chat.later(() => this.next(room));
      this.renderFor(room);
      return;
    } else {
      this.view.showComposerError(words, code);
    }
    this.renderFor(room);
    this.next(room);
  }

  ask(room, frame, purpose, after) {
    room.historyQueue.push({ frame, purpose, after, stretch: room.stretch });
    this.next(room);
  }

  /** Sends the next history request of a room, once the one before it is answered and the room is joined. */
  next(room) {
    if (!room.loading && room.joined && room.historyQueue.length > 0) {
      const next = room.historyQueue[0];
      if (this.chat.request('history', next.frame, { room: room.name, ...next })) {
        room.historyQueue.shift();
        room.loading = next.purpose;
        room.inFlight = next;
      }
    }
    this.renderFor(room);
  }

  /** The "older messages" control of the room on screen says whether a page is coming. */
  renderFor(room) {
    if (room.name === this.chat.current) this.view.renderOlder(room);
  }
}
