// What the page must remember across a reload of this tab: the rooms, the
// messages not yet acknowledged. sessionStorage keeps them per tab and forgets
// them when the tab closes. No token is kept here (see token-keeper.js).

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

/** Earlier versions kept the login token here: it goes. */
export function forgetOldToken() {
  write('chat.session', null);
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
  for (const key of [PLACES_KEY, OUTBOX_KEY]) write(key, null);
}
