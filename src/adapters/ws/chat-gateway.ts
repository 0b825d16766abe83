import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { Authenticate } from '../../application/authenticate.js';
import type { JoinRoom } from '../../application/join-room.js';
import type { Logger, MessageFanout, PresenceBoard, Throttle } from '../../application/ports.js';
import type { PostMessage } from '../../application/post-message.js';
import type { RecallHistory } from '../../application/recall-history.js';
import type { RequireRoom } from '../../application/require-room.js';
import { DomainError } from '../../domain/errors.js';
import type { Message } from '../../domain/message.js';
import { assertValidRoomName, DEFAULT_ROOM } from '../../domain/room.js';
import type { Identity } from '../../domain/user.js';
import { errorReply } from './error-replies.js';
import {
  catchUpFrame,
  duplicateFrame,
  errorFrame,
  historyFrame,
  infoFrame,
  joinedFrame,
  leftFrame,
  messageFrame,
  presenceEventFrame,
  presenceFrame,
} from './frames.js';
import { parseFrame, type Command } from './protocol.js';
import type { ErrorContext } from './frames.js';
import { RoomCursor } from './room-cursor.js';
import { RoomMembership } from './room-membership.js';
import { TurnWriter, textFrame } from './turn-writer.js';
import { refuseUpgrade, resumeCursor, upgradeRefusal, type ConnectionLimits, type UpgradeRefusal } from './upgrade-policy.js';

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
/** A catch-up reads its next page once the client has taken this much of the last one. */
const CATCH_UP_WAIT_MS = 10;

export interface ChatUseCases {
  authenticate: Authenticate;
  postMessage: PostMessage;
  recallHistory: RecallHistory;
  joinRoom: JoinRoom;
  /** For presence of a room nobody here is in: it must exist at all. */
  requireRoom: RequireRoom;
}

/** Observes delivery, for metrics; the gateway works the same without. */
export interface GatewayObserver {
  delivered(frames: number, receivers: number): void;
  /** Seconds from a message's creation (its post) to its frames being written. */
  fannedOut(seconds: number): void;
  errorSent(code: string): void;
}

export interface GatewayOptions extends ConnectionLimits {
  /** Frames per connection, keyed by connection. */
  frameThrottle: Throttle;
  heartbeatMs: number;
  /** A connection with more than this many bytes waiting to be sent is too slow to keep. */
  sendBufferMaxBytes: number;
  roomsPerConnection: number;
  /** Who is present in which room, on this node and (with several nodes) the others. */
  presence: PresenceBoard;
  /** Who a request comes from (the peer, or the client behind a trusted proxy). */
  clientAddress: (request: IncomingMessage) => string;
  observer?: GatewayObserver;
}

interface RoomState {
  readonly delivery: RoomCursor;
  /**
   * Hears the room's presence events: set by a join frame or a presence
   * request, so clients of the original protocol never see a frame they do not know.
   */
  presence: boolean;
}

interface Connection {
  readonly key: string;
  readonly socket: WebSocket;
  readonly address: string;
  identity: Identity | undefined;
  readonly rooms: Map<string, RoomState>;
  /** Joins and leaves of this connection, one after the other, in the order they came. */
  roomChanges: Promise<void>;
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
  /** Messages published in this turn, by room, not yet written. */
  private outgoing = new Map<string, Message[]>();
  private readonly membership = new RoomMembership<Connection>();
  private readonly perAddress = new Map<string, number>();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly slowCheck: NodeJS.Timeout;
  private readonly unsubscribe: () => void;
  private readonly unsubscribePresence: () => void;
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
    // The board says when a user arrives or leaves overall: on this node, or on another one.
    this.unsubscribePresence = options.presence.subscribe((room, user, present) => this.announce(room, present ? 'join' : 'leave', user));
    this.heartbeat = setInterval(() => this.checkHeartbeats(), options.heartbeatMs).unref();
    this.slowCheck = setInterval(() => this.checkSendBuffers(), SLOW_CHECK_MS).unref();
  }

  /** Hand over an HTTP upgrade request. Returns false when the path is not the chat's. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const path = (request.url ?? '/').split('?', 1)[0] ?? '/';
    if (!CHAT_PATHS.has(path)) return false;
    const address = this.options.clientAddress(request);
    const after = resumeCursor(request.url ?? '/');
    if (typeof after === 'object') return this.refuse(socket, address, after);
    const refusal = upgradeRefusal(request, address, this.connections.size, this.perAddress.get(address) ?? 0, this.options);
    if (refusal) return this.refuse(socket, address, refusal);
    this.writer.hold(socket);
    this.server.handleUpgrade(request, socket, head, (ws) => this.accept(ws, address, after));
    return true;
  }

  private refuse(socket: Duplex, address: string, refusal: UpgradeRefusal): true {
    this.logger.warn('connection refused', { address, status: refusal.status, reason: refusal.reason });
    refuseUpgrade(socket, refusal);
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

  get authorizedCount(): number {
    let count = 0;
    for (const connection of this.connections) if (connection.identity) count += 1;
    return count;
  }

  /**
   * Tell every client the server is going away (1001) and wait for the close
   * handshakes; clients that do not answer within the grace period are cut.
   */
  async close(reason = 'server shutting down', graceMs = 2000): Promise<void> {
    // Acknowledgements still waiting for the end of this turn go out before the goodbyes.
    if (this.outgoing.size > 0) this.flushBroadcast();
    this.unsubscribe();
    this.unsubscribePresence();
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

  private accept(socket: WebSocket, address: string, after: number | undefined): void {
    this.connectionCounter += 1;
    const connection: Connection = {
      key: String(this.connectionCounter),
      socket,
      address,
      identity: undefined,
      rooms: new Map(),
      roomChanges: Promise.resolve(),
      expiryTimer: undefined,
      lastPost: Promise.resolve(),
      alive: true,
      behind: false,
      refusedInRow: 0,
    };
    this.connections.add(connection);
    // Clients of the original protocol know no rooms: they live in the default one.
    const general = this.enter(connection, DEFAULT_ROOM);
    this.perAddress.set(address, (this.perAddress.get(address) ?? 0) + 1);
    this.logger.info('connection opened', { address, connections: this.connections.size });

    socket.on('error', (error) => this.logger.warn('connection error', { address, error: error.message }));
    socket.on('pong', () => (connection.alive = true));
    socket.on('close', (code) => this.forget(connection, code));
    socket.on('message', (data, isBinary) => this.receive(connection, data, isBinary));
    this.send(connection, infoFrame('WELCOME', 'connected; send "auth <token>" to post, "history <N>" to read back'));
    if (after !== undefined) {
      general.presence = true;
      this.send(connection, joinedFrame(DEFAULT_ROOM));
      this.startCatchUp(connection, DEFAULT_ROOM, general, after);
    }
  }

  private forget(connection: Connection, code: number): void {
    this.connections.delete(connection);
    for (const room of [...connection.rooms.keys()]) this.exit(connection, room);
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
      this.sendError(connection, 'INVALID_FORMAT', 'send text frames holding JSON');
      return;
    }
    const command = parseFrame(data.toString());
    if (command.kind === 'error') {
      this.sendError(connection, command.code, command.message);
      return;
    }
    try {
      this.dispatch(connection, command);
    } catch (error) {
      this.fail(connection, error, contextOf(command));
    }
  }

  private dispatch(connection: Connection, command: Command): void {
    switch (command.kind) {
      case 'auth':
        this.authorize(connection, this.useCases.authenticate.execute(command));
        return;
      case 'history': {
        const { room, limit, before, after } = command;
        // Read your own writes: history includes what this connection posted before asking.
        connection.lastPost
          .then(() => this.useCases.recallHistory.execute({ room, limit, before, after }))
          .then(
            (page) => this.send(connection, historyFrame(command.original ? undefined : room, page.messages, page.more)),
            (error: unknown) => this.fail(connection, error, contextOf(command)),
          );
        return;
      }
      case 'post':
        return this.post(connection, command);
      case 'join':
        this.changeRooms(connection, command.room, () => this.join(connection, command.room, command.after));
        return;
      case 'leave':
        this.changeRooms(connection, command.room, async () => this.leave(connection, command.room));
        return;
      case 'presence':
        this.presence(connection, command.room);
        return;
    }
  }

  private post(connection: Connection, { username, text, room, clientId }: Extract<Command, { kind: 'post' }>): void {
    if (this.refusingPosts) {
      this.sendError(connection, 'UNAVAILABLE', 'the server is shutting down; message not stored, send it again after reconnecting', { room, clientId });
      return;
    }
    if (!connection.rooms.has(room)) {
      assertValidRoomName(room);
      throw new DomainError('NOT_A_MEMBER', `join "${room}" before posting to it: {"type": "join", "room": "${room}"}`);
    }
    // No reply on success: the broadcast copy is the sender's acknowledgement.
    // A repeated client id is answered to the sender alone, with the original.
    connection.lastPost = this.useCases.postMessage.execute({ identity: connection.identity, username, text, room, clientId }).then(
      ({ message, duplicate }) => {
        if (duplicate) this.send(connection, duplicateFrame(message));
      },
      (error: unknown) => this.fail(connection, error, { room, clientId }),
    );
  }

  private changeRooms(connection: Connection, room: string, change: () => Promise<void>): void {
    connection.roomChanges = connection.roomChanges.then(change).catch((error: unknown) => this.fail(connection, error, { room }));
  }

  private async join(connection: Connection, room: string, after: number | undefined): Promise<void> {
    const state = connection.rooms.get(room);
    if (!state && connection.rooms.size >= this.options.roomsPerConnection) {
      throw new DomainError('TOO_MANY_ROOMS', `a connection may be in at most ${this.options.roomsPerConnection} rooms; leave one first`);
    }
    await this.useCases.joinRoom.execute({ room });
    if (!this.connections.has(connection)) return;
    const joined = this.enter(connection, room);
    joined.presence = true;
    this.send(connection, joinedFrame(room));
    if (after !== undefined) this.startCatchUp(connection, room, joined, after);
  }

  private startCatchUp(connection: Connection, room: string, state: RoomState, after: number): void {
    state.delivery.beginCatchUp(after);
    void this.catchUp(connection, room, state);
  }

  private leave(connection: Connection, room: string): void {
    assertValidRoomName(room);
    if (!connection.rooms.has(room)) throw new DomainError('NOT_A_MEMBER', `this connection is not in "${room}"`);
    this.exit(connection, room);
    this.send(connection, leftFrame(room));
  }

  private presence(connection: Connection, room: string): void {
    assertValidRoomName(room);
    const state = connection.rooms.get(room);
    if (state) state.presence = true;
    const users = this.options.presence.users(room);
    // Users present (here or on another node) mean someone joined: the room exists.
    if (this.membership.members(room) || users.length > 0) {
      this.send(connection, presenceFrame(room, users));
      return;
    }
    this.useCases.requireRoom.execute({ room }).then(
      () => this.send(connection, presenceFrame(room, this.options.presence.users(room))),
      (error: unknown) => this.fail(connection, error, { room }),
    );
  }

  /** Makes the connection a member (if it is not) and tells the board if that makes its user present here. */
  private enter(connection: Connection, room: string): RoomState {
    const existing = connection.rooms.get(room);
    if (existing) return existing;
    const state: RoomState = { delivery: new RoomCursor(), presence: false };
    connection.rooms.set(room, state);
    const user = connection.identity?.username;
    if (this.membership.add(room, connection, user)) this.options.presence.update(room, user as string, true);
    return state;
  }

  private exit(connection: Connection, room: string): void {
    if (!connection.rooms.delete(room)) return;
    const user = connection.identity?.username;
    if (this.membership.remove(room, connection, user)) this.options.presence.update(room, user as string, false);
  }

  /** Who the connection is, with the presence changes that follow (the board's listener announces them). */
  private identify(connection: Connection, identity: Identity | undefined): void {
    const before = connection.identity?.username;
    const after = identity?.username;
    connection.identity = identity;
    if (before === after) return;
    for (const room of connection.rooms.keys()) {
      if (before !== undefined && this.membership.removeUser(room, before)) this.options.presence.update(room, before, false);
      if (after !== undefined && this.membership.addUser(room, after)) this.options.presence.update(room, after, true);
    }
  }

  /** A user arrived in or left the room, here or on another node: told to the members that hear presence. */
  private announce(room: string, event: 'join' | 'leave', user: string): void {
    const members = this.membership.members(room);
    if (!members) return;
    if (this.outgoing.size > 0) this.flushBroadcast();
    const frame = textFrame(presenceEventFrame(room, event, user));
    for (const member of members) {
      if (member.rooms.get(room)?.presence && this.writable(member)) this.writer.writeFrame(member.socket, frame);
    }
  }

  /**
   * Sends the room's messages after the cursor in pages, then what was
   * published meanwhile, then hands over to live delivery (RoomCursor keeps
   * the count, so that nothing is missed or sent twice).
   */
  private async catchUp(connection: Connection, room: string, state: RoomState): Promise<void> {
    const { delivery } = state;
    const current = (): boolean => connection.rooms.get(room) === state && delivery.catchingUp && this.connections.has(connection);
    try {
      for (;;) {
        await this.drained(connection);
        if (!current()) return;
        const found = await this.useCases.recallHistory.execute({ room, after: delivery.nextPage(), limit: Infinity });
        if (!current()) return;
        const { page, more, then } = delivery.page(found.messages, found.more);
        this.send(connection, catchUpFrame(room, page, more));
        if (then.length > 0) this.writeMessages(connection, then);
        if (!more) return;
      }
    } catch (error) {
      if (!current()) return;
      // Live delivery from here would leave a hole: the room is left, to be joined again.
      this.exit(connection, room);
      this.fail(connection, error, { room });
    }
  }

  /** Resolves when the connection has taken most of what was sent to it, or is gone. */
  private async drained(connection: Connection): Promise<void> {
    const enough = this.options.sendBufferMaxBytes / 4;
    while (connection.socket.readyState === WebSocket.OPEN && connection.socket.bufferedAmount > enough) {
      await new Promise((resolve) => setTimeout(resolve, CATCH_UP_WAIT_MS));
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
      this.sendError(connection, 'RATE_LIMITED', `too many frames; slow down (next in ${retryAfterSeconds} s)`);
    }
    return false;
  }

  private authorize(connection: Connection, identity: Identity): void {
    this.send(connection, infoFrame('AUTHENTICATED', `authorized as ${identity.username}`));
    this.identify(connection, identity);
    this.armExpiry(connection, identity);
  }

  /** When the token expires the connection is unauthorized again, and told so. */
  private armExpiry(connection: Connection, identity: Identity): void {
    clearTimeout(connection.expiryTimer);
    const wait = identity.expiresAt.getTime() - Date.now();
    connection.expiryTimer = setTimeout(() => {
      if (connection.identity !== identity) return;
      if (wait > MAX_TIMER_MS) return this.armExpiry(connection, identity);
      this.identify(connection, undefined);
      this.send(connection, infoFrame('TOKEN_EXPIRED', 'your token has expired; send "auth <token>" with a fresh one'));
    }, Math.min(Math.max(wait, 0), MAX_TIMER_MS));
    connection.expiryTimer.unref();
  }

  private fail(connection: Connection, error: unknown, context?: ErrorContext): void {
    const reply = errorReply(error);
    if (reply.unexpected !== undefined) {
      this.logger.error('frame failed', { address: connection.address, error: reply.unexpected });
    }
    if (reply.unauthorize) this.identify(connection, undefined);
    this.sendError(connection, reply.code, reply.message, context);
  }

  private sendError(connection: Connection, code: string, message: string, context?: ErrorContext): void {
    this.options.observer?.errorSent(code);
    this.send(connection, errorFrame(code, message, context));
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
    if (this.outgoing.size > 0) this.flushBroadcast();
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
   * leaves in one buffer per room: one write per connection per turn,
   * whatever the number of messages, since the cost is per write, not per byte.
   */
  private broadcast(message: Message): void {
    if (this.outgoing.size === 0) process.nextTick(() => this.flushBroadcast());
    const messages = this.outgoing.get(message.room);
    if (messages) messages.push(message);
    else this.outgoing.set(message.room, [message]);
  }

  private flushBroadcast(): void {
    const outgoing = this.outgoing;
    this.outgoing = new Map();
    for (const [room, messages] of outgoing) {
      const members = this.membership.members(room);
      if (members) this.deliverToRoom(room, members, messages);
    }
  }

  private deliverToRoom(room: string, members: ReadonlySet<Connection>, messages: Message[]): void {
    let data: Buffer | undefined;
    let receivers = 0;
    for (const connection of members) {
      const fresh = (connection.rooms.get(room) as RoomState).delivery.live(messages);
      if (fresh.length === 0 || !this.writable(connection)) continue;
      if (fresh === messages) {
        // The common case: the same bytes for every member.
        data ??= Buffer.concat(messages.map((message) => textFrame(messageFrame(message))));
        this.writer.writeFrame(connection.socket, data);
        receivers += 1;
      } else {
        // Just caught up: its last page already held some of these.
        this.writeMessages(connection, fresh);
      }
    }
    if (receivers > 0) this.observe(messages, receivers);
  }

  /**
   * Messages for one connection alone: what its catch-up held, or the part
   * its last page did not have. Counted as delivered; their fan-out latency
   * is the live broadcast's, taken once per message in deliverToRoom().
   */
  private writeMessages(connection: Connection, messages: readonly Message[]): void {
    if (!this.writable(connection)) return;
    for (const message of messages) this.writer.writeFrame(connection.socket, textFrame(messageFrame(message)));
    this.options.observer?.delivered(messages.length, 1);
  }

  private observe(messages: readonly Message[], receivers: number): void {
    const { observer } = this.options;
    if (!observer) return;
    observer.delivered(messages.length, receivers);
    const now = Date.now();
    for (const message of messages) observer.fannedOut((now - message.createdAt.getTime()) / 1000);
  }
}

/** What an error frame names so that the client knows which request failed. */
function contextOf(command: Command): ErrorContext | undefined {
  switch (command.kind) {
    case 'auth':
      return undefined;
    case 'post':
      return { room: command.room, clientId: command.clientId };
    default:
      return { room: command.room };
  }
}
