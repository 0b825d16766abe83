// The login and registration form. An error is shown beside the field it is
// about, which is marked invalid and takes the focus; what concerns neither
// field (the network, too many attempts) is shown under the buttons.

import { showFieldError } from './dom.js';

const FIELDS = ['username', 'password'];

export class AuthView {
  constructor(el) {
    this.el = el;
    el.showPassword.addEventListener('click', () => this.setPasswordShown(el.password.type === 'password'));
    el.authOpen.addEventListener('click', () => this.expand());
    for (const name of FIELDS) el[name].addEventListener('input', () => this.clearField(name));
  }

  /** Hidden once signed in; a visitor on a phone sees one line until they ask for the form. */
  render(session) {
    const signedIn = session !== null;
    this.el.authPanel.hidden = signedIn;
    if (signedIn) {
      this.el.authPanel.classList.remove('expanded');
      this.el.password.value = '';
      this.setPasswordShown(false);
      this.showError(null);
    }
  }

  expand() {
    this.el.authPanel.classList.add('expanded');
    this.el.username.focus();
  }

  /**
   * Shows one problem: {field: 'username' | 'password' | null, text, suggestRegister?}, or
   * nothing when null. A field's problem moves the focus to the field.
   */
  showError(problem) {
    for (const name of FIELDS) this.setFieldError(name, problem?.field === name ? problem.text : '');
    const general = problem && !FIELDS.includes(problem.field) ? problem.text : '';
    this.el.authError.textContent = general;
    this.el.authError.hidden = !general;
    this.el.suggestRegister.hidden = !problem?.suggestRegister;
    if (problem?.suggestRegister) this.el.suggestRegister.textContent = `Register as ${this.el.username.value.trim()}`;
    // On a phone the form may be folded away: a problem unfolds it, to be seen.
    if (problem) this.el.authPanel.classList.add('expanded');
    if (problem && FIELDS.includes(problem.field)) this.el[problem.field].focus();
  }

  setFieldError(name, text) {
    showFieldError(this.el[name], this.el[`${name}Error`], text);
  }

  /** Typing in a field answers its error: it goes, and so does the offer to register. */
  clearField(name) {
    if (this.el[`${name}Error`].textContent === '') return;
    this.setFieldError(name, '');
    this.el.suggestRegister.hidden = true;
  }

  setPasswordShown(shown) {
    this.el.password.type = shown ? 'text' : 'password';
    this.el.showPassword.setAttribute('aria-pressed', String(shown));
  }

  setBusy(busy) {
    for (const button of [this.el.login, this.el.register, this.el.suggestRegister]) button.disabled = busy;
    this.el.authForm.setAttribute('aria-busy', String(busy));
  }

  get credentials() {
    return { username: this.el.username.value.trim(), password: this.el.password.value };
  }
}
