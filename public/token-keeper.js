// The login as this browser keeps it (docs/protocol.md, "Sessions and
// accounts"): a short-lived access token in this page's memory only, renewed
// with the refresh credential, a cookie no script can read. Every tab shares
// the cookie and the server retires a credential once it is used, so one tab
// refreshes at a time (Web Locks) and hands the token it got to the others
// (BroadcastChannel), instead of each spending the cookie in turn.
//
// localStorage holds no token: only the name of whoever is logged in, so that
// a page knows whether a refresh is worth asking for (a visitor asks nothing).

const HINT_KEY = 'chat.login';
const CHANNEL = 'chat.login';
const LOCK = 'chat.refresh';
/** Renewed once this share of a token's life is gone, well before its end (timers of background tabs run late). */
const RENEW_AT = 0.75;
/** A token this close to its end is renewed before it is used for an `auth`. */
const MARGIN_MS = 5_000;
/** After a refresh that failed but may pass (network, server busy): try again this much later. */
const RETRY_MS = 5_000;
/** Answers of the refresh route after which the cookie is gone for good. */
const ENDED = new Set(['INVALID_REFRESH', 'REFRESH_REUSED', 'SESSION_REVOKED']);

function readHint() {
  try {
    const value = localStorage.getItem(HINT_KEY);
    return value || null;
  } catch {
    return null;
  }
}

function writeHint(username) {
  try {
    if (username) localStorage.setItem(HINT_KEY, username);
    else localStorage.removeItem(HINT_KEY);
  } catch {
    // Storage disabled: each page load asks for the password again, nothing worse.
  }
}

/**
 * One request to the account routes.
 * @returns {Promise<{status: number, code: string, body: any, retryAfter: number, date: number}>}
 *   code: the refusal's code (docs/protocol.md), NETWORK, or '' when it succeeded
 */
export async function callApi(method, path, { token, body } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
  } catch {
    return { status: 0, code: 'NETWORK', body: null, retryAfter: 0, date: NaN };
  }
  const text = await response.text().catch(() => '');
  let parsed;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null; // not JSON: the status says what happened
  }
  const code = response.ok ? '' : typeof parsed?.error?.code === 'string' ? parsed.error.code : `HTTP_${response.status}`;
  const retryAfter = Number(response.headers.get('Retry-After'));
  return {
    status: response.status,
    code,
    body: parsed,
    retryAfter: Number.isFinite(retryAfter) ? retryAfter : 0,
    date: Date.parse(response.headers.get('Date') ?? ''),
  };
}

/**
 * The session an answer of /api/sessions, /api/account or the refresh gives,
 * or null. `until` is the token's end by this browser's clock: the lifetime is
 * measured against the server's Date header, so a clock that is off does not
 * make every token look expired (or fresh).
 */
function sessionOf({ body, date }) {
  if (!body || typeof body.token !== 'string' || typeof body.username !== 'string') return null;
  const end = Date.parse(body.expiresAt);
  const now = Date.now();
  // The Date header is cut to the second: the server's now may be up to a second later than it says.
  const life = Number.isFinite(end) ? end - (Number.isFinite(date) ? date + 1_000 : now) : 15 * 60_000;
  return { token: body.token, username: body.username, sessionId: String(body.sessionId ?? ''), life, until: now + life };
}

export class TokenKeeper {
  /**
   * @param {{token(session: object): void, ended(code: string, reason?: string): void}} on
   *   token: a session to use (logged in, renewed, or handed over by another tab);
   *   ended: the login is over (logged out, revoked, or the cookie refused)
   */
  constructor(on) {
    this.on = on;
    /** @type {{token: string, username: string, sessionId: string, life: number, until: number} | null} */
    this.session = null;
    this.refreshing = null;
    this.timer = null;
    /** When another tab last handed this one a token. */
    this.heardAt = 0;
    this.channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(CHANNEL) : null;
    this.channel?.addEventListener('message', (event) => this.heard(event.data));
  }

  /** Who this browser was logged in as when a page last knew: a refresh is worth asking for. */
  get hinted() {
    return readHint();
  }

  /** The session's token is good for a while yet (a token of a very short life, for its last quarter). */
  get fresh() {
    return this.session !== null && this.session.until - Date.now() > Math.min(MARGIN_MS, this.session.life / 4);
  }

  /** POST /api/sessions (login) or /api/account (registration): the cookie comes with the answer. */
  async logIn(kind, username, password) {
    const answer = await callApi('POST', kind === 'register' ? '/api/account' : '/api/sessions', { body: { username, password } });
    if (answer.code) return { error: { code: answer.code, retryAfter: answer.retryAfter } };
    const session = sessionOf(answer);
    if (!session) return { error: { code: 'BAD_ANSWER', retryAfter: 0 } };
    this.adopt(session);
    return { session };
  }

  /**
   * A new access token with the cookie, one tab at a time. A tab that waited
   * while another refreshed takes the token the other handed over instead.
   * @returns {Promise<{session: object} | {error: {code: string}}>}
   */
  refresh() {
    this.refreshing ??= this.oneAtATime(this.renew.bind(this, Date.now())).finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  oneAtATime(task) {
    // Without Web Locks (a page over plain http is not a secure context), the server's grace of a few seconds for a credential just rotated covers two tabs.
    return navigator.locks?.request ? navigator.locks.request(LOCK, task) : task();
  }

  async renew(asked) {
    if (this.session && this.heardAt >= asked && this.fresh) return { session: this.session };
    const answer = await callApi('POST', '/api/sessions/refresh');
    if (ENDED.has(answer.code)) {
      this.end(answer.code, answer.code === 'REFRESH_REUSED' ? 'refresh_reused' : undefined);
      return { error: { code: answer.code } };
    }
    if (answer.code) {
      if (this.session) this.retrySoon();
      return { error: { code: answer.code, retryAfter: answer.retryAfter } };
    }
    const session = sessionOf(answer);
    if (!session) return { error: { code: 'BAD_ANSWER' } };
    this.adopt(session);
    return { session };
  }

  /** A request to a bearer route; a token that expired meanwhile is renewed once and the request made again. */
  async call(method, path, body) {
    if (!this.fresh && this.session) await this.refresh();
    if (!this.session) return { status: 401, code: 'NOT_AUTHENTICATED', body: null, retryAfter: 0 };
    let answer = await callApi(method, path, { token: this.session.token, body });
    if (answer.code === 'INVALID_TOKEN') {
      const renewed = await this.refresh();
      if (renewed.error) return { ...answer, code: renewed.error.code };
      answer = await callApi(method, path, { token: this.session.token, body });
    }
    if (answer.code === 'SESSION_REVOKED') this.end('SESSION_REVOKED');
    return answer;
  }

  /**
   * Logs this session out (the server clears the cookie), and the other tabs
   * with it. Forgotten here first, so that nothing renews it meanwhile.
   */
  async logOut() {
    const session = this.session;
    this.drop();
    this.channel?.postMessage({ type: 'ended', code: 'LOGGED_OUT' });
    if (!session?.sessionId) return;
    const end = (held) => callApi('DELETE', `/api/sessions/${encodeURIComponent(held.sessionId)}`, { token: held.token });
    const answer = await end(session);
    if (answer.code !== 'INVALID_TOKEN') return;
    // The token expired: one more, not kept, to log out with.
    const renewed = await this.oneAtATime(() => callApi('POST', '/api/sessions/refresh'));
    const fresh = renewed.code ? null : sessionOf(renewed);
    if (fresh) await end(fresh);
  }

  /**
   * The login is over (code and reason as docs/protocol.md names them, or
   * LOGGED_OUT): forgotten here, and in every other tab.
   */
  end(code, reason) {
    const had = this.session !== null || this.hinted !== null;
    this.drop();
    if (!had) return;
    this.channel?.postMessage({ type: 'ended', code, reason });
    this.on.ended(code, reason);
  }

  /** Forgets the token and the hint, without telling anyone. */
  drop() {
    clearTimeout(this.timer);
    this.session = null;
    writeHint(null);
  }

  adopt(session, { tell = true } = {}) {
    this.session = session;
    writeHint(session.username);
    this.schedule(Math.max(1_000, session.until - Date.now() - session.life * (1 - RENEW_AT)));
    if (tell) this.channel?.postMessage({ type: 'token', session });
    this.on.token(session);
  }

  schedule(delay) {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.refresh(), delay);
  }

  retrySoon() {
    this.schedule(RETRY_MS);
  }

  /** What another tab of this browser says: a token it got (the same cookie's), or that the login ended. */
  heard(message) {
    if (message?.type === 'token' && typeof message.session?.token === 'string') {
      // A late message must not replace a newer token.
      if (this.session && this.session.username === message.session.username && this.session.until >= message.session.until) return;
      this.heardAt = Date.now();
      this.adopt(message.session, { tell: false });
    } else if (message?.type === 'ended' && this.session) {
      this.drop();
      this.on.ended(message.code, message.reason, { elsewhere: true });
    }
  }
}
