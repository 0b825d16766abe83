// The requests on this connection still waiting for their answer, oldest
// first, and which of them an answer or an error frame belongs to
// (docs/protocol.md, "Which request an error answers"): the server answers
// each in turn, but a frame names its request only by a room or a clientId.

/** Refusals that say nothing about the request itself: it may be sent again later and succeed. */
export const PASSING = new Set(['RATE_LIMITED', 'UNAVAILABLE', 'INTERNAL', 'BUSY']);

/** Which error codes each request can earn; an error frame is blamed on the oldest request that fits. */
const CAN_FAIL = {
  auth: ['INVALID_TOKEN', 'SESSION_REVOKED', 'USERNAME_MISMATCH', 'INVALID_COMMAND', 'INVALID_FORMAT', 'UNAVAILABLE', 'INTERNAL'],
  post: [
    'NOT_AUTHENTICATED',
    'TOKEN_EXPIRED',
    'USERNAME_MISMATCH',
    'EMPTY_MESSAGE',
    'MESSAGE_TOO_LONG',
    'INVALID_FORMAT',
    'INVALID_COMMAND',
    'INVALID_CLIENT_ID',
    'INVALID_ROOM',
    'NOT_A_MEMBER',
    'TOKEN_IN_MESSAGE',
    'UNAVAILABLE',
    'INTERNAL',
    'BUSY',
  ],
  // UNKNOWN_ROOM: a visitor (no user) cannot create a room by joining it, e.g. through a link to one.
  join: ['INVALID_ROOM', 'UNKNOWN_ROOM', 'TOO_MANY_ROOMS', 'INVALID_HISTORY_QUERY', 'INVALID_FORMAT', 'INVALID_COMMAND', 'UNAVAILABLE', 'INTERNAL'],
  leave: ['INVALID_ROOM', 'NOT_A_MEMBER', 'INVALID_FORMAT', 'INVALID_COMMAND', 'INTERNAL'],
  history: ['INVALID_ROOM', 'UNKNOWN_ROOM', 'INVALID_HISTORY_QUERY', 'INVALID_FORMAT', 'INVALID_COMMAND', 'UNAVAILABLE', 'INTERNAL'],
  presence: ['INVALID_ROOM', 'UNKNOWN_ROOM', 'INVALID_FORMAT', 'INVALID_COMMAND', 'INTERNAL'],
  conversations: ['NOT_AUTHENTICATED', 'UNAVAILABLE', 'INTERNAL'],
  read: ['INVALID_ROOM', 'UNKNOWN_ROOM', 'INVALID_HISTORY_QUERY', 'NOT_AUTHENTICATED', 'UNAVAILABLE', 'INTERNAL'],
  create: ['INVALID_TITLE', 'INVALID_FORMAT', 'NOT_AUTHENTICATED', 'UNAVAILABLE', 'INTERNAL'],
  direct: ['UNKNOWN_USER', 'INVALID_COMMAND', 'INVALID_FORMAT', 'NOT_AUTHENTICATED', 'UNAVAILABLE', 'INTERNAL'],
  invite: ['NOT_AN_OWNER', 'UNKNOWN_USER', 'UNKNOWN_ROOM', 'INVALID_ROOM', 'INVALID_FORMAT', 'NOT_AUTHENTICATED', 'UNAVAILABLE', 'INTERNAL'],
  remove: ['NOT_AN_OWNER', 'UNKNOWN_USER', 'UNKNOWN_ROOM', 'INVALID_ROOM', 'INVALID_FORMAT', 'NOT_AUTHENTICATED', 'UNAVAILABLE', 'INTERNAL'],
  promote: ['NOT_AN_OWNER', 'UNKNOWN_USER', 'UNKNOWN_ROOM', 'INVALID_ROOM', 'INVALID_FORMAT', 'NOT_AUTHENTICATED', 'UNAVAILABLE', 'INTERNAL'],
  members: ['UNKNOWN_ROOM', 'INVALID_ROOM', 'NOT_AUTHENTICATED', 'UNAVAILABLE', 'INTERNAL'],
  search: ['INVALID_SEARCH', 'NOT_AUTHENTICATED', 'UNAVAILABLE', 'INTERNAL'],
};
export class Requests {
  constructor() {
    /** @type {Array<{ kind: string, [detail: string]: unknown }>} */
    this.waiting = [];
  }

  /** A new connection: nothing asked on the old one will be answered. */
  clear() {
    this.waiting = [];
  }

  add(kind, details = {}) {
    this.waiting.push({ kind, ...details });
  }

  /** The oldest waiting request of this kind that `fits`; removed from the list. */
  settle(kind, fits = () => true) {
    const index = this.waiting.findIndex((r) => r.kind === kind && fits(r));
    return index < 0 ? undefined : this.waiting.splice(index, 1)[0];
  }

  /** The request an error frame answers, removed from the list; undefined when none can have earned it. */
  blame(frame, code, defaultRoom) {
    // An error about a chat frame repeats its clientId, which names the send exactly.
    if (typeof frame.clientId === 'string') {
      const fits = (r) => r.clientId === frame.clientId;
      return this.settle('post', fits) ?? this.settle('change', fits);
    }
    // A frame refused for coming too fast is the oldest still waiting: the server answers in order.
    if (code === 'RATE_LIMITED') return this.waiting.shift();
    return this.oldestEarning(code, frame.room ?? defaultRoom);
  }

  /** The oldest request that can earn this code, about the room the error names if one is. */
  oldestEarning(code, room) {
    const fits = (r) => CAN_FAIL[r.kind]?.includes(code);
    let index = this.waiting.findIndex((r) => fits(r) && r.room === room);
    if (index < 0) index = this.waiting.findIndex(fits);
    return index < 0 ? undefined : this.waiting.splice(index, 1)[0];
  }
}
