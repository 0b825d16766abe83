// The account panel's requests (docs/protocol.md, "Sessions and accounts"):
// the user's sessions (GET /api/sessions), ending one or all of them, changing
// the password, deleting the account. Each answer is said in the panel; a
// login that ends because of it ends as any other does (auth-session.js).

import { passwordRule } from './rules.js';

/** Words for the refusals of these routes; the codes the panel puts beside a field are in `problem`. */
function generalWords(code, retryAfter = 0) {
  switch (code) {
    case 'RATE_LIMITED':
      return `Too many attempts. Try again${retryAfter > 0 ? ` in ${Math.ceil(retryAfter)} s` : ' in a minute'}.`;
    case 'NETWORK':
      return 'Could not reach the server. Check your connection and try again.';
    case 'UNKNOWN_SESSION':
      return 'That device was logged out already.';
    case 'SESSION_REVOKED':
    case 'NOT_AUTHENTICATED':
    case 'INVALID_REFRESH':
      return 'Your login has ended. Log in again.';
    default:
      return `The server could not do that (${code}). Try again later.`;
  }
}

export class Account {
  /**
   * @param {import('./chat.js').Chat} chat
   * @param {import('./view.js').View} view
   */
  constructor(chat, view) {
    this.chat = chat;
    this.view = view;
    this.sessions = [];
    const { el } = view;
    el.sessions.addEventListener('click', (event) => {
      const id = event.target.closest('button[data-action="revoke"]')?.closest('.session')?.dataset.id;
      if (id) void this.revoke(id);
    });
    el.logoutEverywhere.addEventListener('click', () => void this.logOutEverywhere());
    el.passwordForm.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.changePassword();
    });
    el.deleteForm.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.deleteAccount();
    });
  }

  get keeper() {
    return this.chat.auth.keeper;
  }

  /** The panel opens: what it shows is asked for again. */
  opened() {
    this.view.account.clear();
    void this.listSessions();
  }

  async listSessions() {
    this.view.account.renderSessions(null);
    const answer = await this.keeper.call('GET', '/api/sessions');
    if (answer.code) {
      this.view.account.renderSessions([]);
      this.view.account.say('sessions', { error: generalWords(answer.code) });
      return;
    }
    this.sessions = Array.isArray(answer.body?.sessions) ? answer.body.sessions : [];
    this.view.account.renderSessions(this.sessions);
  }

  /** Ends one session; this device's is logging out. */
  async revoke(id) {
    const session = this.sessions.find((s) => s.id === id);
    if (!session) return;
    if (session.current) {
      this.chat.signOut();
      this.view.el.username.focus();
      return;
    }
    const answer = await this.keeper.call('DELETE', `/api/sessions/${encodeURIComponent(id)}`);
    if (answer.code && answer.code !== 'UNKNOWN_SESSION') {
      this.view.account.say('sessions', { error: generalWords(answer.code) });
      return;
    }
    this.sessions = this.sessions.filter((s) => s !== session);
    this.view.account.renderSessions(this.sessions);
    this.view.account.say('sessions', { status: answer.code ? generalWords(answer.code) : 'That device is logged out.' });
    // Its button is gone: the focus waits on the list's heading.
    this.view.el.sessionsHeading.focus();
  }

  async logOutEverywhere() {
    const sure = await this.view.confirm({
      title: 'Log out everywhere?',
      text: 'Every device logged in to this account is logged out, this one included. Each has to log in again with the password.',
      confirm: 'Log out everywhere',
    });
    if (!sure) {
      this.view.el.logoutEverywhere.focus();
      return;
    }
    const answer = await this.keeper.call('DELETE', '/api/sessions');
    if (answer.code) {
      this.view.account.say('sessions', { error: generalWords(answer.code) });
      return;
    }
    this.keeper.end('SESSION_REVOKED', 'logged_out_everywhere');
    this.view.el.username.focus();
  }

  async changePassword() {
    const { el, account } = this.view;
    const currentPassword = el.currentPassword.value;
    const newPassword = el.newPassword.value;
    account.say('passwordForm');
    if (currentPassword === '') return account.showProblem('password', { field: 'currentPassword', text: 'Enter your current password.' });
    const rule = newPassword === '' ? 'Enter a new password.' : passwordRule(newPassword);
    if (rule) return account.showProblem('password', { field: 'newPassword', text: rule });
    account.showProblem('password', null);
    account.setBusy('changePassword', true);
    const answer = await this.keeper.call('POST', '/api/account/password', { currentPassword, newPassword });
    account.setBusy('changePassword', false);
    if (answer.code === 'WRONG_PASSWORD') return account.showProblem('password', { field: 'currentPassword', text: 'That is not your current password.' });
    if (answer.code === 'INVALID_PASSWORD') {
      return account.showProblem('password', { field: 'newPassword', text: 'Use 8 to 72 characters; accented letters count as 2 and emoji as 4.' });
    }
    if (answer.code) return account.showProblem('password', { field: null, text: generalWords(answer.code, answer.retryAfter) });
    el.currentPassword.value = '';
    el.newPassword.value = '';
    account.say('passwordForm', { status: 'Password changed. Your other devices were logged out.' });
    void this.listSessions();
    return undefined;
  }

  async deleteAccount() {
    const { el, account } = this.view;
    const password = el.deletePassword.value;
    if (password === '') return account.showProblem('delete', { field: 'deletePassword', text: 'Enter your password to delete the account.' });
    account.showProblem('delete', null);
    const sure = await this.view.confirm({
      title: `Delete the account ${this.chat.session?.username ?? ''} for good?`,
      text:
        'Every device is logged out and nobody can log in to it again. The name stays reserved, so nobody can register it and pass for you. ' +
        'Your messages stay in their conversations under your name; delete those you want gone before you go on.',
      confirm: 'Delete my account',
    });
    if (!sure) {
      el.deleteAccount.focus();
      return undefined;
    }
    account.setBusy('deleteAccount', true);
    const answer = await this.keeper.call('POST', '/api/account/delete', { password });
    account.setBusy('deleteAccount', false);
    if (answer.code === 'WRONG_PASSWORD') return account.showProblem('delete', { field: 'deletePassword', text: 'That is not your password.' });
    if (answer.code) return account.showProblem('delete', { field: null, text: generalWords(answer.code, answer.retryAfter) });
    this.keeper.end('SESSION_REVOKED', 'account_deleted');
    el.username.focus();
    return undefined;
  }
}
