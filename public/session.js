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

/**
 * The rooms of the user who saved them, as {name, kind, title, with} (what is
 * drawn before the server's list comes); another user (or nobody) starts in
 * general. `hidden`: rooms left in this tab that the server's list would bring back.
 */
export function loadPlaces(username) {
  const value = read(PLACES_KEY);
  if (!value || value.username !== username || !Array.isArray(value.rooms)) return null;
  const rooms = value.rooms.map((r) => (typeof r === 'string' ? { name: r } : r)).filter((r) => typeof r?.name === 'string');
  const hidden = Array.isArray(value.hidden) ? value.hidden.filter((r) => typeof r === 'string') : [];
  return { rooms, current: typeof value.current === 'string' ? value.current : null, hidden };
}

export function savePlaces(username, rooms, current, hidden) {
  write(PLACES_KEY, { username, rooms, current, hidden });
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
 * @returns {Promise<{session: object} | {error: {code: string, retryAfter: number}}>} the code of a refusal
 *   (docs/protocol.md), or NETWORK or BAD_ANSWER; rules.js has the words for it
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
    return { error: { code: 'NETWORK', retryAfter: 0 } };
  }
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    const code = typeof body?.error?.code === 'string' ? body.error.code : `HTTP_${response.status}`;
    const retryAfter = Number(response.headers.get('Retry-After'));
    return { error: { code, retryAfter: Number.isFinite(retryAfter) ? retryAfter : 0 } };
  }
  if (!body || typeof body.token !== 'string' || typeof body.username !== 'string') {
    return { error: { code: 'BAD_ANSWER', retryAfter: 0 } };
  }
  return { session: { token: body.token, username: body.username, expiresAt: String(body.expiresAt ?? '') } };
}
