// Logging in and staying logged in, as the page lives it: the login form, the
// login this browser keeps coming back on page load (and in a new tab, and
// after a restart), the token renewed before the connection loses it, and the
// login ending — logged out here or in another tab, or revoked — with words
// above the login form. The tokens themselves are token-keeper.js's; the
// rooms and the connection are chat.js's.

import { TokenKeeper } from './token-keeper.js';
import { authProblem, credentialsProblem, sessionEndedWords } from './rules.js';

export class AuthSession {
  /**
   * @param {import('./chat.js').Chat} chat
   * @param {import('./view.js').View} view
   */
  constructor(chat, view) {
    this.chat = chat;
    this.view = view;
    this.keeper = new TokenKeeper({
      token: (session) => this.took(session),
      ended: (code, reason) => this.ended(code, reason),
    });
    /** Who this browser was logged in as, while the page gets a token back: the connection waits for it. */
    this.resumingAs = this.keeper.hinted;
  }

  get token() {
    return this.keeper.session?.token ?? null;
  }

  get sessionId() {
    return this.keeper.session?.sessionId ?? '';
  }

  get fresh() {
    return this.keeper.fresh;
  }

  /** On page load, and on each connection until it worked: the login this browser keeps, if any. */
  async resume() {
    if (!this.resumingAs || this.chat.session) return;
    const answer = await this.keeper.refresh();
    // A login ended (the cookie refused) is ended(); a server that is away is asked again once it is back.
    if (answer.error && this.resumingAs && !this.chat.session) this.chat.later(() => this.resume());
  }

  /** The login form: POST /api/sessions (or /api/account to register). */
  async logIn(kind, username, password) {
    const problem = credentialsProblem(kind, username, password);
    if (problem) {
      this.view.auth.showError(problem);
      return false;
    }
    this.view.auth.showError(null);
    this.view.auth.setBusy(true);
    const answer = await this.keeper.logIn(kind, username, password).finally(() => this.view.auth.setBusy(false));
    if (answer.error) {
      this.view.auth.showError(authProblem(answer.error.code, { kind, retryAfter: answer.error.retryAfter }));
      return false;
    }
    return true; // took() has signed the page in
  }

  /** Logs this session out on the server; the page is a visitor's at once, and so are the other tabs. */
  logOut() {
    this.resumingAs = null;
    void this.keeper.logOut();
  }

  /** A token that expired, or is about to: renewed, then the connection signs in with it (see took). */
  renew() {
    return this.keeper.refresh();
  }

  /**
   * The connection was told its session ended (SESSION_REVOKED). A connection
   * still on the token of an older session (this tab took another login
   * since) only signs in again.
   */
  revoked(reason) {
    const current = this.keeper.session;
    if (current && this.chat.authSessionId && current.sessionId !== this.chat.authSessionId) {
      this.chat.authorized = false;
      this.chat.authorize();
      return;
    }
    this.keeper.end('SESSION_REVOKED', reason);
    if (this.chat.session) this.chat.endSession(sessionEndedWords('SESSION_REVOKED', reason));
  }

  took(session) {
    this.resumingAs = null;
    this.chat.adoptSession(session);
  }

  ended(code, reason) {
    const resuming = this.resumingAs !== null;
    this.resumingAs = null;
    if (code === 'LOGGED_OUT') {
      this.chat.becomeVisitor();
      this.view.auth.showError({ field: null, text: sessionEndedWords(code) });
      return;
    }
    this.chat.endSession(sessionEndedWords(code, reason));
    // The rooms a page kept for the user it was coming back as are read as a visitor's.
    if (resuming) this.chat.renderStatus();
  }
}
