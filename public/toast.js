// A short note at the bottom of the screen, with one action or none, e.g.
// "Left #dev. [Undo]". It stays while the pointer or the focus is on it, so that nobody
// has to race it (WCAG 2.2.1), and goes after a while otherwise.

const SHOW_MS = 10_000;

export class Toast {
  constructor(el) {
    this.el = el;
    this.action = null;
    this.timer = null;
    this.held = false;
    el.toastAction.addEventListener('click', () => {
      const action = this.action;
      this.hide();
      action?.();
    });
    el.toastClose.addEventListener('click', () => this.hide());
    for (const [event, held] of [
      ['pointerenter', true],
      ['pointerleave', false],
      ['focusin', true],
      ['focusout', false],
    ]) {
      el.toast.addEventListener(event, () => this.hold(held));
    }
  }

  /** Shows `text`, with a button `label` that runs `action` if given; the focus goes to the button if it had nowhere to be. */
  show(text, label, action) {
    const { toast, toastText, toastAction, toastClose } = this.el;
    toastText.textContent = text;
    toastAction.textContent = label ?? '';
    toastAction.hidden = !action;
    this.action = action ?? null;
    toast.hidden = false;
    if (document.activeElement === document.body || !document.activeElement) (action ? toastAction : toastClose).focus();
    this.restart();
  }

  hide() {
    clearTimeout(this.timer);
    const hadFocus = this.el.toast.contains(document.activeElement);
    this.el.toast.hidden = true;
    this.action = null;
    this.held = false;
    if (hadFocus) this.el.returnFocus.focus();
  }

  hold(held) {
    this.held = held;
    if (!held) this.restart();
    else clearTimeout(this.timer);
  }

  restart() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      if (!this.held) this.hide();
    }, SHOW_MS);
  }
}
