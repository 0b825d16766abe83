// Everything the page draws. Text from users or the server is only ever
// written with textContent, never parsed as HTML.

import { $, make, sameName } from './dom.js';
import { AuthView } from './auth-view.js';
import { Composer } from './composer.js';
import { Notifier } from './notifier.js';
import { StatusView } from './status-view.js';
import { showRoomInAddress } from './room-link.js';
import { renderTitle } from './tab-title.js';
import { Toast } from './toast.js';
import { Timeline } from './timeline.js';

/** Where style.css folds the room list into a drawer. */
const NARROW = matchMedia('(max-width: 640px)');

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
      authOpen: $('auth-open'),
      usernameError: $('username-error'),
      passwordError: $('password-error'),
      showPassword: $('show-password'),
      suggestRegister: $('suggest-register'),
      roomsToggle: $('rooms-toggle'),
      roomsToggleName: $('rooms-toggle-name'),
      roomsToggleUnread: $('rooms-toggle-unread'),
      sidebar: $('sidebar'),
      layout: document.querySelector('.layout'),
      conversation: document.querySelector('.conversation'),
      rooms: $('rooms'),
      joinForm: $('join-form'),
      joinInput: $('join-room-input'),
      joinError: $('join-error'),
      presence: $('presence'),
      presenceTitle: $('presence-title'),
      presenceNote: $('presence-note'),
      banner: $('connection-banner'),
      bannerText: $('banner-text'),
      bannerCountdown: $('banner-countdown'),
      retryNow: $('retry-now'),
      announcer: $('announcer'),
      toast: $('toast'),
      toastText: $('toast-text'),
      toastAction: $('toast-action'),
      toastClose: $('toast-close'),
      roomTitle: $('room-title'),
      loadOlder: $('load-older'),
      historyNote: $('history-note'),
      timeline: $('timeline'),
      messages: $('messages'),
      jumpLatest: $('jump-latest'),
      jumpLatestText: $('jump-latest-text'),
      composer: $('composer'),
      input: $('message-input'),
      send: $('send'),
      composerError: $('composer-error'),
      counter: $('char-count'),
      counterVisible: $('char-count-visible'),
      counterSpoken: $('char-count-spoken'),
      notifyToggle: $('notify-toggle'),
      notifyNote: $('notify-note'),
    };
    this.timeline = new Timeline(this.el);
    this.auth = new AuthView(this.el);
    this.status = new StatusView(this.el);
    this.toast = new Toast({ ...this.el, returnFocus: this.el.roomTitle });
    this.composer = new Composer({ ...this.el, error: this.el.composerError });
    this.notifier = new Notifier();
    this.me = null;
    NARROW.addEventListener('change', () => this.setSidebarOpen(this.sidebarOpen));
  }

  // ------------------------------------------------------------ account and status

  renderAccount(session) {
    const signedIn = session !== null;
    this.me = signedIn ? session.username : null;
    this.auth.render(session);
    this.el.account.hidden = !signedIn;
    this.el.currentUser.textContent = signedIn ? session.username : '';
    this.timeline.setMe(this.me);
    this.renderPlaceholder();
    document.body.classList.toggle('signed-in', signedIn);
  }

  renderPlaceholder() {
    this.composer.renderPlaceholder(this.me !== null, this.shown);
  }

  renderStatus(status) {
    this.status.render(status);
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
    let unread = 0;
    for (const room of rooms.values()) unread += room.unread;
    renderTitle(current, unread);
  }

  /** The join form's error sits under its field, which is marked invalid and keeps (or takes) the focus. */
  showJoinError(text, { focus = false } = {}) {
    const { joinError, joinInput } = this.el;
    joinError.textContent = text;
    joinError.hidden = !text;
    if (text) joinInput.setAttribute('aria-invalid', 'true');
    else joinInput.removeAttribute('aria-invalid');
    if (text && focus) joinInput.focus();
  }

  /** On a narrow screen the room list is a drawer over the conversation, which is inert while it is open. */
  setSidebarOpen(open) {
    this.el.app.classList.toggle('sidebar-open', open);
    this.el.roomsToggle.setAttribute('aria-expanded', String(open));
    this.el.conversation.inert = open && this.sidebarIsDrawer;
  }

  get sidebarIsDrawer() {
    return NARROW.matches;
  }

  get sidebarOpen() {
    return this.el.app.classList.contains('sidebar-open');
  }

  /** Who is in the room; nobody is listed while the page cannot know (no connection). */
  renderPresence(room, connected) {
    const users = connected ? (room?.users ?? []) : [];
    const { presence, presenceTitle, presenceNote } = this.el;
    presenceTitle.textContent = room ? `In #${room.name}${connected && room.users ? ` (${users.length})` : ''}` : 'In this room';
    presenceNote.textContent = connected ? '' : 'Not connected: who is here shows again once the page reconnects.';
    presenceNote.hidden = connected;
    presence.replaceChildren(
      ...users.map((name) => {
        const item = make('li', 'user', name);
        item.dataset.user = name;
        if (sameName(name, this.me)) item.classList.add('me');
        return item;
      }),
    );
  }

  // ------------------------------------------------------------ desktop notifications (notifier.js)

  renderNotify() {
    const state = this.notifier.state;
    const { notifyToggle, notifyNote } = this.el;
    notifyToggle.hidden = state === 'unsupported';
    notifyToggle.setAttribute('aria-pressed', String(state === 'on'));
    notifyToggle.disabled = state === 'blocked';
    notifyNote.textContent = state === 'blocked' ? 'Notifications are blocked for this site in the browser’s settings.' : '';
    notifyNote.hidden = state !== 'blocked';
  }

  async toggleNotify() {
    await this.notifier.toggle();
    this.renderNotify();
  }

  /** A message from someone else arrived while the tab is in the background. */
  notify(roomName, message, onClick) {
    this.notifier.show({ title: `${message.username} in #${roomName}`, body: String(message.message ?? ''), tag: `room:${roomName}`, onClick });
  }

  // ------------------------------------------------------------ the conversation (timeline.js)

  showRoom(room, pending, firstUnreadId = null) {
    this.el.roomTitle.textContent = room ? `#${room.name}` : 'No room';
    this.el.composer.dataset.room = room ? room.name : '';
    this.timeline.showRoom(room, pending, firstUnreadId);
    showRoomInAddress(room?.name ?? null);
    this.renderPlaceholder();
  }

  get shown() {
    return this.timeline.shown;
  }

  markNew(room, id) {
    if (room.name !== this.shown || id === null) return;
    const wasAtBottom = this.timeline.atBottom();
    this.timeline.markNew(room, id);
    if (wasAtBottom) this.timeline.scrollToNewLine();
  }

  addMessages(room, fresh, options) {
    this.timeline.addMessages(room, fresh, options);
  }

  renderOlder(room) {
    this.timeline.renderOlder(room);
  }

  forgetRoom(name) {
    this.timeline.forgetRoom(name);
  }

  addPending(send) {
    this.timeline.addPending(send);
  }

  updatePending(send) {
    this.timeline.updatePending(send);
  }

  removePending(send) {
    this.timeline.removePending(send);
  }

  // ------------------------------------------------------------ composer (composer.js)

  showComposerError(text, code = '') {
    this.composer.showError(text, code);
  }
}
