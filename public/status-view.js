// The state of the connection: a dot and a word in the header, and while the
// connection is away, a banner that says why, when the next attempt comes,
// and offers to try at once. Screen readers hear each change of state once,
// through one quiet live region; the countdown is for the eyes only.

/** The header word is for people; data-state is for styles and tests. */
const STATE_WORDS = { connecting: 'connecting…', connected: 'connected', authorized: 'online', disconnected: 'disconnected' };

export class StatusView {
  constructor(el) {
    this.el = el;
    this.spoken = '';
    this.wasAway = false;
  }

  /**
   * @param {{state: string, detail: string, away: null | {reason: string, seconds: number, trying: boolean}}} status
   * `away` is set from the moment a connection is lost until the next one opens.
   */
  render({ state, detail, away }) {
    const { status, statusDetail, banner, bannerText, bannerCountdown } = this.el;
    status.textContent = STATE_WORDS[state] ?? state;
    status.dataset.state = state;
    statusDetail.textContent = detail;
    banner.hidden = !away;
    if (away) {
      bannerText.textContent = away.reason;
      bannerCountdown.textContent = away.trying ? 'Reconnecting…' : away.seconds ? `Reconnecting in ${away.seconds} s.` : '';
      this.announce(`${away.reason} The page reconnects by itself.`);
    } else if (this.wasAway && state !== 'connecting') {
      this.announce('Connected again.');
    }
    if (!away && state !== 'connecting') this.wasAway = false;
    if (away) this.wasAway = true;
  }

  /** Says something once through the polite live region; the same words again stay silent. */
  announce(text) {
    if (text === this.spoken) return;
    this.spoken = text;
    this.el.announcer.textContent = text;
  }
}
