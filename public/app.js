// Browser client for the chat server: wires the page's controls to the chat.
// Plain ES modules, no dependencies, no build step.

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
  if (await chat.signIn(kind, username, password)) el.input.focus();
}

el.logout.addEventListener('click', () => {
  chat.signOut();
  el.username.focus();
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
    const at = chat.leaveRoom(name);
    if (at >= 0) view.toast.show(`Left #${name}.`, 'Undo', () => chat.joinRoom(name, { at }));
  } else {
    chat.switchTo(name);
    view.setSidebarOpen(false);
    focusAfterOpening(event);
  }
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
  view.setSidebarOpen(!view.sidebarOpen);
  // Into the list that opened, at the room on screen.
  if (view.sidebarOpen && view.sidebarIsDrawer) (el.rooms.querySelector('[aria-current]') ?? el.rooms.querySelector('.room-open'))?.focus();
});
// On a phone the room list lies over the conversation (which is inert meanwhile): a tap beside it closes it.
el.layout.addEventListener('click', (event) => {
  if (view.sidebarOpen && view.sidebarIsDrawer && !el.sidebar.contains(event.target)) view.setSidebarOpen(false);
});
document.addEventListener('keydown', (event) => {
  if (event.key !== 'Escape' || !view.sidebarOpen || !view.sidebarIsDrawer) return;
  view.setSidebarOpen(false);
  el.roomsToggle.focus();
});

// ---- reading back

el.loadOlder.addEventListener('click', () => chat.loadOlder());
el.timeline.addEventListener(
  'scroll',
  () => {
    if (view.timeline.nearTop()) chat.loadOlder();
  },
  { passive: true },
);
el.jumpLatest.addEventListener('click', () => {
  view.timeline.scrollToBottom();
  el.input.focus({ preventScroll: true });
});

el.messages.addEventListener('click', (event) => {
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
