// One WebSocket to the chat server that comes back by itself: after a close it
// reconnects with exponential backoff and jitter, so a restarted server is not
// met by every page at the same instant. Outgoing frames are paced below the
// server's frame budget (10/s, bursts of 20 by default), because a reconnect
// sends a burst of joins and re-sends at once.

const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 10_000;
/** A connection that stayed up this long resets the backoff; one cut at once does not. */
const STABLE_AFTER_MS = 5_000;
const BURST = 16;
const PER_SECOND = 8;

export class Connection {
  /**
   * @param {() => string} url asked anew for every attempt: it may carry a resume cursor
   * @param {{open(): void, frame(value: any): void, close(event: CloseEvent, wasOpen: boolean): void, state(): void}} on
   */
  constructor(url, on) {
    this.url = url;
    this.on = on;
    /** @type {WebSocket | null} */
    this.socket = null;
    this.attempt = 0;
    this.retryTimer = null;
    this.retryAt = 0;
    this.openedAt = 0;
    this.queue = [];
    this.tokens = BURST;
    this.refilledAt = 0;
    this.drainTimer = null;
  }

  /** connecting | open | waiting (for the next attempt) */
  get state() {
    if (this.socket) return this.socket.readyState === WebSocket.OPEN ? 'open' : 'connecting';
    return 'waiting';
  }

  get secondsToRetry() {
    return this.retryTimer ? Math.max(1, Math.ceil((this.retryAt - Date.now()) / 1000)) : 0;
  }

  connect() {
    this.clearRetry();
    let socket;
    try {
      socket = new WebSocket(this.url());
    } catch {
      // A URL or policy the browser refuses outright: no close event will come, so retry from here.
      this.scheduleRetry();
      this.on.state();
      return;
    }
    this.socket = socket;
    this.queue = [];
    this.on.state();
    socket.addEventListener('open', () => {
      if (this.socket !== socket) return;
      this.openedAt = Date.now();
      this.on.state();
      this.on.open();
    });
    socket.addEventListener('message', (event) => {
      if (this.socket !== socket || typeof event.data !== 'string') return;
      let value;
      try {
        value = JSON.parse(event.data);
      } catch {
        return; // not ours to understand; the server only sends JSON
      }
      if (value && typeof value === 'object') this.on.frame(value);
    });
    socket.addEventListener('close', (event) => {
      if (this.socket !== socket) return;
      const wasOpen = this.openedAt > 0;
      this.socket = null;
      this.queue = [];
      if (wasOpen && Date.now() - this.openedAt >= STABLE_AFTER_MS) this.attempt = 0;
      this.openedAt = 0;
      this.scheduleRetry();
      this.on.close(event, wasOpen);
      this.on.state();
    });
    // 'error' is always followed by 'close', which does the work.
  }

  /** Drop the socket (if any) and connect again at once. */
  restart() {
    this.drop();
    this.attempt = 0;
    this.connect();
  }

  /** Skip the rest of the backoff, e.g. when the browser says it is online again. */
  retryNow() {
    if (this.socket) return;
    this.attempt = 0;
    this.connect();
  }

  /** Queue one frame; false when there is no open socket to take it. */
  send(value) {
    if (!this.socket || this.socket.readyState !== WebSocket.OPEN) return false;
    this.queue.push(JSON.stringify(value));
    this.drain();
    return true;
  }

  drain() {
    clearTimeout(this.drainTimer);
    this.drainTimer = null;
    const now = Date.now();
    this.tokens = Math.min(BURST, this.tokens + ((now - this.refilledAt) / 1000) * PER_SECOND);
    this.refilledAt = now;
    while (this.queue.length && this.tokens >= 1 && this.socket?.readyState === WebSocket.OPEN) {
      this.socket.send(this.queue.shift());
      this.tokens -= 1;
    }
    if (this.queue.length) this.drainTimer = setTimeout(() => this.drain(), Math.ceil(1000 / PER_SECOND));
  }

  scheduleRetry() {
    this.clearRetry();
    const ceiling = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** this.attempt);
    // Half fixed, half random: spread out, but never much sooner than the backoff says.
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    this.attempt += 1;
    this.retryAt = Date.now() + delay;
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  clearRetry() {
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  drop() {
    const old = this.socket;
    this.socket = null;
    this.queue = [];
    this.clearRetry();
    if (old) old.close(1000, 'client restart');
  }
}
