// The signed-in user and what the page must remember across a reload of this
// tab: the token, the rooms, the messages not yet acknowledged. sessionStorage
// keeps them per tab and forgets them when the tab closes.

const SESSION_KEY = 'chat.session';
const PLACES_KEY = 'chat.rooms';
const OUTBOX_KEY = 'chat.outbox';

function read(key) {
  try {
    return JSON.parse(sessionStorage.getItem(key) ?? 'null');
  } catch {
    return null;
  }
}

function write(key, value) {
  try {
    if (value === null) sessionStorage.removeItem(key);
    else sessionStorage.setItem(key, JSON.stringify(value));
  } catch {
    // Storage full or disabled: the page still works, it only forgets on reload.
  }
}

export function isExpired(session) {
  const at = Date.parse(session.expiresAt);
  return Number.isFinite(at) && at <= Date.now();
}

/** @returns {{token: string, username: string, expiresAt: string} | null} */
export function loadSession() {
  const value = read(SESSION_KEY);
  if (value && typeof value.token === 'string' && typeof value.username === 'string' && !isExpired(value)) return value;
  write(SESSION_KEY, null);
  return null;
}

export function saveSession(session) {
  write(SESSION_KEY, session);
}

/** The rooms of the user who saved them; another user (or nobody) starts in general. */
export function loadPlaces(username) {
  const value = read(PLACES_KEY);
  if (!value || value.username !== username || !Array.isArray(value.rooms)) return null;
  return { rooms: value.rooms.filter((r) => typeof r === 'string'), current: typeof value.current === 'string' ? value.current : null };
}

export function savePlaces(username, rooms, current) {
  write(PLACES_KEY, { username, rooms, current });
}

/** Unacknowledged sends of this user, oldest first. */
export function loadOutbox(username) {
  const value = read(OUTBOX_KEY);
  if (!value || value.username !== username || !Array.isArray(value.sends)) return [];
  return value.sends.filter((s) => s && typeof s.clientId === 'string' && typeof s.room === 'string' && typeof s.text === 'string');
}

export function saveOutbox(username, sends) {
  write(OUTBOX_KEY, sends.length ? { username, sends } : null);
}

export function forgetAll() {
  for (const key of [SESSION_KEY, PLACES_KEY, OUTBOX_KEY]) write(key, null);
}

/**
 * POST /api/reg or /api/login.
 * @returns {Promise<{session: object} | {error: string, code: string}>}
 */
export async function requestToken(kind, username, password) {
  let response;
  try {
    response = await fetch(kind === 'register' ? '/api/reg' : '/api/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ username, password }),
      credentials: 'same-origin',
    });
  } catch {
    return { error: 'Could not reach the server. Check your connection and try again.', code: 'NETWORK' };
  }
  const body = await response.json().catch(() => null);
  if (!response.ok) return { error: httpErrorWords(response, body), code: String(body?.error?.code ?? response.status) };
  if (!body || typeof body.token !== 'string' || typeof body.username !== 'string') {
    return { error: 'The server sent an unexpected answer.', code: 'BAD_ANSWER' };
  }
  return { session: { token: body.token, username: body.username, expiresAt: String(body.expiresAt ?? '') } };
}

function httpErrorWords(response, body) {
  const error = body && typeof body === 'object' ? body.error : undefined;
  let text =
    error && typeof error.message === 'string' && error.message
      ? error.message
      : response.status === 429
        ? 'Too many attempts.'
        : `The server answered ${response.status} ${response.statusText}`.trim();
  if (response.status === 429 || response.status === 503) {
    const retry = Number(response.headers.get('Retry-After'));
    if (Number.isFinite(retry) && retry > 0) text += ` Try again in ${Math.ceil(retry)} s.`;
  }
  return text;
}
