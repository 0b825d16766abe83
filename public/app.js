// Browser client for the chat server: wires the page's controls to the chat.
// Plain ES modules, no dependencies, no build step.

import { Account } from './account.js';
import { Chat } from './chat.js';
import { roomInAddress } from './room-link.js';
import { View } from './view.js';

const view = new View();
const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
const chat = new Chat(view, `${scheme}//${location.host}/ws`);
const el = view.el;

// ---- account

el.authForm.addEventListener('submit', (event) => {
  event.preventDefault();
  signIn('login');
});
el.register.addEventListener('click', () => signIn('register'));
// After a login that matched no account: the same name and password, registered.
el.suggestRegister.addEventListener('click', () => signIn('register'));

async function signIn(kind) {
  const { username, password } = view.auth.credentials;
  if (await chat.auth.logIn(kind, username, password)) el.input.focus();
}

el.logout.addEventListener('click', () => {
  chat.signOut();
  el.username.focus();
});

// Where the user is logged in, the password, deleting the account.
const account = new Account(chat, view);
el.accountToggle.addEventListener('click', () => {
  if (view.panel === 'account') {
    view.closePanel();
    return;
  }
  view.setSidebarOpen(false);
  view.openPanel('account');
  account.opened();
  el.accountHeading.focus();
});
el.accountClose.addEventListener('click', () => {
  view.closePanel();
  el.accountToggle.focus();
});

// ---- rooms

el.joinForm.addEventListener('submit', (event) => {
  event.preventDefault();
  if (chat.joinRoom(el.joinInput.value)) {
    el.joinInput.value = '';
    view.setSidebarOpen(false);
    // On to the room: the composer, or for a visitor (who cannot post) the room's title.
    if (chat.session) el.input.focus();
    else el.roomTitle.focus();
  }
});
el.joinInput.addEventListener('input', () => view.showJoinError(''));

el.rooms.addEventListener('click', (event) => {
  const button = event.target.closest('button[data-action]');
  const name = button?.closest('.room')?.dataset.room;
  if (!name) return;
  if (button.dataset.action === 'leave') {
    const room = chat.rooms.get(name);
    if (room?.kind === 'private') {
      void leaveForGood(name, button);
      return;
    }
    const at = chat.leaveRoom(name);
    if (at >= 0) view.toast.show(`Left ${room.label}.`, 'Undo', () => chat.joinRoom(name, { at }));
  } else {
    chat.switchTo(name);
    view.setSidebarOpen(false);
    focusAfterOpening(event);
  }
});

/** Leaving a private room cannot be undone (only an owner can invite the user back): the page asks first. */
async function leaveForGood(name, from) {
  const room = chat.rooms.get(name);
  if (!room) return;
  const sure = await view.confirm({
    title: `Leave ${room.label}?`,
    text: 'You will no longer receive its messages, and only an owner can invite you back.',
    confirm: 'Leave for good',
  });
  if (!sure) {
    if (from.isConnected) from.focus();
    return;
  }
  view.closePanel();
  chat.conversations.leaveForGood(name);
  el.roomTitle.focus();
}

// ---- private rooms and direct conversations

el.createForm.addEventListener('submit', (event) => {
  event.preventDefault();
  chat.conversations.create(el.createInput.value);
});

el.directForm.addEventListener('submit', (event) => {
  event.preventDefault();
  if (chat.conversations.openDirect(el.directInput.value)) {
    view.setSidebarOpen(false);
    el.input.focus();
  }
});

// A name in the list of who is here: a direct conversation with them.
el.presence.addEventListener('click', (event) => {
  const username = event.target.closest('button[data-action="direct"]')?.closest('.user')?.dataset.user;
  if (!username) return;
  if (chat.conversations.openDirect(username)) {
    view.setSidebarOpen(false);
    focusAfterOpening(event);
  }
});

el.membersToggle.addEventListener('click', () => {
  const room = chat.currentRoom;
  if (view.panel === 'members' || room?.kind !== 'private') {
    view.closePanel();
    return;
  }
  chat.conversations.askMembers(room);
  view.openMembers(room, view.me);
});
el.membersClose.addEventListener('click', () => {
  view.closePanel();
  el.membersToggle.focus();
});
el.inviteForm.addEventListener('submit', (event) => {
  event.preventDefault();
  if (chat.current) chat.conversations.invite(chat.current, el.inviteInput.value);
});
el.members.addEventListener('click', (event) => {
  const button = event.target.closest('button[data-action]');
  const username = button?.closest('.member')?.dataset.user;
  if (!username || !chat.current) return;
  if (button.dataset.action === 'promote') chat.conversations.promote(chat.current, username);
  else if (button.dataset.action === 'remove') chat.conversations.removeMember(chat.current, username);
  // The button goes with the change: the focus waits on the panel's heading.
  el.membersHeading.focus();
});
el.leavePrivate.addEventListener('click', () => {
  if (chat.current) void leaveForGood(chat.current, el.leavePrivate);
});

// ---- search

el.searchToggle.addEventListener('click', () => {
  if (view.panel === 'search') {
    view.closePanel();
    return;
  }
  view.setSidebarOpen(false);
  view.openPanel('search');
  el.searchInput.focus();
});
el.searchClose.addEventListener('click', () => {
  view.closePanel();
  el.searchToggle.focus();
});
el.searchForm.addEventListener('submit', (event) => {
  event.preventDefault();
  chat.search.run(el.searchInput.value);
});
el.searchMore.addEventListener('click', () => chat.search.more());
el.searchResults.addEventListener('click', (event) => {
  const button = event.target.closest('button.result-open');
  if (!button) return;
  // On a phone the results lie over the conversation: they make way for it.
  if (view.panelCovers) view.closePanel();
  chat.openFound({ room: button.dataset.room, id: Number(button.dataset.id) });
});

/**
 * After a room is opened, a mouse or keyboard user goes on to write; a tap
 * does not move the focus to the composer, which would raise the on-screen
 * keyboard over the room just opened: the room's title takes it.
 */
function focusAfterOpening(event) {
  const touch = event.pointerType === 'touch' || event.pointerType === 'pen';
  if (touch || !chat.session) el.roomTitle.focus();
  else el.input.focus();
}

el.roomsToggle.addEventListener('click', () => {
  // On a phone a panel and the room list would lie over each other: the list takes the screen.
  if (!view.sidebarOpen && view.panelCovers) view.closePanel();
  view.setSidebarOpen(!view.sidebarOpen);
  // Into the list that opened, at the room on screen.
  if (view.sidebarOpen && view.sidebarIsDrawer) (el.rooms.querySelector('[aria-current]') ?? el.rooms.querySelector('.room-open'))?.focus();
});
// On a phone the room list lies over the conversation (which is inert meanwhile): a tap beside it closes it.
el.layout.addEventListener('click', (event) => {
  if (view.sidebarOpen && view.sidebarIsDrawer && !el.sidebar.contains(event.target)) view.setSidebarOpen(false);
});
document.addEventListener('keydown', (event) => {
  if (event.key !== 'Escape' || el.confirm.open) return;
  if (view.sidebarOpen && view.sidebarIsDrawer) {
    view.setSidebarOpen(false);
    el.roomsToggle.focus();
  } else if (view.panel !== null) {
    // Back to the button that opened the panel.
    (({ search: el.searchToggle, account: el.accountToggle })[view.closePanel()] ?? el.membersToggle).focus();
  }
});

// ---- reading back

el.loadOlder.addEventListener('click', () => chat.history.older());
el.timeline.addEventListener(
  'scroll',
  () => {
    if (view.timeline.nearTop()) chat.history.older();
    // Scrolled down to the newest message: the room is read.
    chat.noteSeen();
  },
  { passive: true },
);
el.jumpLatest.addEventListener('click', () => {
  view.timeline.scrollToBottom();
  el.input.focus({ preventScroll: true });
});

el.messages.addEventListener('click', (event) => {
  if (event.target.closest('button[data-action="newer"]')) {
    chat.history.newer();
    return;
  }
  const button = event.target.closest('button[data-action="discard"]');
  const clientId = button?.closest('.pending')?.dataset.clientId;
  if (clientId) chat.discard(clientId);
});

// ---- posting

function send() {
  if (chat.post(view.composer.text)) view.composer.take();
  el.input.focus();
}

el.composer.addEventListener('submit', (event) => {
  event.preventDefault();
  send();
});
el.input.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
    event.preventDefault();
    send();
  }
});

// ---- attention

el.notifyToggle.addEventListener('click', () => view.toggleNotify());
document.addEventListener('visibilitychange', () => chat.visibilityChanged());
// A visible window that gets the focus back: the room on screen may be read now.
window.addEventListener('focus', () => chat.noteSeen());

// ---- network

// Back online: reconnect now instead of waiting out the backoff.
window.addEventListener('online', () => chat.networkBack());
window.addEventListener('offline', () => chat.renderStatus());
el.retryNow.addEventListener('click', () => chat.retryNow());

// ---- addresses: /#/room/<name> opens the room, on arrival and when followed later

function openRoomNamed(name) {
  if (name !== null && !chat.joinRoom(name)) view.setSidebarOpen(true);
}
window.addEventListener('hashchange', () => openRoomNamed(roomInAddress()));

// Read before the start, which puts the room on screen in the address bar.
const addressed = roomInAddress();
view.renderNotify();
chat.start();
openRoomNamed(addressed);
