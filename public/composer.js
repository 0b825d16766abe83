// Where a message is written: the text stays here until it can be sent. Near
// the server's limit a counter appears; over it, the text is refused here, in
// words that state the limit, and nothing leaves the page.

import { characterCount, formatNumber } from './dom.js';

/** The server's default (docs/protocol.md), until GET /api/limits says what this one allows. */
export const DEFAULT_MESSAGE_MAX = 4000;
const MAX_HEIGHT_PX = 160;
/** Errors about the text itself, as opposed to the connection or the account: they mark the field invalid. */
const TEXT_ERRORS = new Set(['TOO_LONG', 'INVALID_INPUT']);

export class Composer {
  constructor(el) {
    this.el = el;
    this.limit = DEFAULT_MESSAGE_MAX;
    this.signedIn = false;
    el.input.addEventListener('input', () => this.update());
  }

  get text() {
    return this.el.input.value;
  }

  /** Takes the limit the server stated. */
  setLimit(limit) {
    if (!Number.isSafeInteger(limit) || limit < 1) return;
    this.limit = limit;
    this.update();
  }

  /** Why the text cannot go as it is, or ''. */
  lengthProblem(text = this.text) {
    const count = characterCount(text);
    if (count <= this.limit) return '';
    const over = count - this.limit;
    return `Messages can be at most ${formatNumber(this.limit)} characters long. Remove ${formatNumber(over)} to send this one.`;
  }

  /** Redraws the counter and the field's state after every change of the text. */
  update() {
    const count = characterCount(this.text);
    const over = count > this.limit;
    // Shown from 90% of the limit (20 characters on a tiny one), so that it never distracts from short messages.
    const near = this.limit - count <= Math.max(20, Math.floor(this.limit / 10));
    const { counter, counterVisible, counterSpoken } = this.el;
    counter.hidden = !near;
    counter.classList.toggle('over', over);
    // Emptied when hidden: the field's description names it, and would read out a stale count.
    counterVisible.textContent = near ? `${formatNumber(count)} / ${formatNumber(this.limit)}` : '';
    counterSpoken.textContent = near ? `${formatNumber(count)} of ${formatNumber(this.limit)} characters` : '';
    // An error about the text goes once the text is edited (the length one once it fits).
    const code = this.el.error.dataset.code;
    if (code === 'INVALID_INPUT' || (code === 'TOO_LONG' && !over)) this.showError('');
    else this.setInvalid(over || code === 'TOO_LONG');
    this.autosize();
  }

  /** The words under the composer; an error about the text marks the field and keeps the focus there. */
  showError(text, code = '') {
    const { error } = this.el;
    error.textContent = text;
    error.dataset.code = text ? code : '';
    error.classList.toggle('error', Boolean(text));
    this.setInvalid(characterCount(this.text) > this.limit || (Boolean(text) && TEXT_ERRORS.has(code)));
  }

  setInvalid(invalid) {
    if (invalid) this.el.input.setAttribute('aria-invalid', 'true');
    else this.el.input.removeAttribute('aria-invalid');
  }

  /** Empties the composer once a text is on its way. */
  take() {
    this.el.input.value = '';
    this.update();
  }

  /** Puts back a text the server refused, unless something new was written meanwhile. */
  restore(text) {
    if (this.text !== '') return false;
    this.el.input.value = text;
    this.update();
    return true;
  }

  /** @param {string | null} room what the room on screen is called (#dev, a title, a name) */
  renderPlaceholder(signedIn, room) {
    this.signedIn = signedIn;
    const { input } = this.el;
    input.placeholder = !signedIn ? 'Log in to post' : room ? `Message ${room}` : 'Join a room to post';
    input.title = signedIn ? 'Enter sends, Shift+Enter starts a new line' : '';
  }

  focus() {
    this.el.input.focus();
  }

  autosize() {
    if (typeof CSS !== 'undefined' && CSS.supports('field-sizing', 'content')) return;
    const { input } = this.el;
    input.style.height = 'auto';
    input.style.height = `${Math.min(input.scrollHeight, MAX_HEIGHT_PX)}px`;
  }
}
