// The account panel as it is drawn: where the user is logged in (each
// session's device, address and last sighting, "this device" marked), and
// the forms that change the password and delete the account. An error is
// shown beside the field it is about, which is marked invalid and takes the
// focus, as the login form does. What is asked of the server is account.js's.

import { make, showFieldError } from './dom.js';
import { dayLabel, timeOfDay } from './time-format.js';

const FIELDS = ['currentPassword', 'newPassword', 'deletePassword'];

/** "Firefox on Linux" from a User-Agent; the raw string when nothing in it is known. */
export function deviceName(userAgent) {
  const ua = String(userAgent ?? '');
  if (ua === '') return 'Unknown device';
  const browser = [
    [/Edg\//, 'Edge'],
    [/OPR\/|Opera/, 'Opera'],
    [/Firefox\//, 'Firefox'],
    [/Chrom(e|ium)\//, 'Chrome'],
    [/Safari\//, 'Safari'],
  ].find(([pattern]) => pattern.test(ua))?.[1];
  const system = [
    [/iPhone|iPad|iPod/, 'iOS'],
    [/Android/, 'Android'],
    [/Windows/, 'Windows'],
    [/Mac OS X|Macintosh/, 'macOS'],
    [/CrOS/, 'ChromeOS'],
    [/Linux/, 'Linux'],
  ].find(([pattern]) => pattern.test(ua))?.[1];
  if (browser && system) return `${browser} on ${system}`;
  return browser ?? system ?? (ua.length > 60 ? `${ua.slice(0, 60)}…` : ua);
}

function seen(iso) {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return '';
  return `last seen ${dayLabel(at).toLowerCase()}, ${timeOfDay(at)}`;
}

export class AccountView {
  constructor(el) {
    this.el = el;
    for (const name of FIELDS) el[name].addEventListener('input', () => this.setFieldError(name, ''));
  }

  /** The sessions as GET /api/sessions lists them, the latest seen first; null while they are asked for. */
  renderSessions(sessions) {
    const { sessions: list } = this.el;
    if (sessions === null) {
      list.replaceChildren(make('li', 'session-note', 'Loading…'));
      return;
    }
    list.replaceChildren(...sessions.map((session) => this.sessionItem(session)));
  }

  sessionItem(session) {
    const device = deviceName(session.userAgent);
    const item = make('li', 'session');
    item.dataset.id = session.id;
    if (session.current) item.classList.add('current');
    const head = make('div', 'session-device');
    head.append(make('strong', '', device));
    if (session.current) head.append(' ', make('span', 'this-device', 'This device'));
    const about = make('div', 'session-about', [session.address, seen(session.lastSeenAt)].filter(Boolean).join(' · '));
    const button = make('button', 'secondary session-end', 'Log out');
    button.type = 'button';
    button.dataset.action = 'revoke';
    button.append(make('span', 'sr-only', session.current ? ' this device' : ` ${device}`));
    item.append(head, about, button);
    return item;
  }

  /** Says how a request went: `status` for what worked, `error` for what did not. */
  say(where, { status = '', error = '' } = {}) {
    const statusNode = this.el[`${where}Status`];
    if (statusNode) statusNode.textContent = status;
    const errorNode = this.el[`${where}Error`];
    errorNode.textContent = error;
    errorNode.hidden = !error;
  }

  /** Shows a problem beside its field (which takes the focus), or under the form when it concerns no field. */
  showProblem(form, problem) {
    const fields = form === 'password' ? ['currentPassword', 'newPassword'] : ['deletePassword'];
    for (const name of fields) this.setFieldError(name, problem?.field === name ? problem.text : '');
    const general = problem && !fields.includes(problem.field) ? problem.text : '';
    this.say(form === 'password' ? 'passwordForm' : 'delete', { error: general });
    if (problem && fields.includes(problem.field)) this.el[problem.field].focus();
  }

  setFieldError(name, text) {
    showFieldError(this.el[name], this.el[`${name}Error`], text);
  }

  setBusy(button, busy) {
    this.el[button].disabled = busy;
  }

  /** Forgets what was typed and said (a panel opened again, another user). */
  clear() {
    for (const name of FIELDS) {
      this.el[name].value = '';
      this.setFieldError(name, '');
    }
    for (const where of ['sessions', 'passwordForm', 'delete']) this.say(where);
  }
}
