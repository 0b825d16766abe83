// The user's conversations as the server keeps them (docs/protocol.md,
// "Private conversations, conversation lists, read markers, search"): the
// list with what is unread in each, asked on every connection; the read
// markers the page moves and the other devices hear of; private rooms
// (create, members, invite, remove, make owner, leave for good) and direct
// conversations. The rooms themselves, their messages and their requests are
// chat.js's.

import { sameName } from './dom.js';
import { PASSING } from './requests.js';
import { conversationProblem, titleProblem, usernameProblem } from './rules.js';

/** Read markers wait this long, so that a burst of messages read costs one frame. */
const READ_DELAY_MS = 500;
/** A marker moved elsewhere that the messages held cannot count after: the list is asked again, at most this often. */
const LIST_AGAIN_MS = 1_000;

export class Conversations {
  /**
   * @param {import('./chat.js').Chat} chat
   * @param {import('./view.js').View} view
   */
  constructor(chat, view) {
    this.chat = chat;
    this.view = view;
    /** Markers to send: room → the newest id read. */
    this.reads = new Map();
    this.readTimer = null;
    this.listTimer = null;
    /** Rooms this tab asked the server to take the user out of, until it confirms. */
    this.leaving = new Set();
  }

  get me() {
    return this.chat.session?.username ?? null;
  }

  isMine = (username) => this.chat.isMine(username);

  reset() {
    this.reads.clear();
    this.leaving.clear();
  }

  connectionOpened() {
    clearTimeout(this.readTimer);
    this.readTimer = null;
    clearTimeout(this.listTimer);
    this.listTimer = null;
  }

  /** On every authorized connection: the list, and the removals the server may not have heard of. */
  signedIn() {
    this.askList();
    for (const name of this.chat.hidden) if (name !== 'general') this.removeSelf(name);
    for (const [room, id] of this.reads) this.sendRead(room, id);
    this.reads.clear();
  }

  askList() {
    this.chat.request('conversations', { type: 'conversations' });
  }

  /** The list again, once, a moment from now. */
  askListSoon() {
    this.listTimer ??= setTimeout(() => {
      this.listTimer = null;
      if (this.chat.authorized) this.askList();
    }, LIST_AGAIN_MS);
  }

  // ------------------------------------------------------------ frames

  onFrame(frame) {
    switch (frame.type) {
      case 'conversations':
        return this.onList(frame);
      case 'added':
        return this.onAdded(frame.conversation);
      case 'removed':
        return this.onRemoved(frame);
      case 'read':
        return this.onRead(frame);
      case 'created':
        return this.onCreated(frame);
      case 'direct':
        return this.onDirect(frame);
      case 'invited':
      case 'promoted':
        return this.onMemberChanged(frame);
      case 'members':
        return this.onMembers(frame);
      default:
        return undefined;
    }
  }

  /** The user's conversations, the most recently active first, with their markers and unread counts. */
  onList(frame) {
    this.chat.requests.settle('conversations');
    const entries = Array.isArray(frame.conversations) ? frame.conversations : [];
    const current = this.chat.currentRoom;
    const unreadBefore = current?.unread ?? 0;
    for (const entry of entries) {
      if (typeof entry?.room !== 'string' || this.chat.hidden.has(entry.room)) continue;
      this.take(entry);
    }
    // What came while the reader looked elsewhere (another device read less): a line above it, then read.
    if (current && current.unread > unreadBefore) this.view.markNew(current, current.firstUnreadId(this.isMine));
    this.chat.renderRooms();
    this.chat.noteSeen();
  }

  /** One entry of the list (or of an `added` frame): the room in the list, joined, with the server's count. */
  take(entry) {
    const room = this.chat.addRoom(entry.room, entry);
    room.listed = true;
    const readUpTo = Number.isSafeInteger(entry.readUpTo) ? entry.readUpTo : 0;
    const lastId = Number.isSafeInteger(entry.lastId) ? entry.lastId : 0;
    room.serverReadUpTo = Math.max(room.serverReadUpTo ?? 0, readUpTo);
    room.setUnread(readUpTo, Number.isSafeInteger(entry.unread) ? entry.unread : 0, lastId);
    // Messages held above the server's newest came after it answered: they count too.
    room.count(
      room.ids.filter((id) => id > lastId).map((id) => room.byId.get(id).message),
      this.isMine,
    );
    // What this page showed the reader and the server has not stored yet (read while signing in, say) holds.
    if (room.seenUpTo > readUpTo) {
      room.markRead(room.seenUpTo, this.isMine);
      this.wantRead(room, room.seenUpTo);
    }
    return room;
  }

  /** The user was put in a private room (invited) or a direct conversation (opened by the other user). */
  onAdded(entry) {
    if (typeof entry?.room !== 'string') return;
    this.chat.hidden.delete(entry.room);
    const fresh = !this.chat.rooms.has(entry.room);
    const room = this.take(entry);
    this.chat.renderRooms();
    if (fresh) this.view.announce(room.kind === 'direct' ? `${room.label} started a conversation with you.` : `You were added to ${room.label}.`);
  }

  /**
   * Someone left a room, or was removed from it: the user (from this tab,
   * another device, or an owner), or a member the user removed.
   */
  onRemoved({ room: name, username }) {
    if (typeof name !== 'string' || typeof username !== 'string') return;
    this.chat.requests.settle('remove', (r) => r.room === name && sameName(r.username, username));
    const room = this.chat.rooms.get(name);
    if (!sameName(username, this.me)) {
      if (room?.members) room.members = room.members.filter((m) => !sameName(m.username, username));
      this.renderMembers(room);
      if (room) this.view.toast.show(`Removed ${username} from ${room.label}.`, 'Undo', () => this.invite(name, username));
      return;
    }
    const asked = this.leaving.delete(name);
    this.chat.hidden.delete(name);
    this.chat.savePlaces();
    if (!room) return;
    if (asked) {
      // Joined again (an undo) before the server took the user out: in again.
      this.chat.join(room);
      return;
    }
    this.chat.removeRoom(name);
    this.view.toast.show(`You are no longer a member of ${room.label}.`);
  }

  /** A read marker moved, on this device or another. */
  onRead({ room: name, id }) {
    this.chat.requests.settle('read', (r) => r.room === name);
    const room = this.chat.rooms.get(name);
    if (!room || !Number.isSafeInteger(id)) return;
    room.serverReadUpTo = Math.max(room.serverReadUpTo ?? 0, id);
    if (!room.markRead(id, this.isMine)) this.askListSoon();
    this.chat.renderRooms();
  }

  // ------------------------------------------------------------ read markers

  /** The user has read the room up to `id`: the server hears it a moment later, once for many. */
  wantRead(room, id) {
    if (id <= (room.serverReadUpTo ?? 0) || id <= (this.reads.get(room.name) ?? 0)) return;
    this.reads.set(room.name, id);
    this.readTimer ??= setTimeout(() => this.flushReads(), READ_DELAY_MS);
  }

  flushReads() {
    this.readTimer = null;
    if (!this.chat.authorized) return; // kept for the next connection (signedIn)
    for (const [name, id] of this.reads) this.sendRead(name, id);
    this.reads.clear();
  }

  sendRead(name, id) {
    const room = this.chat.rooms.get(name);
    if (!room || id <= (room.serverReadUpTo ?? 0)) return;
    this.chat.request('read', { type: 'read', room: name, id }, { room: name });
  }

  // ------------------------------------------------------------ private rooms

  /** Creates a private room; the server puts the connection in it, and the page opens it. */
  create(rawTitle) {
    const title = rawTitle.trim();
    const problem = titleProblem(title, this.chat.limits.titleMax);
    if (problem) return this.view.sidebar.showFormError('create', problem);
    return this.ask('create', { type: 'create', title }, {}, 'create');
  }

  onCreated({ room: name, title }) {
    this.chat.requests.settle('create');
    if (typeof name !== 'string') return;
    const room = this.chat.addRoom(name, { kind: 'private', title, role: 'owner' }, { join: false });
    room.setUnread(0, 0, 0);
    room.members = [{ username: this.me, role: 'owner' }];
    this.view.sidebar.formDone('create');
    this.view.setSidebarOpen(false);
    this.chat.switchTo(name);
    // Next, most likely: inviting someone.
    this.view.openMembers(room, this.me, { focusInvite: true });
  }

  /** Who belongs to a private room, asked each time the panel opens: others change it too. */
  askMembers(room) {
    if (room.kind !== 'private' || !this.chat.authorized) return;
    this.chat.request('members', { type: 'members', room: room.name }, { room: room.name });
  }

  onMembers({ room: name, members }) {
    this.chat.requests.settle('members', (r) => r.room === name);
    const room = this.chat.rooms.get(name);
    if (!room || !Array.isArray(members)) return;
    room.members = members.filter((m) => typeof m?.username === 'string');
    const mine = room.members.find((m) => sameName(m.username, this.me));
    if (mine) room.role = mine.role;
    this.renderMembers(room);
  }

  invite(name, rawUsername) {
    const username = rawUsername.trim();
    const problem = usernameProblem(username);
    if (problem) return this.view.members.showInviteError(problem);
    return this.ask('invite', { type: 'invite', room: name, username }, { room: name, username }, 'invite');
  }

  promote(name, username) {
    return this.ask('promote', { type: 'promote', room: name, username }, { room: name, username }, 'members');
  }

  removeMember(name, username) {
    return this.ask('remove', { type: 'remove', room: name, username }, { room: name, username }, 'members');
  }

  onMemberChanged({ type, room: name, username }) {
    this.chat.requests.settle(type === 'invited' ? 'invite' : 'promote', (r) => r.room === name);
    const room = this.chat.rooms.get(name);
    if (!room || typeof username !== 'string') return;
    room.members ??= [];
    const member = room.members.find((m) => sameName(m.username, username));
    if (type === 'invited') {
      if (!member) room.members.push({ username, role: 'member' });
      this.view.members.inviteDone(`${username} is a member now.`);
    } else {
      if (member) member.role = 'owner';
      this.view.members.say(`${username} is an owner now.`);
    }
    this.renderMembers(room);
  }

  /**
   * Leaves a private room for good (the user removes itself): only an owner
   * can bring the user back, so the page asks first (see app.js).
   */
  leaveForGood(name) {
    const room = this.chat.rooms.get(name);
    if (!room) return;
    this.chat.removeRoom(name);
    this.chat.hidden.add(name);
    this.chat.savePlaces();
    this.removeSelf(name);
    this.view.toast.show(`You left ${room.label}.`);
  }

  /** Takes the user out of a room, on every device; hidden in this tab until the server confirms. */
  removeSelf(name) {
    if (!this.me || !this.chat.authorized) return;
    this.leaving.add(name);
    this.chat.request('remove', { type: 'remove', room: name, username: this.me }, { room: name, username: this.me, self: true });
  }

  renderMembers(room) {
    if (room && room.name === this.chat.current) this.view.renderMembers(room, this.me);
  }

  // ------------------------------------------------------------ direct conversations

  /** Opens the direct conversation with a user (the same one, whoever opened it first). */
  openDirect(rawUsername) {
    const username = rawUsername.trim();
    const problem = usernameProblem(username) || (sameName(username, this.me) ? conversationProblem('INVALID_COMMAND', { action: 'direct' }) : '');
    if (problem) return this.view.sidebar.showFormError('direct', problem);
    const held = [...this.chat.rooms.values()].find((room) => room.kind === 'direct' && sameName(room.with, username));
    if (held) {
      this.view.sidebar.formDone('direct');
      this.chat.switchTo(held.name);
      return true;
    }
    return this.ask('direct', { type: 'direct', username }, { username }, 'direct');
  }

  onDirect({ room: name, username }) {
    this.chat.requests.settle('direct');
    if (typeof name !== 'string') return;
    const room = this.chat.addRoom(name, { kind: 'direct', with: username }, { join: false });
    if (room.readUpTo === null) room.setUnread(0, 0, 0);
    this.view.sidebar.formDone('direct');
    this.chat.switchTo(name);
  }

  // ------------------------------------------------------------ requests and refusals

  /** Sends a request a person made; without a connection that can take it, says so where it was made. */
  ask(kind, frame, details, place) {
    if (this.chat.authorized && this.chat.request(kind, frame, details)) return true;
    this.showProblem(place, conversationProblem('NOT_CONNECTED', {}));
    return false;
  }

  failed(asked, code, words) {
    const room = asked.room ? this.chat.rooms.get(asked.room) : undefined;
    switch (asked.kind) {
      case 'conversations':
        if (PASSING.has(code)) this.chat.later(() => this.chat.authorized && this.askList());
        return;
      case 'read':
        if (PASSING.has(code)) this.chat.later(() => room && this.sendRead(room.name, room.readUpTo ?? 0));
        return;
      case 'members':
        return; // no longer a member: the removed frame says so
      case 'remove':
        if (asked.self) {
          // Not taken out: the server will list it again, and the page will not hide it.
          this.leaving.delete(asked.room);
          this.chat.hidden.delete(asked.room);
          this.chat.savePlaces();
          return;
        }
        return this.showProblem('members', conversationProblem(code, { action: 'remove', username: asked.username, room, words }));
      case 'promote':
        return this.showProblem('members', conversationProblem(code, { action: 'promote', username: asked.username, room, words }));
      case 'invite':
        return this.showProblem('invite', conversationProblem(code, { action: 'invite', username: asked.username, room, words }));
      case 'create':
        return this.showProblem('create', conversationProblem(code, { action: 'create', limit: this.chat.limits.titleMax, words }));
      case 'direct':
        return this.showProblem('direct', conversationProblem(code, { action: 'direct', username: asked.username, words }));
      default:
        return undefined;
    }
  }

  /** A refusal in the page's own words, beside the field (or in the panel) where the request was made. */
  showProblem(place, text) {
    if (place === 'invite') this.view.members.showInviteError(text);
    else if (place === 'members') this.view.members.showError(text);
    else this.view.sidebar.showFormError(place, text);
  }
}
