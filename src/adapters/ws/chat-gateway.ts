import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { Authenticate } from '../../application/authenticate.js';
import type { Logger, MessageFanout, Throttle } from '../../application/ports.js';
import type { PostMessage } from '../../application/post-message.js';
import type { RecallHistory } from '../../application/recall-history.js';
import type { Message } from '../../domain/message.js';
import type { Identity } from '../../domain/user.js';
import { errorReply } from './error-replies.js';
import { errorFrame, historyFrame, infoFrame, messageFrame } from './frames.js';
import { parseFrame } from './protocol.js';
import { TurnWriter, textFrame } from './turn-writer.js';
import { refuseUpgrade, upgradeRefusal, type ConnectionLimits } from './upgrade-policy.js';

export const CHAT_PATHS = new Set(['/', '/ws']);
export const MAX_FRAME_BYTES = 64 * 1024;

/** Close codes this server sends; docs/protocol.md lists them. */
export const CLOSE = {
  goingAway: 1001,
  policyViolation: 1008,
  tryAgainLater: 1013,
} as const;

/**
 * How often send buffers are checked. One event-loop turn can legitimately
 * queue a whole stored batch for every reader, so a buffer over the limit
 * only marks a reader slow when it is still over at the next check.
 */
const SLOW_CHECK_MS = 1000;
/** Over this multiple of the limit a reader is cut at once, without waiting for the next check. */
const HARD_LIMIT_FACTOR = 8;
/** A connection that keeps sending past its rate limit after this many refusals in a row is closed. */
const REFUSALS_BEFORE_CLOSE = 20;
/** setTimeout cannot wait longer; an expiry further away is re-armed when this fires. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface ChatUseCases {
  authenticate: Authenticate;
  postMessage: PostMessage;
  recallHistory: RecallHistory;
}

export interface GatewayOptions extends ConnectionLimits {
  /** Frames per connection, keyed by connection. */
  frameThrottle: Throttle;
  heartbeatMs: number;
  /** A connection with more than this many bytes waiting to be sent is too slow to keep. */
  sendBufferMaxBytes: number;
}

interface Connection {
  readonly key: string;
  readonly socket: WebSocket;
  readonly address: string;
  identity: Identity | undefined;
  expiryTimer: NodeJS.Timeout | undefined;
  /** Settles when this connection's latest post has been stored or refused. */
  lastPost: Promise<unknown>;
  /** Answered the last heartbeat ping. */
  alive: boolean;
  /** Its send buffer was over the limit at the last check. */
  behind: boolean;
  refusedInRow: number;
}

/** Sockets in, use cases called, frames out. Protocol rules live in the parser and the use cases. */
export class ChatGateway {
  private readonly server = new WebSocketServer({
    noServer: true,
    // ws closes the connection with 1009 past this size.
    maxPayload: MAX_FRAME_BYTES,
    perMessageDeflate: false,
    clientTracking: false,
  });
  private readonly connections = new Set<Connection>();
  private readonly writer = new TurnWriter();
  /** Frames published in this turn, not yet written. */
  private outgoing: Buffer[] = [];
  private readonly perAddress = new Map<string, number>();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly slowCheck: NodeJS.Timeout;
  private readonly unsubscribe: () => void;
  private connectionCounter = 0;
  /** Shutting down: chat messages are refused, so that every one gets a definite answer. */
  private refusingPosts = false;

  constructor(
    private readonly useCases: ChatUseCases,
    fanout: MessageFanout,
    private readonly logger: Logger,
    private readonly options: GatewayOptions,
  ) {
    this.unsubscribe = fanout.subscribe((message) => this.broadcast(message));
    this.heartbeat = setInterval(() => this.checkHeartbeats(), options.heartbeatMs).unref();
    this.slowCheck = setInterval(() => this.checkSendBuffers(), SLOW_CHECK_MS).unref();
  }

  /** Hand over an HTTP upgrade request. Returns false when the path is not the chat's. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const path = (request.url ?? '/').split('?', 1)[0] ?? '/';
    if (!CHAT_PATHS.has(path)) return false;
    const address = addressOf(request);
    const refusal = upgradeRefusal(request, address, this.connections.size, this.perAddress.get(address) ?? 0, this.options);
    if (refusal) {
      this.logger.warn('connection refused', { address, status: refusal.status, reason: refusal.reason });
      refuseUpgrade(socket, refusal);
      return true;
    }
    this.server.handleUpgrade(request, socket, head, (ws) => this.accept(ws, address));
    return true;
  }

  /**
   * First step of a shutdown: from now on chat messages are answered
   * UNAVAILABLE (not stored), while those already taken are still stored and
   * acknowledged before close() says goodbye.
   */
  refusePosts(): void {
    this.refusingPosts = true;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /**
   * Tell every client the server is going away (1001) and wait for the close
   * handshakes; clients that do not answer within the grace period are cut.
   */
  async close(reason = 'server shutting down', graceMs = 2000): Promise<void> {
    // Acknowledgements still waiting for the end of this turn go out before the goodbyes.
    if (this.outgoing.length > 0) this.flushBroadcast();
    this.unsubscribe();
    clearInterval(this.heartbeat);
    clearInterval(this.slowCheck);
    const closed = [...this.connections].map(
      ({ socket }) =>
        new Promise<void>((resolve) => {
          socket.once('close', () => resolve());
          socket.close(CLOSE.goingAway, reason);
        }),
    );
    const timer = setTimeout(() => {
      for (const { socket } of this.connections) socket.terminate();
    }, graceMs);
    await Promise.all(closed);
    clearTimeout(timer);
  }

  private accept(socket: WebSocket, address: string): void {
    this.connectionCounter += 1;
    const connection: Connection = {
      key: String(this.connectionCounter),
      socket,
      address,
      identity: undefined,
      expiryTimer: undefined,
      lastPost: Promise.resolve(),
      alive: true,
      behind: false,
      refusedInRow: 0,
    };
    this.connections.add(connection);
    this.perAddress.set(address, (this.perAddress.get(address) ?? 0) + 1);
    this.logger.info('connection opened', { address, connections: this.connections.size });

    socket.on('error', (error) => this.logger.warn('connection error', { address, error: error.message }));
    socket.on('pong', () => (connection.alive = true));
    socket.on('close', (code) => this.forget(connection, code));
    socket.on('message', (data, isBinary) => this.receive(connection, data, isBinary));
    this.send(connection, infoFrame('WELCOME', 'connected; send "auth <token>" to post, "history <N>" to read back'));
  }

  private forget(connection: Connection, code: number): void {
    this.connections.delete(connection);
    const left = (this.perAddress.get(connection.address) ?? 1) - 1;
    if (left > 0) this.perAddress.set(connection.address, left);
    else this.perAddress.delete(connection.address);
    clearTimeout(connection.expiryTimer);
    this.options.frameThrottle.forget(connection.key);
    this.logger.info('connection closed', {
      address: connection.address,
      user: connection.identity?.username,
      code,
      connections: this.connections.size,
    });
  }

  private receive(connection: Connection, data: RawData, isBinary: boolean): void {
    if (!this.withinRate(connection)) return;
    if (isBinary) {
      this.send(connection, errorFrame('INVALID_FORMAT', 'send text frames holding JSON'));
      return;
    }
    const command = parseFrame(data.toString());
    switch (command.kind) {
      case 'error':
        this.send(connection, errorFrame(command.code, command.message));
        return;
      case 'auth':
        try {
          this.authorize(connection, this.useCases.authenticate.execute(command));
        } catch (error) {
          this.fail(connection, error);
        }
        return;
      case 'history':
        // Read your own writes: history includes what this connection posted before asking.
        connection.lastPost
          .then(() => this.useCases.recallHistory.execute(command))
          .then(
            (messages) => this.send(connection, historyFrame(messages)),
            (error: unknown) => this.fail(connection, error),
          );
        return;
      case 'post':
        if (this.refusingPosts) {
          this.send(connection, errorFrame('UNAVAILABLE', 'the server is shutting down; message not stored, send it again after reconnecting'));
          return;
        }
        // No reply on success: the broadcast copy is the sender's acknowledgement.
        connection.lastPost = this.useCases.postMessage
          .execute({ identity: connection.identity, username: command.username, text: command.text })
          .catch((error: unknown) => this.fail(connection, error));
        return;
    }
  }

  private withinRate(connection: Connection): boolean {
    const retryAfterSeconds = this.options.frameThrottle.take(connection.key);
    if (retryAfterSeconds === 0) {
      connection.refusedInRow = 0;
      return true;
    }
    connection.refusedInRow += 1;
    if (connection.refusedInRow > REFUSALS_BEFORE_CLOSE) {
      connection.socket.close(CLOSE.policyViolation, 'rate limit exceeded');
    } else {
      this.send(connection, errorFrame('RATE_LIMITED', `too many frames; slow down (next in ${retryAfterSeconds} s)`));
    }
    return false;
  }

  private authorize(connection: Connection, identity: Identity): void {
    connection.identity = identity;
    this.armExpiry(connection, identity);
    this.send(connection, infoFrame('AUTHENTICATED', `authorized as ${identity.username}`));
  }

  /** When the token expires the connection is unauthorized again, and told so. */
  private armExpiry(connection: Connection, identity: Identity): void {
    clearTimeout(connection.expiryTimer);
    const wait = identity.expiresAt.getTime() - Date.now();
    connection.expiryTimer = setTimeout(() => {
      if (connection.identity !== identity) return;
      if (wait > MAX_TIMER_MS) return this.armExpiry(connection, identity);
      connection.identity = undefined;
      this.send(connection, infoFrame('TOKEN_EXPIRED', 'your token has expired; send "auth <token>" with a fresh one'));
    }, Math.min(Math.max(wait, 0), MAX_TIMER_MS));
    connection.expiryTimer.unref();
  }

  private fail(connection: Connection, error: unknown): void {
    const reply = errorReply(error);
    if (reply.unexpected !== undefined) {
      this.logger.error('frame failed', { address: connection.address, error: reply.unexpected });
    }
    if (reply.unauthorize) connection.identity = undefined;
    this.send(connection, errorFrame(reply.code, reply.message));
  }

  private checkHeartbeats(): void {
    for (const connection of this.connections) {
      if (!connection.alive) {
        this.logger.info('connection lost', { address: connection.address, reason: 'no answer to ping' });
        connection.socket.terminate();
        continue;
      }
      connection.alive = false;
      connection.socket.ping();
    }
  }

  private checkSendBuffers(): void {
    for (const connection of this.connections) {
      const over = connection.socket.bufferedAmount > this.options.sendBufferMaxBytes;
      if (over && connection.behind) this.dropSlow(connection);
      connection.behind = over;
    }
  }

  private send(connection: Connection, frame: string): void {
    // A reply never overtakes a message published before it.
    if (this.outgoing.length > 0) this.flushBroadcast();
    if (this.writable(connection)) this.writer.send(connection.socket, frame);
  }

  private writable(connection: Connection): boolean {
    const { socket } = connection;
    if (socket.readyState !== WebSocket.OPEN) return false;
    // Judged on what earlier turns left unread, not on what this turn queued.
    if (!this.writer.wroteThisTurn(socket) && socket.bufferedAmount > this.options.sendBufferMaxBytes * HARD_LIMIT_FACTOR) {
      this.dropSlow(connection);
      return false;
    }
    return true;
  }

  private dropSlow(connection: Connection): void {
    const { socket } = connection;
    this.logger.warn('connection too slow', { address: connection.address, buffered: socket.bufferedAmount });
    // The close frame queues behind what the reader is not reading, so it may
    // never arrive; the terminate is what frees the memory.
    socket.close(CLOSE.tryAgainLater, 'too slow: send buffer over limit');
    setTimeout(() => socket.terminate(), 1000).unref();
  }

  /**
   * Every message published in this turn (a stored batch publishes many)
   * leaves in one buffer: one write per connection per turn, whatever the
   * number of messages, since the cost is per write, not per byte.
   */
  private broadcast(message: Message): void {
    if (this.outgoing.length === 0) process.nextTick(() => this.flushBroadcast());
    this.outgoing.push(textFrame(messageFrame(message)));
  }

  private flushBroadcast(): void {
    const frames = this.outgoing;
    this.outgoing = [];
    const data = frames.length === 1 ? (frames[0] as Buffer) : Buffer.concat(frames);
    for (const connection of this.connections) {
      if (this.writable(connection)) this.writer.writeFrame(connection.socket, data);
    }
  }
}

function addressOf(request: IncomingMessage): string {
  const address = request.socket.remoteAddress ?? 'unknown';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}
