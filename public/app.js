// Browser client for the chat server. Plain ES module, no dependencies.
// User-supplied text is only ever written with textContent.

const SESSION_KEY = 'chat.session';
const DEFAULT_HISTORY = 50;
const MAX_FRAME_BYTES = 64 * 1024; // the server closes with 1009 past this
const BACKOFF_MS = [1000, 2000, 4000, 8000, 10000];
const AT_BOTTOM_SLACK_PX = 40;
// Errors that answer a chat post: the text we sent did not get stored.
const POST_ERRORS = new Set([
  'NOT_AUTHENTICATED', 'TOKEN_EXPIRED', 'USERNAME_MISMATCH', 'EMPTY_MESSAGE',
  'MESSAGE_TOO_LONG', 'INVALID_FORMAT', 'UNAVAILABLE', 'INTERNAL',
]);
// Errors that mean the stored token is no good any more.
const AUTH_ERRORS = new Set(['INVALID_TOKEN', 'TOKEN_EXPIRED']);

const $ = (id) => document.getElementById(id);
const el = {
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
  historyCount: $('history-count'),
  loadHistory: $('load-history'),
  messages: $('messages'),
  composer: $('composer'),
  input: $('message-input'),
  send: $('send'),
  composerHint: $('composer-hint'),
};

// ---------------------------------------------------------------- session

/** @type {{token: string, username: string, expiresAt: string} | null} */
let session = loadSession();

function loadSession() {
  try {
    const value = JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? 'null');
    if (value && typeof value.token === 'string' && typeof value.username === 'string' && !isExpired(value)) {
      return value;
    }
  } catch {
    // unreadable: treat as signed out
  }
  sessionStorage.removeItem(SESSION_KEY);
  return null;
}

function isExpired(s) {
  const at = Date.parse(s.expiresAt);
  return Number.isFinite(at) && at <= Date.now();
}

function setSession(value) {
  session = value;
  if (value) sessionStorage.setItem(SESSION_KEY, JSON.stringify(value));
  else sessionStorage.removeItem(SESSION_KEY);
  renderAccount();
}

function renderAccount() {
  const signedIn = session !== null;
  el.authPanel.hidden = signedIn;
  el.account.hidden = !signedIn;
  el.currentUser.textContent = signedIn ? session.username : '';
  el.input.placeholder = signedIn ? 'Write a message — Enter sends, Shift+Enter for a new line' : 'Sign in to post';
  document.body.classList.toggle('signed-in', signedIn);
  renderStatus();
}

function showAuthError(text, code = '') {
  el.authError.textContent = text;
  el.authError.dataset.code = code;
  el.authError.hidden = !text;
}

async function submitCredentials(kind) {
  const username = el.username.value.trim();
  const password = el.password.value;
  showAuthError('');
  el.login.disabled = el.register.disabled = true;
  try {
    let response;
    try {
      response = await fetch(kind === 'register' ? '/api/reg' : '/api/login', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify({ username, password }),
        credentials: 'same-origin',
      });
    } catch {
      showAuthError('Could not reach the server. Check your connection and try again.');
      return;
    }
    const body = await response.json().catch(() => null);
    if (!response.ok) {
      showAuthError(httpErrorText(response, body), String(body?.error?.code ?? response.status));
      return;
    }
    if (!body || typeof body.token !== 'string' || typeof body.username !== 'string') {
      showAuthError('The server sent an unexpected answer.');
      return;
    }
    el.password.value = '';
    setSession({ token: body.token, username: body.username, expiresAt: String(body.expiresAt ?? '') });
    addSystemLine('info', 'SIGNED_IN', `${kind === 'register' ? 'registered and signed in' : 'signed in'} as ${body.username}`);
    authorizeConnection();
    el.input.focus();
  } finally {
    el.login.disabled = el.register.disabled = false;
  }
}

function httpErrorText(response, body) {
  const error = body && typeof body === 'object' ? body.error : undefined;
  let text = error && typeof error.message === 'string' && error.message
    ? error.message
    : response.status === 413 ? 'The request was too large.'
    : response.status === 429 ? 'Too many attempts.'
    : `The server answered ${response.status} ${response.statusText}`.trim();
  if (response.status === 429) {
    const retry = Number(response.headers.get('Retry-After'));
    if (Number.isFinite(retry) && retry > 0) text += ` Try again in ${Math.ceil(retry)} s.`;
  }
  return text;
}

function logout() {
  setSession(null);
  showAuthError('');
  addSystemLine('info', 'SIGNED_OUT', 'signed out; still watching');
  // The server has no "un-auth": start a fresh, unauthenticated connection.
  restartConnection();
  el.username.focus();
}

// ---------------------------------------------------------------- connection

/** @type {WebSocket | null} */
let ws = null;
let state = 'disconnected'; // connecting | connected | authorized | disconnected
let authSent = false;
let attempt = 0;
let retryTimer = null;
let retryAt = 0;
let countdownTimer = null;
/** Texts posted on this connection and not yet acknowledged or refused, oldest first. */
let pendingPosts = [];
/** "Load history" clicks whose answer has not come yet (only decides whether to report it). */
let manualHistoryPending = 0;

function socketUrl() {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/ws`;
}

function connect() {
  clearRetry();
  let socket;
  try {
    socket = new WebSocket(socketUrl());
  } catch (error) {
    addSystemLine('error', 'CONNECT', String(error && error.message || error));
    scheduleReconnect();
    return;
  }
  ws = socket;
  authSent = false;
  pendingPosts = [];
  manualHistoryPending = 0;
  setState('connecting');

  socket.addEventListener('open', () => {
    if (ws !== socket) return;
    attempt = 0;
    setState('connected');
    if (session) sendAuth();
    else requestHistory(DEFAULT_HISTORY);
  });
  socket.addEventListener('message', (event) => {
    if (ws !== socket) return;
    if (typeof event.data === 'string') handleFrame(event.data);
  });
  socket.addEventListener('close', (event) => {
    if (ws !== socket) return;
    ws = null;
    const wasOpen = state !== 'connecting';
    if (wasOpen || event.code === 1001 || event.code === 1009) {
      addSystemLine('error', 'DISCONNECTED', closeReason(event));
    }
    if (pendingPosts.length) {
      addSystemLine('error', 'UNCONFIRMED', 'the connection closed before your last message was confirmed; check whether it arrived');
      pendingPosts = [];
    }
    setState('disconnected');
    scheduleReconnect();
  });
  // 'error' is always followed by 'close', which does the work.
}

function closeReason(event) {
  switch (event.code) {
    case 1001: return 'the server is restarting or shutting down';
    case 1009: return 'a frame was too large (over 64 KiB), so the server closed the connection';
    case 1006: return 'connection lost';
    default: return `connection closed (${event.code}${event.reason ? `: ${event.reason}` : ''})`;
  }
}

function scheduleReconnect() {
  clearRetry();
  const delay = BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)];
  attempt += 1;
  retryAt = Date.now() + delay;
  retryTimer = setTimeout(connect, delay);
  countdownTimer = setInterval(renderStatus, 500);
  renderStatus();
}

function clearRetry() {
  clearTimeout(retryTimer);
  clearInterval(countdownTimer);
  retryTimer = countdownTimer = null;
}

/** Drop the current socket (if any) and open a new one right away. */
function restartConnection() {
  const old = ws;
  ws = null;
  if (old) old.close(1000, 'client restart');
  attempt = 0;
  connect();
}

/** After sign-in: authorize the open socket, or connect now. */
function authorizeConnection() {
  if (ws && ws.readyState === WebSocket.OPEN) sendAuth();
  else if (!ws || ws.readyState !== WebSocket.CONNECTING) restartConnection();
  // CONNECTING: the open handler sends auth.
}

function sendAuth() {
  if (!session) return;
  if (isExpired(session)) {
    expireSession('your session has expired; log in again');
    requestHistory(DEFAULT_HISTORY);
    return;
  }
  authSent = sendFrame(`auth ${session.token}`);
  renderStatus();
}

function expireSession(text) {
  setSession(null);
  showAuthError(text, 'SESSION_ENDED');
}

function requestHistory(count) {
  if (sendFrame(`history ${count}`)) return true;
  addSystemLine('error', 'NOT_CONNECTED', `cannot load history: ${state}`);
  return false;
}

/** Send one protocol frame; false when the socket is not open. */
function sendFrame(message) {
  if (!ws || ws.readyState !== WebSocket.OPEN) return false;
  ws.send(JSON.stringify({ username: session ? session.username : '', message }));
  return true;
}

function setState(next) {
  state = next;
  renderStatus();
}

function renderStatus() {
  el.status.textContent = state;
  el.status.dataset.state = state;
  let detail = '';
  if (state === 'disconnected' && retryTimer) {
    detail = `retrying in ${Math.max(1, Math.ceil((retryAt - Date.now()) / 1000))} s`;
  } else if (state === 'connected') {
    detail = session ? (authSent ? 'authorizing…' : '') : 'watching — sign in to post';
  } else if (state === 'authorized' && session) {
    detail = `as ${session.username}`;
  }
  el.statusDetail.textContent = detail;
}

// ---------------------------------------------------------------- frames

function handleFrame(data) {
  let frame;
  try {
    frame = JSON.parse(data);
  } catch {
    addSystemLine('error', 'BAD_FRAME', 'the server sent something that is not JSON');
    return;
  }
  if (!frame || typeof frame !== 'object') return;
  switch (frame.type) {
    case 'message':
      onMessage(frame);
      break;
    case 'history':
      onHistory(frame);
      break;
    case 'info':
      onInfo(frame);
      break;
    case 'error':
      onError(frame);
      break;
    default:
      // Unknown frame types are ignored so the server can add new ones.
      break;
  }
}

function onMessage(frame) {
  const mine = session !== null && sameName(frame.username, session.username);
  if (mine && pendingPosts.length) {
    const index = pendingPosts.indexOf(frame.message);
    pendingPosts.splice(index >= 0 ? index : 0, 1);
  }
  const stick = mine || isAtBottom();
  insertMessages([frame]);
  if (stick) scrollToBottom();
}

function onHistory(frame) {
  const list = Array.isArray(frame.messages) ? frame.messages : [];
  const stick = isAtBottom();
  const added = insertMessages(list);
  if (stick) scrollToBottom();
  if (manualHistoryPending > 0) {
    manualHistoryPending -= 1;
    const plural = list.length === 1 ? '' : 's';
    addSystemLine('info', 'HISTORY', `${list.length} message${plural} loaded, ${added} new`);
  } else if (list.length === 0 && shown.size === 0) {
    addSystemLine('info', 'HISTORY', 'no messages yet');
  }
}

function onInfo(frame) {
  addSystemLine('info', frame.code, frame.message);
  if (frame.code === 'AUTHENTICATED' && session) {
    setState('authorized');
    requestHistory(DEFAULT_HISTORY);
  } else if (frame.code === 'TOKEN_EXPIRED' && session) {
    // The server unauthorized this connection when the token ran out; it still receives messages.
    expireSession('your session has expired; log in again');
    if (ws) setState('connected');
  }
}

function onError(frame) {
  addSystemLine('error', frame.code, frame.message);
  const code = String(frame.code);

  if (session && (AUTH_ERRORS.has(code) || (code === 'USERNAME_MISMATCH' && state !== 'authorized'))) {
    // The token was refused, or expired mid-connection (the server then drops
    // the authorization): carry on as a watcher on the same connection.
    const wasAuthorizing = state !== 'authorized';
    expireSession(code === 'TOKEN_EXPIRED'
      ? 'your session has expired; log in again'
      : `your session is no longer valid (${frame.message}); log in again`);
    if (ws) setState('connected');
    if (wasAuthorizing) requestHistory(DEFAULT_HISTORY);
  } else if (code === 'NOT_AUTHENTICATED' && session && ws) {
    // The server lost our authorization (e.g. it restarted without us noticing): re-auth.
    sendAuth();
  }

  if (POST_ERRORS.has(code) && pendingPosts.length) {
    const text = pendingPosts.shift();
    if (el.input.value === '') {
      el.input.value = text;
      autosize();
      setHint(`Not sent: ${frame.message}. Your text is back in the box.`, true);
    } else {
      setHint(`Not sent: ${frame.message}`, true);
    }
  }
}

// ---------------------------------------------------------------- message list

/** @type {Map<number, HTMLElement>} */
const shown = new Map();
const dayFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dateFormat = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
const fullFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'medium' });

/** Insert messages by id, skipping ones already shown. Returns how many were new. */
function insertMessages(list) {
  const fresh = list
    .filter((m) => m && Number.isSafeInteger(m.id) && !shown.has(m.id))
    .sort((a, b) => a.id - b.id);
  for (const m of fresh) {
    if (shown.has(m.id)) continue; // duplicate within the batch
    const node = renderMessage(m);
    shown.set(m.id, node);
    el.messages.insertBefore(node, firstMessageAfter(m.id));
  }
  return fresh.length;
}

/** The earliest shown message with a larger id, or null to append at the end. */
function firstMessageAfter(id) {
  let before = null;
  for (let node = el.messages.lastElementChild; node; node = node.previousElementSibling) {
    if (!node.classList.contains('message')) continue;
    if (Number(node.dataset.id) > id) before = node;
    else break;
  }
  return before;
}

function renderMessage(m) {
  const item = document.createElement('li');
  item.className = 'message';
  item.dataset.id = String(m.id);
  if (session && sameName(m.username, session.username)) item.classList.add('own');

  const meta = document.createElement('div');
  meta.className = 'meta';
  const author = document.createElement('span');
  author.className = 'author';
  author.textContent = String(m.username ?? '');
  const time = document.createElement('time');
  time.className = 'time';
  const at = new Date(m.createdAt);
  if (Number.isNaN(at.getTime())) {
    time.textContent = '';
  } else {
    time.dateTime = at.toISOString();
    time.textContent = shortTime(at);
    time.title = fullFormat.format(at);
  }
  meta.append(author, time);

  const text = document.createElement('div');
  text.className = 'text';
  text.textContent = String(m.message ?? '');

  item.append(meta, text);
  return item;
}

function shortTime(date) {
  const now = new Date();
  const sameDay = date.getFullYear() === now.getFullYear() && date.getMonth() === now.getMonth() && date.getDate() === now.getDate();
  return sameDay ? dayFormat.format(date) : dateFormat.format(date);
}

function addSystemLine(kind, code, message) {
  const stick = isAtBottom();
  const item = document.createElement('li');
  item.className = `system system-${kind === 'error' ? 'error' : 'info'}`;
  item.textContent = `${kind} ${code ?? ''}: ${message ?? ''}`;
  el.messages.append(item);
  trimSystemLines();
  if (stick) scrollToBottom();
}

/** Keep the list from filling up with reconnect noise. */
function trimSystemLines(max = 200) {
  const lines = el.messages.querySelectorAll(':scope > .system');
  for (let i = 0; i < lines.length - max; i += 1) lines[i].remove();
}

function isAtBottom() {
  const list = el.messages;
  return list.scrollHeight - list.scrollTop - list.clientHeight <= AT_BOTTOM_SLACK_PX;
}

function scrollToBottom() {
  el.messages.scrollTop = el.messages.scrollHeight;
}

function sameName(a, b) {
  return typeof a === 'string' && typeof b === 'string' && a.toLowerCase() === b.toLowerCase();
}

// ---------------------------------------------------------------- composer

const encoder = new TextEncoder();
const COMMAND_WORD = /^\s*(auth|history)/i;
const VALID_COMMAND = /^\s*(auth\s+\S+|history\s+0*[1-9][0-9]*)\s*$/i;

function setHint(text, isError = false) {
  el.composerHint.textContent = text;
  el.composerHint.classList.toggle('error', isError);
}

function sendMessage() {
  const text = el.input.value;
  if (text.trim() === '') {
    setHint('Type a message first.');
    return;
  }
  if (!session) {
    setHint('Sign in to post — watchers can only read. Your text is kept.', true);
    el.username.focus();
    return;
  }
  if (!ws || ws.readyState !== WebSocket.OPEN) {
    setHint(`Not connected (${state}) — your text is kept; press Send again once connected.`, true);
    return;
  }
  const frame = JSON.stringify({ username: session.username, message: text });
  if (encoder.encode(frame).length > MAX_FRAME_BYTES) {
    setHint('Message too large to send (frames are limited to 64 KiB). Shorten it.', true);
    return;
  }
  // The server reads any text starting with "auth" or "history" as a command.
  // Let well-formed commands through; refuse the rest here so the text is not lost.
  const isCommand = COMMAND_WORD.test(text);
  if (isCommand && !VALID_COMMAND.test(text)) {
    setHint('The server reads messages starting with "auth" or "history" as commands ' +
      '("history 20", "auth <token>"), so this cannot be posted as chat. Reword the start.', true);
    return;
  }
  setHint(isCommand ? 'Sent as a command.' : '');
  ws.send(frame);
  if (!isCommand) pendingPosts.push(text);
  el.input.value = '';
  autosize();
  el.input.focus();
}

const cssAutosize = typeof CSS !== 'undefined' && CSS.supports('field-sizing', 'content');

/** Grow the textarea with its content (CSS does it where field-sizing is supported). */
function autosize() {
  if (cssAutosize) return;
  el.input.style.height = 'auto';
  el.input.style.height = `${Math.min(el.input.scrollHeight, 160)}px`;
}

// ---------------------------------------------------------------- wiring

el.authForm.addEventListener('submit', (event) => {
  event.preventDefault();
  submitCredentials('login');
});
el.register.addEventListener('click', () => submitCredentials('register'));
el.logout.addEventListener('click', logout);

el.loadHistory.addEventListener('click', () => {
  const count = Number(el.historyCount.value);
  if (!Number.isInteger(count) || count < 1) {
    addSystemLine('error', 'INVALID_HISTORY_COUNT', 'enter a whole number of at least 1');
    el.historyCount.focus();
    return;
  }
  if (requestHistory(count)) manualHistoryPending += 1;
});
el.historyCount.addEventListener('keydown', (event) => {
  if (event.key === 'Enter') {
    event.preventDefault();
    el.loadHistory.click();
  }
});

el.composer.addEventListener('submit', (event) => {
  event.preventDefault();
  sendMessage();
});
el.input.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
    event.preventDefault();
    sendMessage();
  }
});
el.input.addEventListener('input', autosize);

// Reconnect at once when the network comes back instead of waiting out the backoff.
window.addEventListener('online', () => {
  if (!ws) {
    attempt = 0;
    connect();
  }
});

renderAccount();
connect();
