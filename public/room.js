// What the page knows about one room: what kind it is and what people call
// it, its messages in id order, how far back it has read, how far the user
// has read it and what is unread, who is there. No DOM here.

/**
 * Where a message came from. The protocol allows one message to arrive twice
 * only in two cases: a repeat (the answer to a re-sent clientId carries
 * `duplicate: true`), and the first page of a room read right after joining it,
 * which may hold messages that are also on their way live. Any other second
 * arrival is a fault of the server, counted so the tests see it.
 */
const MAY_OVERLAP = {
  repeat: () => true,
  latest: (other) => other === 'live' || other === 'latest',
  live: (other) => other === 'latest',
  catchup: () => false,
  older: () => false,
  // A page around a message found by search, or after it: fetched without regard to what is held.
  context: () => true,
  newer: () => true,
};

/** The server's names for private rooms and direct conversations (docs/protocol.md). */
export function kindOfName(name) {
  if (name.startsWith('p-')) return 'private';
  if (name.startsWith('d-')) return 'direct';
  return 'public';
}

/** "999+" for the server's "1,000 or more". */
export function unreadText(count) {
  return count >= 1000 ? '999+' : String(count);
}

export class Room {
  constructor(name, about = {}) {
    this.name = name;
    /** public | private | direct */
    this.kind = kindOfName(name);
    /** A private room's title; the other user of a direct conversation; the user's role in a private room. */
    this.title = null;
    this.with = null;
    this.role = null;
    /** The newest message id the server reported for the room (its conversation list). */
    this.lastId = 0;
    this.describe(about);
    /** @type {Map<number, {message: object, source: string}>} */
    this.byId = new Map();
    /** @type {number[]} ascending */
    this.ids = [];
    /** The newest edit or deletion applied (changes have ids of their own, in the room's sequence). */
    this.changedUpTo = 0;
    /** The latest page has arrived: from now on a rejoin asks for what came after. */
    this.loaded = false;
    /** Older messages than the oldest held may exist on the server. */
    this.more = true;
    /** Messages of others after the read marker: the server's count, then what arrived since. */
    this.unread = 0;
    /** The user's read marker (the newest id read); null until known. */
    this.readUpTo = null;
    /** The newest message this page showed the reader (see Chat.noteSeen): it holds against an older marker of the server's. */
    this.seenUpTo = 0;
    /** The marker as the server last said it: the page sends a marker only past it. */
    this.serverReadUpTo = null;
    /** The server listed the room among the user's conversations. */
    this.listed = false;
    /** Why the server would not let this connection join the room (too many rooms), or null. */
    this.refusal = null;
    /** The newest id the unread count has taken into account. */
    this.countedUpTo = 0;
    /**
     * Set while the messages held are two stretches: those up to this id
     * (around a message found by search), and the newest ones, with messages
     * not loaded between them.
     */
    this.gapAfter = null;
    /** Counts the stretches loaded, so that a page of one that was replaced is known when it comes. */
    this.stretch = 0;
    /** History requests waiting for the one in flight: a room asks one page at a time, so that each answer is known. */
    this.historyQueue = [];
    /** Members of a private room, as last asked: [{username, role}], or null. */
    this.members = null;
    /** A message found by search, waiting for the messages around it to arrive before it is shown. */
    this.foundId = undefined;
    /** @type {string[] | null} */
    this.users = null;
    /** Joined on the current connection. */
    this.joined = false;
    /** A catch-up is running: pages until one says more: false. */
    this.catchingUp = false;
    /** 'latest' | 'older' | 'context' | 'newer' | null: the history request in flight. */
    this.loading = null;
    /** The history request in flight, to be asked again if the connection is lost before its answer. */
    this.inFlight = null;
  }

  /** Takes what the server says of the room (an entry of its conversation list, a created or direct frame). */
  describe({ kind, title, with: other, role, lastId } = {}) {
    if (kind === 'public' || kind === 'private' || kind === 'direct') this.kind = kind;
    if (typeof title === 'string') this.title = title;
    if (typeof other === 'string') this.with = other;
    if (role === 'owner' || role === 'member') this.role = role;
    if (Number.isSafeInteger(lastId) && lastId > this.lastId) this.lastId = lastId;
  }

  /** What people call the room: #dev, a private room's title, the other user of a direct conversation. */
  get label() {
    if (this.kind === 'private') return this.title ?? 'Private room';
    if (this.kind === 'direct') return this.with ?? 'Direct conversation';
    return `#${this.name}`;
  }

  /** How recently something happened here: the list puts the most recent first. */
  get activity() {
    return Math.max(this.lastId, this.lastSeenId);
  }

  // ------------------------------------------------------------ read marker and unread count

  /** The server's marker and count (its conversation list), which hold from now on. */
  setUnread(readUpTo, unread, lastId) {
    this.readUpTo = readUpTo;
    this.unread = unread;
    this.countedUpTo = Math.max(lastId, readUpTo);
  }

  /**
   * Counts new messages of others as unread, unless read or counted already.
   * `isMine(username)` tells the user's own, which are never unread.
   */
  count(messages, isMine) {
    for (const message of messages) {
      if (message.id <= this.countedUpTo) continue;
      this.countedUpTo = message.id;
      // A message deleted before it was seen is not news (the server does not count it either).
      if (!isMine(message.username) && !message.deleted && message.id > (this.readUpTo ?? 0)) this.unread += 1;
    }
  }

  /** Messages held but not counted (a page asked for, read, not news) are taken as read if nothing was known. */
  takeAsRead(messages) {
    const newest = messages.reduce((max, m) => Math.max(max, m.id), 0);
    if (this.readUpTo === null) this.readUpTo = newest;
    this.countedUpTo = Math.max(this.countedUpTo, newest);
  }

  /**
   * Moves the marker forward to `id`. Returns false when the count after it
   * cannot be told from the messages held (they do not reach back to it).
   */
  markRead(id, isMine) {
    if (this.readUpTo !== null && id <= this.readUpTo) return true;
    this.readUpTo = id;
    if (id >= this.countedUpTo) {
      this.unread = 0;
      return true;
    }
    // Exact only if every message after `id` up to the newest counted is held.
    const held = this.ids.length > 0 && this.ids[0] <= id && (this.gapAfter === null || this.gapAfter < id);
    if (!held) return false;
    this.unread = this.ids.filter((other) => other > id && other <= this.countedUpTo && !isMine(this.byId.get(other).message.username)).length;
    return true;
  }

  /** The first message after the marker that someone else wrote, above which a room draws its line. */
  firstUnreadId(isMine) {
    if (this.unread === 0 || this.readUpTo === null) return null;
    for (let at = this.position(this.readUpTo + 1); at < this.ids.length; at += 1) {
      const id = this.ids[at];
      if (!isMine(this.byId.get(id).message.username)) return id;
    }
    return null;
  }

  // ------------------------------------------------------------ a stretch around a message found by search

  /** The ids held up to the gap (the stretch around a found message), to be dropped before another one is loaded. */
  dropStretch() {
    if (this.gapAfter === null) return [];
    const dropped = this.ids.splice(0, this.position(this.gapAfter + 1));
    for (const id of dropped) this.byId.delete(id);
    this.gapAfter = null;
    this.more = true;
    return dropped;
  }

  /**
   * Takes the page that ends at a found message (`before` it plus one). The
   * messages held above it, or still to load, are not known to follow it:
   * the stretch ends at a gap until a page after it reaches them.
   */
  addStretch(messages, more, stats) {
    const wasOldest = this.ids.length === 0 ? Infinity : this.oldestId;
    const fresh = this.add(messages, 'context', stats);
    const newest = messages.reduce((max, m) => Math.max(max, m.id), 0);
    if (messages.length > 0 && messages[0].id <= wasOldest) this.more = more;
    if (newest > 0 && (this.nextAfter(newest) !== undefined || !this.loaded)) this.gapAfter = newest;
    return fresh;
  }

  /**
   * Takes a page of messages after `after`, the end of the stretch. It closes
   * the gap when it reaches what was held above it, or the newest message.
   */
  addNewer(after, messages, more, stats) {
    const above = this.nextAfter(after);
    const fresh = this.add(messages, 'newer', stats);
    if (this.gapAfter === null) return fresh;
    const newest = messages.reduce((max, m) => Math.max(max, m.id), after);
    if (!more || (above !== undefined && newest >= above)) this.gapAfter = null;
    else this.gapAfter = Math.max(this.gapAfter, newest);
    return fresh;
  }

  /** The newest page, when a stretch was loaded first: it closes the gap if it reaches down to the stretch. */
  closeGapBelow(messages, more) {
    if (this.gapAfter === null) return;
    if (!more || (messages.length > 0 && messages[0].id <= this.gapAfter)) this.gapAfter = null;
  }

  /** The cursor a rejoin resumes after: the newest message or change held. */
  get lastSeenId() {
    return Math.max(this.ids.length ? this.ids[this.ids.length - 1] : 0, this.changedUpTo);
  }

  get oldestId() {
    return this.ids.length ? this.ids[0] : 0;
  }

  has(id) {
    return this.byId.has(id);
  }

  /** The smallest id held that is greater than `id`, or undefined. */
  nextAfter(id) {
    const at = this.position(id);
    return this.ids[this.ids[at] === id ? at + 1 : at];
  }

  /**
   * Takes messages in, in id order, and returns the new ones (ascending).
   * Second arrivals are dropped; those the protocol does not allow are counted
   * in stats.duplicates, arrivals below the newest held in stats.outOfOrder.
   */
  add(messages, source, stats) {
    const fresh = [];
    for (const message of messages) {
      if (!message || !Number.isSafeInteger(message.id)) continue;
      const held = this.byId.get(message.id);
      if (held) {
        if (!MAY_OVERLAP[source]?.(held.source) && !MAY_OVERLAP[held.source]?.(source)) stats.duplicates += 1;
        continue;
      }
      if ((source === 'live' || source === 'catchup') && message.id < this.lastSeenId) stats.outOfOrder += 1;
      this.byId.set(message.id, { message, source });
      this.ids.splice(this.position(message.id), 0, message.id);
      fresh.push(message);
    }
    return fresh.sort((a, b) => a.id - b.id);
  }

  /**
   * Applies an edit or a deletion (a live `edited`/`deleted` frame, or a
   * catch-up entry with `change`) to the message it names, in place. Returns
   * that message when it is held and changed, else null. Applying a change
   * twice (a catch-up from an older cursor) changes nothing more.
   */
  applyChange({ id, change, target, message: text, createdAt }) {
    if (Number.isSafeInteger(id) && id > this.changedUpTo) this.changedUpTo = id;
    const held = this.byId.get(target)?.message;
    if (!held || held.deleted) return null;
    if (change === 'delete') {
      held.deleted = true;
      held.deletedAt = createdAt;
      delete held.message;
    } else if (change === 'edit' && typeof text === 'string') {
      held.message = text;
      held.editedAt = createdAt;
    } else {
      return null;
    }
    return held;
  }

  /** Index of the first id >= `id` (binary search). */
  position(id) {
    let low = 0;
    let high = this.ids.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (this.ids[middle] < id) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  setUsers(users) {
    this.users = [...new Set(users.filter((u) => typeof u === 'string'))].sort();
  }

  userArrived(username) {
    if (!this.users) return;
    if (!this.users.includes(username)) this.setUsers([...this.users, username]);
  }

  userLeft(username) {
    if (this.users) this.users = this.users.filter((u) => u !== username);
  }
}
