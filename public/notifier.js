// Desktop notifications, for messages that arrive while the tab is in the
// background. The browser's permission is asked for only when the person
// turns them on; their choice is remembered in this browser.

const KEY = 'chat.notifications';
const BODY_MAX = 140;

export class Notifier {
  constructor() {
    this.wanted = read() === 'on';
  }

  /** unsupported | off | on | blocked (the browser's setting refuses them) */
  get state() {
    if (typeof Notification === 'undefined') return 'unsupported';
    if (Notification.permission === 'denied') return 'blocked';
    return this.wanted && Notification.permission === 'granted' ? 'on' : 'off';
  }

  /** Turns them on (asking the browser if it has not been asked) or off. */
  async toggle() {
    if (this.state === 'on') {
      this.wanted = false;
    } else if (this.state === 'off') {
      const permission = Notification.permission === 'granted' ? 'granted' : await Notification.requestPermission();
      this.wanted = permission === 'granted';
    }
    write(this.wanted ? 'on' : 'off');
    return this.state;
  }

  /** One notification per room at a time: a newer message replaces the older one (tag). */
  show({ title, body, tag, onClick }) {
    if (this.state !== 'on') return;
    const text = body.length > BODY_MAX ? `${body.slice(0, BODY_MAX - 1)}…` : body;
    const notification = new Notification(title, { body: text, tag });
    notification.onclick = () => {
      window.focus();
      onClick();
      notification.close();
    };
  }
}

function read() {
  try {
    return localStorage.getItem(KEY);
  } catch {
    return null;
  }
}

function write(value) {
  try {
    localStorage.setItem(KEY, value);
  } catch {
    // Storage disabled: the choice lasts until the page is closed.
  }
}
