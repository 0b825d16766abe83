import { WebSocket } from 'ws';
import type { Frame, TestClient } from './ws-client.js';

export interface BurstOptions {
  /** At most this many messages sent and not yet answered (acknowledged or refused); 1 = wait for each ack. */
  window?: number;
  /** Keep reading until this many message frames (anyone's) have arrived, not only until our own are answered. */
  expectMessages?: number;
  /** Give up after this long, whatever is left. */
  deadlineMs?: number;
  /** Called as each acknowledgement arrives, before anything else happens: to act at an exact point of the burst. */
  onAck?: (ack: Ack) => void;
}

export interface Ack {
  id: number;
  text: string;
}

export interface Seen extends Ack {
  username: string;
}

/**
 * One authorized connection posting `texts` as fast as its acknowledgements
 * allow, and recording what happened: what it handed to the socket, which of
 * its messages came back (the broadcast copy is the acknowledgement), which
 * were refused, and every message frame it saw.
 *
 * Fields are live while run() is pending, so a test can act in mid-burst
 * (kill the server once enough messages are acknowledged, for instance).
 */
export class Burst {
  /** Texts written to an open socket, in order. */
  readonly sent: string[] = [];
  /** Own messages broadcast back, in arrival order. */
  readonly acked: Ack[] = [];
  /** Error frames, in arrival order. */
  readonly errors: Frame[] = [];
  /** Every message frame received (anyone's), in arrival order. */
  readonly seen: Seen[] = [];
  /** Frames that were neither a message nor an error (there should be none). */
  readonly other: Frame[] = [];
  ended: 'answered' | 'closed' | 'deadline' | undefined;
  private stopped = false;

  constructor(
    readonly client: TestClient,
    readonly username: string,
    private readonly texts: readonly string[],
    private readonly options: BurstOptions = {},
  ) {}

  get answered(): number {
    return this.acked.length + this.errors.length;
  }

  /** Send nothing more; run() then resolves once what was sent is answered. */
  stop(): void {
    this.stopped = true;
  }

  private get toAnswer(): number {
    return this.stopped ? this.sent.length : this.texts.length;
  }

  /** Resolves when every text is answered (and expectMessages seen), the connection closes, or the deadline passes. */
  async run(): Promise<this> {
    const window = this.options.window ?? 1;
    const expectMessages = this.options.expectMessages ?? 0;
    const deadline = Date.now() + (this.options.deadlineMs ?? 15_000);
    const fill = () => {
      while (
        !this.stopped &&
        this.sent.length < this.texts.length &&
        this.sent.length - this.answered < window &&
        this.client.socket.readyState === WebSocket.OPEN
      ) {
        const text = this.texts[this.sent.length] as string;
        this.client.send(this.username, text);
        this.sent.push(text);
      }
    };
    fill();
    while (this.answered < this.toAnswer || this.seen.length < expectMessages) {
      let frame: Frame;
      try {
        frame = await this.client.next(Math.max(1, deadline - Date.now()));
      } catch {
        this.ended = this.client.socket.readyState === WebSocket.OPEN ? 'deadline' : 'closed';
        return this;
      }
      if (frame.type === 'message') {
        const seen = { id: frame.id as number, username: frame.username as string, text: frame.message as string };
        this.seen.push(seen);
        if (seen.username === this.username) {
          const ack = { id: seen.id, text: seen.text };
          this.acked.push(ack);
          this.options.onAck?.(ack);
        }
      } else if (frame.type === 'error') {
        this.errors.push(frame);
      } else {
        this.other.push(frame);
      }
      fill();
    }
    this.ended = 'answered';
    return this;
  }
}

/** Unique, self-describing texts: `c3-m0`, `c3-m1`, ... */
export const numberedTexts = (prefix: string, count: number): string[] => Array.from({ length: count }, (_, i) => `${prefix}-m${i}`);
