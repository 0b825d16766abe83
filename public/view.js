// The page, as chat.js sees it: one object that hands each thing to draw to
// the part that draws it (the conversation, the room list, the forms, the
// connection's state, ...). Text from users or the server is only ever
// written with textContent, never parsed as HTML.

import { $, lockIcon } from './dom.js';
import { AccountView } from './account-view.js';
import { AuthView } from './auth-view.js';
import { Composer } from './composer.js';
import { MembersView } from './members-view.js';
import { Notifier } from './notifier.js';
import { StatusView } from './status-view.js';
import { showRoomInAddress } from './room-link.js';
import { SearchView } from './search-view.js';
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
      createDetails: $('create-details'),
      createForm: $('create-form'),
      createInput: $('create-input'),
      createError: $('create-error'),
      directDetails: $('direct-details'),
      directForm: $('direct-form'),
      directInput: $('direct-input'),
      directError: $('direct-error'),
      membersToggle: $('members-toggle'),
      membersPanel: $('members-panel'),
      membersHeading: $('members-heading'),
      membersClose: $('members-close'),
      members: $('members'),
      membersError: $('members-error'),
      membersStatus: $('members-status'),
      membersNote: $('members-note'),
      inviteForm: $('invite-form'),
      inviteInput: $('invite-input'),
      inviteError: $('invite-error'),
      leavePrivate: $('leave-private'),
      searchToggle: $('search-toggle'),
      searchPanel: $('search-panel'),
      searchHeading: $('search-heading'),
      searchClose: $('search-close'),
      searchForm: $('search-form'),
      searchInput: $('search-input'),
      searchError: $('search-error'),
      searchStatus: $('search-status'),
      searchResults: $('search-results'),
      searchMore: $('search-more'),
      accountToggle: $('account-toggle'),
      accountPanel: $('account-panel'),
      accountHeading: $('account-heading'),
      accountClose: $('account-close'),
      sessions: $('sessions'),
      sessionsHeading: $('sessions-heading'),
      sessionsStatus: $('sessions-status'),
      sessionsError: $('sessions-error'),
      logoutEverywhere: $('logout-everywhere'),
      passwordForm: $('password-form'),
      currentPassword: $('current-password'),
      currentPasswordError: $('current-password-error'),
      newPassword: $('new-password'),
      newPasswordError: $('new-password-error'),
      changePassword: $('change-password'),
      passwordFormStatus: $('password-form-status'),
      passwordFormError: $('password-form-error'),
      deleteForm: $('delete-form'),
      deletePassword: $('delete-password'),
      deletePasswordError: $('delete-password-error'),
      deleteAccount: $('delete-account'),
      deleteError: $('delete-error'),
      confirm: $('confirm'),
      confirmTitle: $('confirm-title'),
      confirmText: $('confirm-text'),
      confirmOk: $('confirm-ok'),
    };
    this.timeline = new Timeline(this.el);
    this.auth = new AuthView(this.el);
    this.status = new StatusView(this.el);
    this.sidebar = new Sidebar(this.el);
    this.toast = new Toast({ ...this.el, returnFocus: this.el.roomTitle });
    this.composer = new Composer({ ...this.el, error: this.el.composerError });
    this.notifier = new Notifier();
    this.members = new MembersView(this.el);
    this.search = new SearchView(this.el);
    this.account = new AccountView(this.el);
    this.me = null;
    /** The room on screen, for what is drawn about it (its title, its members). */
    this.room = null;
    /** The panel open beside the conversation: 'members' | 'search' | 'account' | null. */
    this.panel = null;
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
    // Members, search and the account are a user's: a visitor has none of them.
    if (!signedIn) this.closePanel();
  }

  renderPlaceholder() {
    this.composer.renderPlaceholder(this.me !== null, this.room?.label ?? null);
  }

  renderStatus(status) {
    this.status.render(status);
  }

  // ------------------------------------------------------------ the room list (sidebar.js) and the tab's title

  renderRooms(rooms, current) {
    this.sidebar.renderRooms(rooms, current);
    // The room on screen counts while the tab is in the background: what comes there is not seen either.
    const hidden = document.visibilityState === 'hidden';
    let unread = 0;
    for (const room of rooms.values()) if (hidden || room.name !== current) unread += room.unread;
    renderTitle(current ? (rooms.get(current)?.label ?? null) : null, unread);
    // A title given by the server (a private room's) may have come since the room was drawn.
    if (this.room) this.renderRoomHeader(this.room);
  }

  showJoinError(text, options) {
    this.sidebar.showJoinError(text, options);
  }

  setSidebarOpen(open) {
    this.sidebar.setOpen(open);
    this.renderPanels();
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

  /** Says something once to screen readers (a conversation that was added, say). */
  announce(text) {
    this.status.announce(text);
  }

  /** Asks a question with two answers in a modal dialog; resolves true for the one named `confirm`. */
  confirm({ title, text, confirm }) {
    const { confirm: dialog, confirmTitle, confirmText, confirmOk } = this.el;
    confirmTitle.textContent = title;
    confirmText.textContent = text;
    confirmOk.textContent = confirm;
    dialog.returnValue = '';
    dialog.showModal();
    return new Promise((resolve) => dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true }));
  }

  // ------------------------------------------------------------ the panel beside the conversation: members or search

  /** Opens a panel (closing the other); on a phone it lies over the conversation, which is inert meanwhile. */
  openPanel(name) {
    this.panel = name;
    this.renderPanels();
  }

  closePanel() {
    const was = this.panel;
    this.panel = null;
    this.renderPanels();
    return was;
  }

  renderPanels() {
    const { membersPanel, searchPanel, accountPanel, membersToggle, searchToggle, accountToggle, layout, conversation } = this.el;
    membersPanel.hidden = this.panel !== 'members';
    searchPanel.hidden = this.panel !== 'search';
    accountPanel.hidden = this.panel !== 'account';
    membersToggle.setAttribute('aria-expanded', String(this.panel === 'members'));
    searchToggle.setAttribute('aria-expanded', String(this.panel === 'search'));
    accountToggle.setAttribute('aria-expanded', String(this.panel === 'account'));
    layout.classList.toggle('with-panel', this.panel !== null);
    conversation.inert = (this.panel !== null && this.panelCovers) || (this.sidebarOpen && this.sidebarIsDrawer);
  }

  /** Where style.css lays a panel over the whole conversation. */
  get panelCovers() {
    return matchMedia('(max-width: 640px)').matches;
  }

  /** The members panel of a private room; with `focusInvite` the invite field takes the focus (after creating the room). */
  openMembers(room, me, { focusInvite = false } = {}) {
    this.openPanel('members');
    this.renderMembers(room, me);
    if (focusInvite && room.role === 'owner') this.el.inviteInput.focus();
    else this.el.membersHeading.focus();
  }

  renderMembers(room, me) {
    if (this.panel === 'members') this.members.render(room, me);
  }

  renderSearch(state, labelOf) {
    this.search.render(state, labelOf);
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
  notify(label, message, onClick) {
    this.notifier.show({ title: `${message.username} in ${label}`, body: String(message.message ?? ''), tag: `room:${label}`, onClick });
  }

  // ------------------------------------------------------------ the conversation (timeline.js)

  showRoom(room, pending, firstUnreadId = null) {
    this.room = room;
    this.el.composer.dataset.room = room ? room.name : '';
    this.renderRoomHeader(room);
    this.timeline.showRoom(room, pending, firstUnreadId);
    showRoomInAddress(room?.name ?? null);
    this.renderPlaceholder();
    // The members panel follows the room on screen; a room without members to show closes it.
    if (this.panel === 'members') {
      if (room?.kind === 'private') this.members.render(room, this.me);
      else this.closePanel();
    }
  }

  /** The room's name (a private room's with a lock, said in words too), and for a private room the way to its members. */
  renderRoomHeader(room) {
    const { roomTitle, membersToggle } = this.el;
    const text = room ? room.label : 'No room';
    const kind = room?.kind ?? 'public';
    if (roomTitle.dataset.text !== text || roomTitle.dataset.kind !== kind) {
      roomTitle.dataset.text = text;
      roomTitle.dataset.kind = kind;
      const words = kind === 'private' ? ', private room' : kind === 'direct' ? ', direct messages' : '';
      roomTitle.replaceChildren(text);
      if (kind === 'private') roomTitle.prepend(lockIcon(), ' ');
      if (words) roomTitle.append(Object.assign(document.createElement('span'), { className: 'sr-only', textContent: words }));
    }
    membersToggle.hidden = kind !== 'private';
  }

  seesNewest(room) {
    return document.visibilityState === 'visible' && document.hasFocus() && this.timeline.seesNewest(room);
  }

  showFound(room, id) {
    this.timeline.showFound(room, id);
  }

  forgetMessages(room, ids) {
    this.timeline.forgetMessages(room, ids);
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
