// Everything the page draws. Text from users or the server is only ever
// written with textContent, never parsed as HTML.

const $ = (id) => document.getElementById(id);
const AT_BOTTOM_SLACK_PX = 40;
/** The status element's data-state is for programs and styles; people read these. */
const STATUS_WORDS = { connecting: 'connecting…', connected: 'connected', authorized: 'online', disconnected: 'disconnected' };
const NEAR_TOP_PX = 60;

const timeOfDay = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dayAndTime = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
const fullDate = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'medium' });

function make(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function sameName(a, b) {
  return typeof a === 'string' && typeof b === 'string' && a.toLowerCase() === b.toLowerCase();
}

export class View {
  constructor() {
    this.el = {
      app: document.querySelector('.app'),
      status: $('status'),
      statusDetail: $('status-detail'),
      account: $('account'),
      currentUser: $('current-user'),
      logout: $('logout'),
      authPanel: $('auth-panel'),
      authForm: $('auth-form'),
      username: $('username'),
      password: $('password'),
      login: $('login'),
      register: $('register'),
      authError: $('auth-error'),
      roomsToggle: $('rooms-toggle'),
      roomsToggleName: $('rooms-toggle-name'),
      roomsToggleUnread: $('rooms-toggle-unread'),
      sidebar: $('sidebar'),
      rooms: $('rooms'),
      joinForm: $('join-form'),
      joinInput: $('join-room-input'),
      joinError: $('join-error'),
      presence: $('presence'),
      presenceTitle: $('presence-title'),
      roomTitle: $('room-title'),
      loadOlder: $('load-older'),
      historyNote: $('history-note'),
      messages: $('messages'),
      composer: $('composer'),
      input: $('message-input'),
      send: $('send'),
      composerError: $('composer-error'),
    };
    /** @type {Map<string, Map<number, HTMLElement>>} message nodes per room, made once */
    this.nodes = new Map();
    /** @type {Map<string, HTMLElement>} pending sends by clientId */
    this.pendingNodes = new Map();
    /** The room on screen, and where each room was scrolled to when left. */
    this.shown = null;
    this.scrollPlaces = new Map();
    this.me = null;
  }

  // ------------------------------------------------------------ account and status

  renderAccount(session) {
    const signedIn = session !== null;
    this.me = signedIn ? session.username : null;
    this.el.authPanel.hidden = signedIn;
    this.el.account.hidden = !signedIn;
    this.el.currentUser.textContent = signedIn ? session.username : '';
    this.renderPlaceholder();
    document.body.classList.toggle('signed-in', signedIn);
  }

  renderPlaceholder() {
    this.el.input.placeholder = !this.me ? 'Log in to post' : this.shown ? `Message #${this.shown}` : 'Join a room to post';
    this.el.input.title = this.me ? 'Enter sends, Shift+Enter starts a new line' : '';
  }

  showAuthError(text, code = '') {
    this.el.authError.textContent = text;
    this.el.authError.dataset.code = code;
    this.el.authError.hidden = !text;
  }

  setAuthBusy(busy) {
    this.el.login.disabled = this.el.register.disabled = busy;
  }

  renderStatus(state, detail) {
    this.el.status.textContent = STATUS_WORDS[state] ?? state;
    this.el.status.dataset.state = state;
    this.el.statusDetail.textContent = detail;
  }

  // ------------------------------------------------------------ rooms

  /** @param {Map<string, import('./room.js').Room>} rooms */
  renderRooms(rooms, current) {
    const items = [];
    let unreadElsewhere = 0;
    for (const room of rooms.values()) {
      if (room.name !== current) unreadElsewhere += room.unread;
      const item = make('li', 'room');
      item.dataset.room = room.name;
      item.classList.toggle('current', room.name === current);
      const open = make('button', 'room-open');
      open.type = 'button';
      open.dataset.action = 'open';
      if (room.name === current) open.setAttribute('aria-current', 'true');
      open.append(make('span', 'room-name', `#${room.name}`));
      if (room.unread > 0 && room.name !== current) {
        const badge = make('span', 'unread', String(room.unread));
        badge.setAttribute('aria-label', `${room.unread} unread`);
        open.append(badge);
      }
      const leave = make('button', 'room-leave secondary', '×');
      leave.type = 'button';
      leave.dataset.action = 'leave';
      leave.title = `Leave #${room.name}`;
      leave.setAttribute('aria-label', `Leave #${room.name}`);
      item.append(open, leave);
      items.push(item);
    }
    this.el.rooms.replaceChildren(...items);
    this.el.roomsToggleName.textContent = current ? `#${current}` : 'Rooms';
    this.el.roomsToggleUnread.textContent = unreadElsewhere ? String(unreadElsewhere) : '';
    this.el.roomsToggleUnread.hidden = unreadElsewhere === 0;
    document.title = unreadElsewhere ? `(${unreadElsewhere}) Chat` : 'Chat';
  }

  showJoinError(text) {
    this.el.joinError.textContent = text;
    this.el.joinError.hidden = !text;
  }

  setSidebarOpen(open) {
    this.el.app.classList.toggle('sidebar-open', open);
    this.el.roomsToggle.setAttribute('aria-expanded', String(open));
  }

  get sidebarOpen() {
    return this.el.app.classList.contains('sidebar-open');
  }

  renderPresence(room) {
    const users = room?.users ?? [];
    this.el.presenceTitle.textContent = room ? `In #${room.name}${room.users ? ` (${users.length})` : ''}` : 'In this room';
    this.el.presence.replaceChildren(
      ...users.map((name) => {
        const item = make('li', 'user', name);
        item.dataset.user = name;
        if (sameName(name, this.me)) item.classList.add('me');
        return item;
      }),
    );
  }

  // ------------------------------------------------------------ messages

  /** Put a room's messages (and its unsent ones) on screen. */
  showRoom(room, pending) {
    if (this.shown) this.scrollPlaces.set(this.shown, this.atBottom() ? null : this.el.messages.scrollTop);
    this.shown = room ? room.name : null;
    this.el.messages.dataset.room = room ? room.name : '';
    this.el.roomTitle.textContent = room ? `#${room.name}` : 'No room';
    this.el.composer.dataset.room = room ? room.name : '';
    this.renderPlaceholder();
    if (!room) {
      this.el.messages.replaceChildren(make('li', 'empty', 'Join a room to start chatting.'));
      this.renderOlder(null);
      return;
    }
    const nodes = room.ids.map((id) => this.messageNode(room, id));
    this.el.messages.replaceChildren(...nodes, ...pending.map((send) => this.pendingNode(send)));
    this.renderOlder(room);
    const place = this.scrollPlaces.get(room.name);
    if (place === undefined || place === null) this.scrollToBottom();
    else this.el.messages.scrollTop = place;
  }

  /** New messages of a room, in id order; drawn at their place if the room is on screen. */
  addMessages(room, fresh, { older = false, own = false } = {}) {
    if (room.name !== this.shown || fresh.length === 0) {
      for (const message of fresh) this.messageNode(room, message.id);
      return;
    }
    const list = this.el.messages;
    const stick = !older && (own || this.atBottom());
    const fromBottom = list.scrollHeight - list.scrollTop;
    list.querySelector(':scope > .empty')?.remove();
    // Newest first, so that the node each one goes before is already in the list.
    for (const message of [...fresh].reverse()) {
      const next = room.nextAfter(message.id);
      const before = next !== undefined ? this.messageNode(room, next) : list.querySelector(':scope > .pending');
      list.insertBefore(this.messageNode(room, message.id), before);
    }
    // Prepending must not move what the reader is looking at.
    if (older) list.scrollTop = list.scrollHeight - fromBottom;
    else if (stick) this.scrollToBottom();
  }

  renderOlder(room) {
    this.el.messages.dataset.loaded = String(Boolean(room?.loaded));
    const canLoad = Boolean(room && room.loaded && room.more && room.ids.length > 0);
    this.el.loadOlder.hidden = !canLoad;
    this.el.loadOlder.disabled = Boolean(room && room.loading);
    let note = '';
    if (room && !room.loaded) note = room.loading ? 'Loading…' : '';
    else if (room && room.loading === 'older') note = 'Loading older messages…';
    else if (room && !room.more) note = room.ids.length ? `The beginning of #${room.name}.` : `No messages in #${room.name} yet.`;
    this.el.historyNote.textContent = note;
  }

  messageNode(room, id) {
    let nodes = this.nodes.get(room.name);
    if (!nodes) this.nodes.set(room.name, (nodes = new Map()));
    let node = nodes.get(id);
    if (!node) {
      node = this.renderMessage(room.byId.get(id).message);
      nodes.set(id, node);
    }
    return node;
  }

  forgetRoom(name) {
    this.nodes.delete(name);
    this.scrollPlaces.delete(name);
  }

  renderMessage(m) {
    const item = make('li', 'message');
    item.dataset.id = String(m.id);
    if (typeof m.clientId === 'string') item.dataset.clientId = m.clientId;
    if (sameName(m.username, this.me)) item.classList.add('own');
    const meta = make('div', 'meta');
    const time = make('time', 'time');
    const at = new Date(m.createdAt);
    if (!Number.isNaN(at.getTime())) {
      time.dateTime = at.toISOString();
      time.textContent = shortTime(at);
      time.title = fullDate.format(at);
    }
    meta.append(make('span', 'author', String(m.username ?? '')), time);
    item.append(meta, make('div', 'text', String(m.message ?? '')));
    return item;
  }

  // ------------------------------------------------------------ sends not yet acknowledged

  pendingNode(send) {
    let node = this.pendingNodes.get(send.clientId);
    if (!node) {
      node = make('li', 'message pending own');
      node.dataset.clientId = send.clientId;
      const meta = make('div', 'meta');
      const discard = make('button', 'discard secondary', 'Discard');
      discard.type = 'button';
      discard.dataset.action = 'discard';
      meta.append(make('span', 'author', this.me ?? ''), make('span', 'time state'), discard);
      node.append(meta, make('div', 'text', send.text));
      this.pendingNodes.set(send.clientId, node);
    }
    this.updatePendingNode(node, send);
    return node;
  }

  addPending(send) {
    const node = this.pendingNode(send);
    if (send.room !== this.shown) return;
    this.el.messages.querySelector(':scope > .empty')?.remove();
    this.el.messages.append(node);
    this.scrollToBottom();
  }

  updatePending(send) {
    const node = this.pendingNodes.get(send.clientId);
    if (node) this.updatePendingNode(node, send);
  }

  updatePendingNode(node, send) {
    node.dataset.state = send.state;
    node.classList.toggle('failed', send.state === 'failed');
    const words = send.state === 'failed' ? `not sent: ${send.error}` : send.state === 'sent' ? 'sending…' : 'sending… (waiting for the connection)';
    node.querySelector('.state').textContent = words;
    node.querySelector('.discard').hidden = send.state !== 'failed';
  }

  removePending(send) {
    this.pendingNodes.get(send.clientId)?.remove();
    this.pendingNodes.delete(send.clientId);
  }

  // ------------------------------------------------------------ composer

  showComposerError(text, code = '') {
    this.el.composerError.textContent = text;
    this.el.composerError.dataset.code = code;
    this.el.composerError.classList.toggle('error', Boolean(text));
  }

  takeInput() {
    const text = this.el.input.value;
    this.el.input.value = '';
    this.autosize();
    return text;
  }

  autosize() {
    if (typeof CSS !== 'undefined' && CSS.supports('field-sizing', 'content')) return;
    this.el.input.style.height = 'auto';
    this.el.input.style.height = `${Math.min(this.el.input.scrollHeight, 160)}px`;
  }

  // ------------------------------------------------------------ scrolling

  atBottom() {
    const list = this.el.messages;
    return list.scrollHeight - list.scrollTop - list.clientHeight <= AT_BOTTOM_SLACK_PX;
  }

  nearTop() {
    return this.el.messages.scrollTop <= NEAR_TOP_PX;
  }

  scrollToBottom() {
    this.el.messages.scrollTop = this.el.messages.scrollHeight;
  }
}

function shortTime(date) {
  const now = new Date();
  const sameDay = date.toDateString() === now.toDateString();
  return sameDay ? timeOfDay.format(date) : dayAndTime.format(date);
}
