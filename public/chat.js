// The chat protocol as the page speaks it (docs/protocol.md, "Extensions"):
// sign in on every new connection, join each room again with the last id
// shown so the server sends exactly what was missed, re-send what was not
// acknowledged under the same clientId. The user's conversations, read markers
// and private rooms are conversations.js's; search is search.js's; the pages
// of history, on joining and scrolling back or around a found message, are
// history-pager.js's; the sends not yet acknowledged are kept by outbox.js, and
// requests.js tells which request an answer or an error belongs to.

import { AuthSession } from './auth-session.js';
import { Connection } from './connection.js';
import { Conversations } from './conversations.js';
import { HistoryPager } from './history-pager.js';
import { DEFAULT_LIMITS, fetchLimits } from './limits.js';
import { Room } from './room.js';
import { sameName } from './dom.js';
import { MessageChanges } from './message-changes.js';
import { Outbox } from './outbox.js';
import { PASSING, Requests } from './requests.js';
import { errorWords, closeWords, messageProblem, roomNameProblem } from './rules.js';
import { Search } from './search.js';
import * as memory from './session.js';

const DEFAULT_ROOM = 'general';
/** After a refusal that may pass (database down, too fast), try again this much later. */
const RETRY_LATER_MS = 2_000;
/** Silence this long on an open socket: ask something cheap to learn whether it is still alive. */
const PROBE_AFTER_MS = 25_000;
const PROBE_TIMEOUT_MS = 10_000;
const UNANSWERED_MS = 15_000;

export class Chat {
  /** @param {import('./view.js').View} view */
  constructor(view, url) {
    this.view = view;
    /** Read by the browser tests: a server that sends a message twice must not go unnoticed. */
    this.stats = { duplicates: 0, outOfOrder: 0, resent: 0, reconnects: 0 };
    window.__chatStats = this.stats;

    /** The signed-in user's session ({username, ...}; the token is auth-session.js's), or null. */
    this.session = null;
    memory.forgetOldToken();
    this.auth = new AuthSession(this, view);
    /** The session the connection is authorized with: a revocation of another one (older) does not end this one. */
    this.authSessionId = null;
    this.authRetries = 0;
    /** What this server allows (GET /api/limits); the documented defaults until it answers. */
    this.limits = DEFAULT_LIMITS;
    const places = memory.loadPlaces(this.owner);
    /** @type {Map<string, Room>} in the order of the list: the most recently active first */
    this.rooms = new Map((places?.rooms ?? [{ name: DEFAULT_ROOM }]).map((about) => [about.name, new Room(about.name, about)]));
    this.current = places && this.rooms.has(places.current) ? places.current : (this.rooms.keys().next().value ?? null);
    /**
     * Rooms left in this tab that the server's list would bring back: general,
     * which every user belongs to, and rooms whose removal the server has not
     * confirmed yet.
     */
    this.hidden = new Set(places?.hidden ?? []);
    // A user's rooms kept by this tab are the user's own conversations, as the server's list will say.
    if (this.owner) for (const room of this.rooms.values()) room.listed = true;
    this.outbox = new Outbox(view, this.owner);

    this.requests = new Requests();
    this.authorized = false;
    this.synced = false;
    /** Set from the moment a connection is lost until the next one opens: {reason}. */
    this.away = null;
    this.lastHeard = 0;
    this.probeSentAt = 0;

    this.conversations = new Conversations(this, view);
    this.search = new Search(this, view);
    this.changes = new MessageChanges(this, view);
    this.history = new HistoryPager(this, view);

    /** The cursor for general in the URL of the socket being opened, if any. */
    this.urlCursor = undefined;
    this.connection = new Connection(() => this.socketUrl(url), {
      open: () => this.onOpen(),
      frame: (frame) => this.onFrame(frame),
      close: (event, wasOpen) => this.onClose(event, wasOpen),
      state: () => this.renderStatus(),
    });
  }

  /**
   * general, which a connection is in from its first moment, resumes through
   * the URL, so its catch-up starts before any live message can overtake it.
   */
  socketUrl(base) {
    const general = this.rooms.get(DEFAULT_ROOM);
    this.urlCursor = general?.loaded ? general.lastSeenId : undefined;
    return this.urlCursor === undefined ? base : `${base}?after=${this.urlCursor}`;
  }

  /** Whose rooms and unsent messages are kept: the signed-in user (or the one the page is logging back in), or null for a watcher. */
  get owner() {
    return this.session?.username ?? this.auth.resumingAs;
  }

  start() {
    void this.learnLimits();
    // Coming back as the user this browser was logged in as: shown as such while the token comes.
    const resuming = this.auth.resumingAs;
    this.view.renderAccount(resuming ? { username: resuming } : null);
    void this.auth.resume();
    this.renderRooms();
    this.showCurrent(); // with the sends a reload interrupted, still waiting
    this.connection.connect();
    setInterval(() => this.tick(), 1000);
  }

  /** Asks the server for its limits and states them from then on. */
  async learnLimits() {
    const limits = await fetchLimits();
    if (!limits) return;
    this.limits = limits;
    this.view.applyLimits(limits);
  }

  // ------------------------------------------------------------ account

  /**
   * A session to use: a login, or a token renewed, or one another tab of this
   * browser got. The same user's goes on with the new token; another user's
   * (logged in in another tab) replaces the one here.
   */
  adoptSession(session) {
    if (this.session && sameName(this.session.username, session.username)) {
      this.session = session;
      // The connection signs in again with the new token before the old one runs out.
      if (this.connection.state === 'open') this.authorize({ renewal: this.authorized });
      return;
    }
    if (this.session) this.becomeVisitor();
    this.session = session;
    this.authRetries = 0;
    this.savePlaces();
    this.view.renderAccount(this.session);
    this.outbox.adopt(this.session.username);
    this.view.showComposerError('');
    this.changes.signedIn();
    const socket = this.connection.socket;
    if (socket?.readyState === WebSocket.OPEN) this.authorize();
    else if (!socket) this.connection.retryNow();
    // A connecting socket authorizes when it opens.
    this.renderStatus();
  }

  /** Logging out: the session ends on the server, and this tab forgets what it kept for the user. */
  signOut() {
    this.auth.logOut();
    this.becomeVisitor();
  }

  /** Forgets everything this tab kept for the user and starts a fresh, anonymous connection. */
  becomeVisitor() {
    memory.forgetAll();
    this.session = null;
    this.authorized = false;
    this.authSessionId = null;
    this.outbox.forget();
    for (const name of this.rooms.keys()) this.view.forgetRoom(name);
    this.rooms = new Map([[DEFAULT_ROOM, new Room(DEFAULT_ROOM)]]);
    this.current = DEFAULT_ROOM;
    this.hidden.clear();
    this.conversations.reset();
    this.search.reset();
    this.changes.reset();
    this.view.renderAccount(null);
    this.view.auth.showError(null);
    this.view.showComposerError('');
    this.renderRooms();
    this.showCurrent();
    this.connection.restart();
  }

  /** The login is over (revoked, expired, refused): keep the unsent messages, ask for a new login, read as a visitor meanwhile. */
  endSession(words) {
    this.session = null;
    this.authorized = false;
    this.authSessionId = null;
    this.changes.reset();
    this.view.renderAccount(null);
    this.view.auth.showError({ field: null, text: words });
    if (this.connection.state === 'open' && !this.synced) this.sync();
    this.renderStatus();
  }

  // ------------------------------------------------------------ connection

  onOpen() {
    this.away = null;
    this.requests.clear();
    this.authorized = false;
    this.synced = false;
    this.lastHeard = Date.now();
    this.probeSentAt = 0;
    for (const room of this.rooms.values()) {
      room.joined = false;
      // A page asked on the lost connection is asked again on this one, once the room is joined.
      if (room.inFlight) room.historyQueue.unshift(room.inFlight);
      room.inFlight = null;
      room.loading = null;
      room.catchingUp = false;
    }
    this.conversations.connectionOpened();
    this.search.connectionOpened();
    this.changes.connectionOpened();
    // The server has begun general's catch-up already; its joined frame is on the way.
    const general = this.rooms.get(DEFAULT_ROOM);
    if (general && this.urlCursor !== undefined) general.catchingUp = true;
    this.outbox.requeueSent();
    if (this.session) this.authorize();
    else if (this.auth.resumingAs)
      void this.auth.resume(); // the connection signs in once the token comes
    else this.sync();
  }

  /**
   * Why the connection went says what happened (the server restarting, say);
   * the attempts that fail after it only say that the server is still away,
   * so they do not replace it.
   */
  onClose(event, wasOpen) {
    this.authorized = false;
    this.synced = false;
    if (wasOpen) this.away = { reason: closeWords(event) || 'Connection lost.' };
    else this.away ??= { reason: 'Cannot reach the server.' };
    this.stats.reconnects += 1;
    this.outbox.requeueSent();
    // Who is where is unknown until the server says it again.
    for (const room of this.rooms.values()) room.users = null;
    this.renderPresence();
  }

  /** The person asked to reconnect now instead of waiting out the backoff. */
  retryNow() {
    this.connection.retryNow();
    this.renderStatus();
  }

  /** Signs the connection in; a token near its end is renewed first (adoptSession then comes back here). */
  authorize({ renewal = false } = {}) {
    if (!this.auth.fresh) void this.auth.renew();
    else this.request('auth', { username: this.session.username, message: `auth ${this.auth.token}` }, { renewal, sessionId: this.auth.sessionId });
    this.renderStatus();
  }

  /** On a new connection: leave general if the user did, join every room again. */
  sync() {
    this.synced = true;
    if (!this.rooms.has(DEFAULT_ROOM)) this.request('leave', { type: 'leave', room: DEFAULT_ROOM }, { room: DEFAULT_ROOM });
    for (const room of this.rooms.values()) {
      if (room.name === DEFAULT_ROOM && this.urlCursor !== undefined) continue; // resumed through the URL
      this.join(room);
    }
  }

  /** A room read before asks for what came after its newest message; the server sends exactly that. */
  join(room) {
    room.joined = false;
    const frame = { type: 'join', room: room.name };
    if (room.loaded) frame.after = room.lastSeenId;
    if (this.request('join', frame, { room: room.name })) room.catchingUp = room.loaded;
  }

  /** Sends a frame that expects an answer, and remembers it so an error can be blamed on it. */
  request(kind, frame, details = {}) {
    if (!this.connection.send(frame)) return false;
    this.requests.add(kind, details);
    return true;
  }

  /** Once a second: the reconnect countdown, and a probe when an open socket has gone quiet. */
  tick() {
    if (this.connection.state === 'waiting') this.renderStatus();
    if (this.connection.state !== 'open') return;
    const now = Date.now();
    // A send whose answer never came (its refusal blamed on another, say) goes again: the clientId makes that safe.
    for (const send of this.outbox.unansweredSince(now - UNANSWERED_MS)) {
      this.outbox.setState(send, 'queued');
      this.transmit(send);
    }
    if (this.probeSentAt && now - this.probeSentAt > PROBE_TIMEOUT_MS) {
      // No answer at all: the network is gone without saying so.
      this.away = { reason: 'The connection stopped answering.' };
      this.connection.restart();
    } else if (!this.probeSentAt && now - this.lastHeard > PROBE_AFTER_MS) {
      this.probe();
    }
  }

  /** Asks something cheap; any frame back proves the socket alive, silence restarts it (see tick). */
  probe() {
    if (this.connection.state !== 'open' || this.probeSentAt) return;
    this.probeSentAt = Date.now();
    const room = this.current ?? DEFAULT_ROOM;
    this.request('presence', { type: 'presence', room }, { room });
  }

  /** The browser says the network is back: an open socket may be a dead one from before. */
  networkBack() {
    if (this.connection.state === 'open') this.probe();
    else this.connection.retryNow();
    this.renderStatus();
  }

  // ------------------------------------------------------------ frames

  onFrame(frame) {
    this.lastHeard = Date.now();
    this.probeSentAt = 0;
    switch (frame.type) {
      case 'info':
        return this.onInfo(frame);
      case 'error':
        return this.onError(frame);
      case 'joined':
        return this.onJoined(frame);
      case 'left':
        return this.onLeft(frame);
      case 'message':
        return this.onMessage(frame);
      case 'catchup':
        return this.onPage(frame, 'catchup');
      case 'history':
        return this.onPage(frame, 'history');
      case 'presence':
        return this.onPresence(frame);
      case 'search':
        return this.search.onResults(frame);
      case 'edited':
      case 'deleted':
        return this.changes.onChange(frame);
      case 'conversations':
      case 'added':
      case 'removed':
      case 'read':
      case 'created':
      case 'direct':
      case 'invited':
      case 'promoted':
      case 'members':
        return this.conversations.onFrame(frame);
      default:
        return undefined; // new frame types may come; they are not ours to understand yet
    }
  }

  onInfo(frame) {
    if (frame.code === 'AUTHENTICATED') {
      const asked = this.requests.settle('auth');
      const renewed = this.authorized && asked?.renewal === true;
      this.authorized = true;
      this.authSessionId = asked?.sessionId ?? this.authSessionId;
      this.authRetries = 0;
      this.renderStatus();
      if (renewed) return; // the same user, a new token: nothing else changes
      const watching = this.synced;
      if (!watching) this.sync();
      // The user's conversations, with what is unread in each, from the store: right on every device.
      this.conversations.signedIn();
      // Post what waited in rooms joined already (general, resumed through the URL, or all of
      // them on a connection that was watching); the others post when their joined frame comes.
      this.flushOutbox();
      // Presence counts us now.
      if (watching && this.current && this.rooms.get(this.current)?.joined) this.askPresence(this.current);
    } else if (frame.code === 'TOKEN_EXPIRED' && this.session) {
      // A token the page did not renew in time (a tab in the background): a new one, and on.
      this.authorized = false;
      this.authorize();
    } else if (frame.code === 'SESSION_REVOKED') {
      this.authorized = false;
      this.auth.revoked(frame.reason);
      this.renderStatus();
    }
  }

  onJoined(frame) {
    const room = this.rooms.get(frame.room);
    this.requests.settle('join', (r) => r.room === frame.room);
    if (!room) return; // left again before the answer came
    room.joined = true;
    room.refusal = null;
    if (!room.loaded) this.history.latest(room);
    else this.history.next(room);
    if (room.name === this.current) this.askPresence(room.name);
    this.flushOutbox(room.name);
  }

  onLeft(frame) {
    this.requests.settle('leave', (r) => r.room === frame.room);
  }

  onMessage(frame) {
    const mine = this.isMine(frame.username);
    if (typeof frame.clientId === 'string' && mine) {
      this.requests.settle('post', (r) => r.clientId === frame.clientId);
      this.acknowledge(frame);
    }
    const room = this.rooms.get(frame.room ?? DEFAULT_ROOM);
    if (!room) return;
    const fresh = room.add([frame], frame.duplicate === true ? 'repeat' : 'live', this.stats);
    this.took(room, fresh, { own: mine, live: true });
  }

  /** A page of `history` (asked for) or of `catchup` (after a join with `after`). */
  onPage(frame, type) {
    const name = frame.room ?? DEFAULT_ROOM;
    const room = this.rooms.get(name);
    const entries = Array.isArray(frame.messages) ? frame.messages.filter((m) => m && Number.isSafeInteger(m.id)) : [];
    // Edits and deletions after a cursor come among the messages: applied to the messages they change, never drawn as messages.
    const messages = entries.filter((m) => m.change === undefined);
    const changes = entries.filter((m) => m.change !== undefined);
    for (const message of messages) if (this.isMine(message.username)) this.acknowledge(message);
    if (type === 'history') {
      this.history.onPage(name, room, messages, changes, frame.more === true);
      return;
    }
    if (!room) return;
    if (frame.more !== true) room.catchingUp = false;
    this.took(room, room.add(messages, 'catchup', this.stats));
    this.changes.applyAll(room, changes);
  }

  /**
   * Draws new messages and counts those of others as unread, unless the
   * reader sees them at once (the room on screen, scrolled to its newest
   * message, in a visible tab). Live ones that come while the tab is in the
   * background also make a desktop notification (if the person turned them on).
   */
  took(room, fresh, { older = false, own = false, counted = true, live = false } = {}) {
    this.view.addMessages(room, fresh, { older, own, live: counted && !older });
    if (room.name === this.current) this.view.renderOlder(room);
    if (fresh.length === 0) return;
    if (counted && !older) room.count(fresh, (username) => this.isMine(username));
    else room.takeAsRead(fresh);
    if (room.name === this.current) this.noteSeen();
    if (live && document.visibilityState === 'hidden') {
      for (const message of fresh) if (!this.isMine(message.username)) this.view.notify(room.label, message, () => this.switchTo(room.name));
    }
    this.renderRooms();
  }

  /** Back from the background: what came meanwhile in the room on screen is read now, below a line. */
  visibilityChanged() {
    if (document.visibilityState === 'hidden') {
      this.renderRooms();
      return;
    }
    const room = this.currentRoom;
    if (room && room.unread > 0)
      this.view.markNew(
        room,
        room.firstUnreadId((username) => this.isMine(username)),
      );
    this.noteSeen();
    this.renderRooms();
  }

  /**
   * The room on screen is read up to its newest message once that message is
   * on screen, in a visible and focused tab; the server hears of it (a moment
   * later, once for many messages) and tells the user's other devices.
   */
  noteSeen() {
    const room = this.currentRoom;
    if (!room || !room.loaded || room.foundId !== undefined || !this.view.seesNewest(room)) return;
    const newest = room.lastSeenId;
    if (newest === 0) return;
    const unread = room.unread;
    room.seenUpTo = Math.max(room.seenUpTo, newest);
    room.markRead(newest, (username) => this.isMine(username));
    if (this.session) this.conversations.wantRead(room, newest);
    if (room.unread !== unread) this.renderRooms();
  }

  get currentRoom() {
    return (this.current && this.rooms.get(this.current)) || undefined;
  }

  onPresence(frame) {
    const room = this.rooms.get(frame.room);
    if (Array.isArray(frame.users)) {
      this.requests.settle('presence', (r) => r.room === frame.room);
      room?.setUsers(frame.users);
    } else if (frame.event === 'join' && typeof frame.username === 'string') {
      room?.userArrived(frame.username);
    } else if (frame.event === 'leave' && typeof frame.username === 'string') {
      room?.userLeft(frame.username);
    }
    if (room && room.name === this.current) this.renderPresence();
  }

  onError(frame) {
    const code = String(frame.code ?? '');
    const words = errorWords(code, frame.message);
    if (PASSING.has(code)) this.resumeCatchUps();
    const blamed = this.requests.blame(frame, code, DEFAULT_ROOM);
    if (!blamed) {
      this.view.showComposerError(words, code);
      return;
    }
    switch (blamed.kind) {
      case 'auth':
        return this.authFailed(blamed, code, words);
      case 'change':
        return this.changes.failed(blamed, code, words);
      case 'post':
        return this.postFailed(blamed.clientId, code, words);
      case 'join':
        return this.joinFailed(blamed.room, code, words);
      case 'history':
        return this.history.failed(blamed, code, words);
      case 'presence':
        if (code === 'UNKNOWN_ROOM') this.rooms.get(blamed.room)?.setUsers([]);
        return undefined;
      case 'search':
        return this.search.failed(blamed, code, words);
      case 'conversations':
      case 'read':
      case 'create':
      case 'direct':
      case 'invite':
      case 'remove':
      case 'promote':
      case 'members':
        return this.conversations.failed(blamed, code, words);
      default:
        return undefined; // a leave of a room the server had forgotten: it is gone either way
    }
  }

  /**
   * A catch-up page the server could not read ends the room's membership (so
   * that no live message follows a hole), with an error frame that does not
   * name the room. Every room still catching up joins again from its cursor;
   * for one whose catch-up is fine that only restarts it.
   */
  resumeCatchUps() {
    const rooms = [...this.rooms.values()].filter((room) => room.catchingUp);
    if (rooms.length === 0) return;
    this.later(() => {
      for (const room of rooms) if (this.rooms.get(room.name) === room && room.catchingUp) this.join(room);
    });
  }

  authFailed(asked, code, words) {
    if (PASSING.has(code)) {
      this.later(() => this.session && this.authorize());
      this.view.showComposerError(words, code);
      return;
    }
    if (!this.session) return;
    if (code === 'SESSION_REVOKED') {
      this.auth.revoked();
      return;
    }
    // A token that ran out on the way (a clock that is off, a tab asleep): renewed once, then the login is over.
    if (code === 'INVALID_TOKEN' && this.authRetries < 1) {
      this.authRetries += 1;
      void this.auth.renew();
      return;
    }
    this.endSession(words);
  }

  joinFailed(name, code, words) {
    const room = this.rooms.get(name);
    if (!room) return;
    if (PASSING.has(code)) {
      this.later(() => this.rooms.get(name) === room && !room.joined && this.join(room));
      return;
    }
    // One of the user's own conversations past the connection's cap of rooms stays listed, with its count, unjoined.
    if (code === 'TOO_MANY_ROOMS' && room.listed) {
      room.refusal = `${room.label}: ${words}`;
      if (room.name === this.current) this.view.showJoinError(room.refusal);
      return;
    }
    // The server will not have this room: take it off the list and say why.
    this.removeRoom(name);
    if (room.kind !== 'public' && code === 'UNKNOWN_ROOM') {
      if (room.listed) {
        this.view.toast.show(`You are no longer a member of ${room.label}.`);
        return;
      }
      words = 'It does not exist, or you are not one of its members.';
    }
    this.view.showJoinError(`${room.label}: ${words}`);
    this.view.setSidebarOpen(true);
  }

  /** Runs `retry` (a request refused for a reason that may pass) a moment from now, if the connection is still open then. */
  later(retry) {
    setTimeout(() => {
      if (this.connection.state === 'open') retry();
    }, RETRY_LATER_MS);
  }

  // ------------------------------------------------------------ rooms

  /**
   * Joins a room by name (or switches to it if already joined). `at` puts it
   * at that place in the list, where it was before it was left.
   */
  joinRoom(rawName, { at = -1 } = {}) {
    const name = rawName.trim();
    const problem = roomNameProblem(name);
    if (problem) {
      this.view.showJoinError(problem, { focus: true });
      return false;
    }
    this.view.showJoinError('');
    this.hidden.delete(name);
    this.addRoom(name, {}, { at });
    this.switchTo(name);
    return true;
  }

  /**
   * Puts a room in the list (or tells the one there what the server says of
   * it), and joins it if connected; otherwise the next connection joins it
   * with the rest. `join: false` for a room the server put the connection in itself.
   */
  addRoom(name, about = {}, { at = -1, join = true } = {}) {
    const held = this.rooms.get(name);
    if (held) {
      held.describe(about);
      return held;
    }
    const room = new Room(name, about);
    const entries = [...this.rooms];
    entries.splice(at >= 0 ? Math.min(at, entries.length) : entries.length, 0, [name, room]);
    this.rooms = new Map(entries);
    if (join && this.synced) this.join(room);
    this.savePlaces();
    return room;
  }

  /**
   * Leaves a public room, for good: it stops coming to this tab, and the
   * server forgets the user belongs to it (else its list would bring it back).
   * general, which every user belongs to, is only left in this tab. Returns
   * where the room was in the list (for an undo), or -1 if it was not joined.
   */
  leaveRoom(name) {
    const at = [...this.rooms.keys()].indexOf(name);
    if (at < 0) return -1;
    this.removeRoom(name);
    this.hidden.add(name);
    if (this.synced) this.request('leave', { type: 'leave', room: name }, { room: name });
    if (name !== DEFAULT_ROOM) this.conversations.removeSelf(name);
    this.savePlaces();
    return at;
  }

  removeRoom(name) {
    for (const send of this.outbox.inRoom(name)) this.outbox.remove(send.clientId);
    this.rooms.delete(name);
    this.view.forgetRoom(name);
    if (this.current === name) this.current = this.rooms.keys().next().value ?? null;
    this.savePlaces();
    this.renderRooms();
    this.showCurrent();
  }

  switchTo(name) {
    if (!this.rooms.has(name)) return;
    this.current = name;
    this.savePlaces();
    this.renderRooms();
    this.showCurrent();
  }

  showCurrent() {
    const room = this.currentRoom;
    const firstUnreadId = room ? room.firstUnreadId((username) => this.isMine(username)) : null;
    this.view.showRoom(room ?? null, this.outbox.inRoom(this.current), firstUnreadId);
    this.renderPresence();
    this.renderRooms();
    if (room?.joined) this.askPresence(room.name);
    if (room?.refusal && !room.joined) this.view.showJoinError(room.refusal);
    if (room && this.view.panel === 'members') this.conversations.askMembers(room);
    this.noteSeen();
  }

  askPresence(name) {
    this.request('presence', { type: 'presence', room: name }, { room: name });
  }

  /**
   * Opens the room of a message found by search and shows the message among
   * those around it. A public room the user is not in is joined.
   */
  openFound({ room: name, id }) {
    if (!this.rooms.has(name)) {
      if (roomNameProblem(name)) return;
      this.hidden.delete(name);
      this.addRoom(name);
    }
    const room = this.rooms.get(name);
    this.history.around(room, id);
    this.switchTo(name);
    this.history.showFoundWhenLoaded(room);
  }

  renderRooms() {
    this.sortRooms();
    this.view.renderRooms(this.rooms, this.current);
  }

  /** The most recently active first (a stable sort: rooms as active as each other keep their order). */
  sortRooms() {
    const rooms = [...this.rooms.values()];
    const sorted = [...rooms].sort((a, b) => b.activity - a.activity);
    if (sorted.every((room, i) => room === rooms[i])) return;
    this.rooms = new Map(sorted.map((room) => [room.name, room]));
  }

  savePlaces() {
    const rooms = [...this.rooms.values()].map(({ name, kind, title, with: other }) => ({ name, kind, title, with: other }));
    memory.savePlaces(this.owner, rooms, this.current, [...this.hidden]);
  }

  // ------------------------------------------------------------ sending

  /** Posts text to the room on screen; it shows as sending until the server's acknowledgement. */
  post(text) {
    if (!this.session && !this.auth.resumingAs) {
      this.view.showComposerError('Log in to post — without an account you can only read.', 'NOT_SIGNED_IN');
      return false;
    }
    if (!this.current) {
      this.view.showComposerError('Join a room first.', 'NO_ROOM');
      return false;
    }
    const tooLong = this.view.composer.lengthProblem(text);
    if (tooLong) {
      this.view.showComposerError(tooLong, 'TOO_LONG');
      return false;
    }
    const problem = messageProblem(text);
    if (problem) {
      this.view.showComposerError(problem, 'INVALID_INPUT');
      return false;
    }
    this.view.showComposerError('');
    this.transmit(this.outbox.add(this.current, text));
    return true;
  }

  /** Sends (or sends again: the server stores a clientId once) when the connection can take it. */
  transmit(send) {
    const room = this.rooms.get(send.room);
    if (!this.authorized || !room?.joined || send.state !== 'queued') return;
    // The typed frame: its text is chat whatever it starts with ("auth…", "History of Rome"), never a command.
    const frame = { type: 'message', room: send.room, message: send.text, clientId: send.clientId };
    if (!this.request('post', frame, { clientId: send.clientId })) return;
    if (send.tries > 0) this.stats.resent += 1;
    send.tries += 1;
    send.sentAt = Date.now();
    this.outbox.setState(send, 'sent');
  }

  flushOutbox(roomName) {
    for (const send of this.outbox) if (!roomName || send.room === roomName) this.transmit(send);
  }

  /** The server has the message: it is shown as stored, wherever it came from. */
  acknowledge(message) {
    if (typeof message?.clientId === 'string') this.outbox.remove(message.clientId);
  }

  async postFailed(clientId, code, words) {
    const send = this.outbox.find(clientId);
    if (code === 'USERNAME_MISMATCH') this.endSession(words);
    if ((code === 'TOKEN_EXPIRED' || code === 'NOT_AUTHENTICATED') && this.session && this.authorized) {
      // The token ran out before the page renewed it: a new one, and the send goes again.
      this.authorized = false;
      this.authorize();
    }
    if (!send) return;
    if (PASSING.has(code) || code === 'NOT_AUTHENTICATED' || code === 'TOKEN_EXPIRED') {
      // Not stored; the same clientId goes again once the connection can take it.
      this.outbox.setState(send, 'queued');
      if (PASSING.has(code)) this.later(() => this.transmit(send));
      if (code !== 'TOKEN_EXPIRED' || !this.session) this.view.showComposerError(words, code);
      return;
    }
    if (code === 'MESSAGE_TOO_LONG' || code === 'TOKEN_IN_MESSAGE') {
      // Too long: the server's limit changed since the page asked (a restart with new settings); ask again.
      if (code === 'MESSAGE_TOO_LONG') await this.learnLimits();
      // The text goes back to the composer to be edited, unless something new is being written there.
      if (this.outbox.has(send) && this.view.composer.restore(send.text)) {
        this.outbox.remove(clientId);
        const tooLong = code === 'MESSAGE_TOO_LONG' && this.view.composer.lengthProblem();
        this.view.showComposerError(tooLong || `Not sent. ${words}`, tooLong ? 'TOO_LONG' : 'INVALID_INPUT');
        return;
      }
    }
    if (code === 'NOT_A_MEMBER' && send.tries < 3) {
      const room = this.rooms.get(send.room);
      this.outbox.setState(send, 'queued');
      if (room) {
        room.joined = false;
        this.join(room);
      }
      return;
    }
    send.error = words;
    this.outbox.setState(send, 'failed');
    this.view.showComposerError(words, code);
  }

  /** The person gave a send up. */
  discard(clientId) {
    this.outbox.remove(clientId);
  }

  // ------------------------------------------------------------ status

  renderStatus() {
    const state = this.connection.state;
    const offline = navigator.onLine === false;
    const away =
      this.away && state !== 'open'
        ? { reason: offline ? 'You are offline.' : this.away.reason, seconds: this.connection.secondsToRetry, trying: state === 'connecting' }
        : null;
    if (state === 'connecting') this.view.renderStatus({ state: 'connecting', detail: '', away });
    else if (state === 'waiting') this.view.renderStatus({ state: 'disconnected', detail: '', away });
    else if (this.authorized) this.view.renderStatus({ state: 'authorized', detail: `as ${this.session.username}`, away });
    else this.view.renderStatus({ state: 'connected', detail: this.owner ? 'signing in…' : 'reading as a visitor', away });
  }

  renderPresence() {
    const room = this.current ? this.rooms.get(this.current) : undefined;
    this.view.renderPresence(room ?? null, this.connection.state === 'open');
  }

  /** The signed-in user, or the one whose session just ended and whose sends may still be acknowledged. */
  isMine(username) {
    const me = this.session?.username ?? this.outbox.owner;
    return typeof me === 'string' && typeof username === 'string' && username.toLowerCase() === me.toLowerCase();
  }
}
