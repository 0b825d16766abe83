import { WebSocket } from 'ws';
import type { ChatPeer, ChatReply, ReplyContext } from '../../application/chat-exchange.js';
import type { ChatSession } from '../../application/chat-session.js';
import type { ChatSessions } from '../../application/chat-sessions.js';
import type { Logger, Throttle } from '../../application/ports.js';
import type { Message } from '../../domain/message.js';
import { errorReply } from './error-replies.js';
import { errorFrame, messageFrame, replyFrame } from './frames.js';
import { textFrame, type TurnWriter } from './turn-writer.js';

/** Close codes this server sends; docs/protocol.md lists them. */
export const CLOSE = {
  goingAway: 1001,
  policyViolation: 1008,
  tryAgainLater: 1013,
} as const;

/** Over this multiple of the limit a reader is cut at once, without waiting for the next check. */
const HARD_LIMIT_FACTOR = 8;
/** A connection that keeps sending past its frame budget after this many refusals in a row is closed. */
const REFUSALS_BEFORE_CLOSE = 20;
/** How often a catch-up looks whether the client has taken its last page. */
const DRAIN_POLL_MS = 10;

/** Observes delivery, for metrics; the gateway works the same without. */
export interface GatewayObserver {
  delivered(frames: number, receivers: number): void;
  /** Seconds from a message's creation (its post) to its frames being written. */
  fannedOut(seconds: number): void;
  errorSent(code: string): void;
}

/** What every connection of the gateway shares. */
export interface ConnectionKit {
  readonly sessions: ChatSessions<WsConnection>;
  readonly writer: TurnWriter;
  /** Writes the messages published in this turn first: a reply never overtakes a message published before it. */
  readonly flushBroadcast: () => void;
  /** Frames per connection, keyed by connection. */
  readonly frameThrottle: Throttle;
  /** A connection with more than this many bytes waiting to be sent is too slow to keep. */
  readonly sendBufferMaxBytes: number;
  readonly logger: Logger;
  readonly observer: GatewayObserver | undefined;
}

/** One WebSocket and its chat session: replies become frames, frames written stay in order. */
export class WsConnection implements ChatPeer {
  readonly session: ChatSession<WsConnection>;
  /** Answered the last heartbeat ping. */
  alive = true;
  /** Its send buffer was over the limit at the last check. */
  behind = false;
  private refusedInRow = 0;

  constructor(
    readonly socket: WebSocket,
    readonly address: string,
    private readonly key: string,
    private readonly kit: ConnectionKit,
  ) {
    this.session = kit.sessions.open(this, address);
  }

  send(reply: ChatReply): void {
    switch (reply.kind) {
      case 'messages':
        return this.writeMessages(reply.messages);
      case 'error':
        return this.fail(reply.error, reply.context);
      default:
        return this.sendText(replyFrame(reply));
    }
  }

  async drained(): Promise<void> {
    const enough = this.kit.sendBufferMaxBytes / 4;
    while (this.socket.readyState === WebSocket.OPEN && this.socket.bufferedAmount > enough) {
      await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
    }
  }

  sendText(frame: string): void {
    this.kit.flushBroadcast();
    if (this.writable()) this.kit.writer.send(this.socket, frame);
  }

  sendError(code: string, message: string, context?: ReplyContext): void {
    this.kit.observer?.errorSent(code);
    this.sendText(errorFrame(code, message, context));
  }

  /** A frame shared by every member of a room, written beside ws's own sender. */
  writeShared(frame: Buffer): void {
    this.kit.writer.writeFrame(this.socket, frame);
  }

  /** Spends one frame of the budget: false when over it (the client is told, and cut if it goes on). */
  withinRate(): boolean {
    const retryAfterSeconds = this.kit.frameThrottle.take(this.key);
    if (retryAfterSeconds === 0) {
      this.refusedInRow = 0;
      return true;
    }
    this.refusedInRow += 1;
    if (this.refusedInRow > REFUSALS_BEFORE_CLOSE) this.socket.close(CLOSE.policyViolation, 'rate limit exceeded');
    else this.sendError('RATE_LIMITED', `too many frames; slow down (next in ${retryAfterSeconds} s)`);
    return false;
  }

  /** Whether frames may be written now; a reader far over its limit is cut instead. */
  writable(): boolean {
    const { socket } = this;
    if (socket.readyState !== WebSocket.OPEN) return false;
    // Judged on what earlier turns left unread, not on what this turn queued.
    if (!this.kit.writer.wroteThisTurn(socket) && socket.bufferedAmount > this.kit.sendBufferMaxBytes * HARD_LIMIT_FACTOR) {
      this.dropSlow();
      return false;
    }
    return true;
  }

  dropSlow(): void {
    const { socket } = this;
    this.kit.logger.warn('connection too slow', { address: this.address, buffered: socket.bufferedAmount });
    // The close frame queues behind what the reader is not reading, so it may
    // never arrive; the terminate is what frees the memory.
    socket.close(CLOSE.tryAgainLater, 'too slow: send buffer over limit');
    setTimeout(() => socket.terminate(), 1000).unref();
  }

  /** The connection is gone: its session leaves every room. */
  forget(): void {
    this.kit.sessions.close(this.session);
    this.kit.frameThrottle.forget(this.key);
  }

  /**
   * Messages for this connection alone: what its catch-up held back, or the
   * part of a live batch its last page did not have. Counted as delivered;
   * their fan-out latency is the live broadcast's.
   */
  writeMessages(messages: readonly Message[]): void {
    this.kit.flushBroadcast();
    if (!this.writable()) return;
    for (const message of messages) this.kit.writer.writeFrame(this.socket, textFrame(messageFrame(message)));
    this.kit.observer?.delivered(messages.length, 1);
  }

  private fail(error: unknown, context: ReplyContext | undefined): void {
    const reply = errorReply(error);
    if (reply.unexpected !== undefined) this.kit.logger.error('frame failed', { address: this.address, error: reply.unexpected });
    this.sendError(reply.code, reply.message, context);
  }
}
