// What the page knows about one room: its messages in id order, how far back
// it has read, what it has not shown yet, who is there. No DOM here.

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
};

export class Room {
  constructor(name) {
    this.name = name;
    /** @type {Map<number, {message: object, source: string}>} */
    this.byId = new Map();
    /** @type {number[]} ascending */
    this.ids = [];
    /** The latest page has arrived: from now on a rejoin asks for what came after. */
    this.loaded = false;
    /** Older messages than the oldest held may exist on the server. */
    this.more = true;
    this.unread = 0;
    /** The first message counted unread, above which the room draws a line when opened. */
    this.firstUnreadId = null;
    /** @type {string[] | null} */
    this.users = null;
    /** Joined on the current connection. */
    this.joined = false;
    /** A catch-up is running: pages until one says more: false. */
    this.catchingUp = false;
    /** 'latest' | 'older' | null: the history request in flight. */
    this.loading = null;
  }

  get lastSeenId() {
    return this.ids.length ? this.ids[this.ids.length - 1] : 0;
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
