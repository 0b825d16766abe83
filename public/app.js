// Browser client for the chat server: wires the page's controls to the chat.
// Plain ES modules, no dependencies, no build step.

import { Chat } from './chat.js';
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

async function signIn(kind) {
  if (await chat.signIn(kind, el.username.value.trim(), el.password.value)) {
    el.password.value = '';
    el.input.focus();
  }
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
  }
});
el.joinInput.addEventListener('input', () => view.showJoinError(''));

el.rooms.addEventListener('click', (event) => {
  const button = event.target.closest('button[data-action]');
  const name = button?.closest('.room')?.dataset.room;
  if (!name) return;
  if (button.dataset.action === 'leave') {
    chat.leaveRoom(name);
  } else {
    chat.switchTo(name);
    view.setSidebarOpen(false);
    el.input.focus();
  }
});

el.roomsToggle.addEventListener('click', () => view.setSidebarOpen(!view.sidebarOpen));
// On a phone the room list lies over the conversation: a tap beside it closes it.
document.querySelector('.conversation').addEventListener('click', () => view.setSidebarOpen(false));
document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape' && view.sidebarOpen) view.setSidebarOpen(false);
});

// ---- reading back

el.loadOlder.addEventListener('click', () => chat.loadOlder());
el.messages.addEventListener(
  'scroll',
  () => {
    if (view.nearTop()) chat.loadOlder();
  },
  { passive: true },
);

el.messages.addEventListener('click', (event) => {
  const button = event.target.closest('button[data-action="discard"]');
  const clientId = button?.closest('.pending')?.dataset.clientId;
  if (clientId) chat.discard(clientId);
});

// ---- posting

function send() {
  if (chat.post(el.input.value)) view.takeInput();
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
el.input.addEventListener('input', () => view.autosize());

// ---- network

// Back online: reconnect now instead of waiting out the backoff.
window.addEventListener('online', () => chat.networkBack());
window.addEventListener('offline', () => chat.renderStatus());

chat.start();
