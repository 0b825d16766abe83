// The page, as chat.js sees it: one object that hands each thing to draw to
// the part that draws it (the conversation, the room list, the forms, the
// connection's state, ...). Text from users or the server is only ever
// written with textContent, never parsed as HTML.

import { $ } from './dom.js';
import { AuthView } from './auth-view.js';
import { Composer } from './composer.js';
import { Notifier } from './notifier.js';
import { StatusView } from './status-view.js';
import { showRoomInAddress } from './room-link.js';
import { Sidebar } from './sidebar.js';
import { renderTitle } from './tab-title.js';
import { Toast } from './toast.js';
import { Timeline } from './timeline.js';

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
      roomsToggleUnreadWords: $('rooms-toggle-unread-words'),
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
    this.sidebar = new Sidebar(this.el);
    this.toast = new Toast({ ...this.el, returnFocus: this.el.roomTitle });
    this.composer = new Composer({ ...this.el, error: this.el.composerError });
    this.notifier = new Notifier();
    this.me = null;
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

  // ------------------------------------------------------------ the room list (sidebar.js) and the tab's title

  renderRooms(rooms, current) {
    this.sidebar.renderRooms(rooms, current);
    let unread = 0;
    for (const room of rooms.values()) unread += room.unread;
    renderTitle(current, unread);
  }

  showJoinError(text, options) {
    this.sidebar.showJoinError(text, options);
  }

  setSidebarOpen(open) {
    this.sidebar.setOpen(open);
  }

  get sidebarOpen() {
    return this.sidebar.open;
  }

  get sidebarIsDrawer() {
    return this.sidebar.isDrawer;
  }

  renderPresence(room, connected) {
    this.sidebar.renderPresence(room, { connected, me: this.me });
  }

  // ------------------------------------------------------------ desktop notifications (notifier.js)

  renderNotify() {
    this.sidebar.renderNotify(this.notifier.state);
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

  /** The server's limits (GET /api/limits), stated from now on. */
  applyLimits(limits) {
    this.composer.setLimit(limits.messageMax);
  }

  showComposerError(text, code = '') {
    this.composer.showError(text, code);
  }
}
