import type { IncomingMessage } from 'node:http';
import type { Duplex, Writable } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { ChatSessions } from '../../application/chat-sessions.js';
import type { Logger, MessageFanout, Throttle } from '../../application/ports.js';
import { CLOSE, WsConnection, type ConnectionKit, type GatewayObserver } from './connection.js';
import { infoFrame } from './frames.js';
import { Liveness } from './liveness.js';
import { parseFrame } from './protocol.js';
import { RoomBroadcaster } from './room-broadcaster.js';
import { rawSocket, TurnWriter } from './turn-writer.js';
import { refuseUpgrade, resumeCursor, upgradeRefusal, type ConnectionLimits, type UpgradeRefusal } from './upgrade-policy.js';

export { CLOSE } from './connection.js';
export type { GatewayObserver } from './connection.js';

export const CHAT_PATHS = new Set(['/', '/ws']);
export const MAX_FRAME_BYTES = 64 * 1024;
/**
 * Pieces one message may come in. Browsers send a message whole; 4 lets a
 * client send the largest message in 16 KiB pieces. ws keeps each piece as
 * a view of the socket read it came in, so an unfinished message pins up to
 * one read (64 KiB) per piece: 4 pieces hold at most 256 KiB, where 64 held
 * 2.9 MiB (npm run probes) and ws's default of 16,384 more still.
 */
export const MAX_FRAGMENTS = 4;
/** Said with the goodbye: a frame that crosses it is never answered, so the client must know what that means. */
export const SHUTDOWN_REASON = 'server shutting down; messages not acknowledged were not stored';

export interface GatewayOptions extends ConnectionLimits {
  /** Frames per connection, keyed by connection. */
  frameThrottle: Throttle;
  heartbeatMs: number;
  /** A connection with more than this many bytes waiting to be sent is too slow to keep. */
  sendBufferMaxBytes: number;
  /** Who a request comes from (the peer, or the client behind a trusted proxy). */
  clientAddress: (request: IncomingMessage) => string;
  observer?: GatewayObserver;
}

/** Sockets in, frames parsed, handed to their chat session; the session's replies go out through the connection. */
export class ChatGateway {
  private readonly server = new WebSocketServer({
    noServer: true,
    // ws closes the connection with 1009 past this size, and with 1008 past this many fragments.
    maxPayload: MAX_FRAME_BYTES,
    maxFragments: MAX_FRAGMENTS,
    perMessageDeflate: false,
    clientTracking: false,
  });
  /** By their TCP socket, which is what TurnWriter's backlog names. */
  private readonly connections = new Map<Writable, WsConnection>();
  private readonly perAddress = new Map<string, number>();
  private readonly writer = new TurnWriter();
  private readonly broadcaster: RoomBroadcaster;
  private readonly liveness: Liveness;
  private readonly kit: ConnectionKit;
  private readonly unsubscribe: () => void;
  private connectionCounter = 0;

  constructor(
    private readonly sessions: ChatSessions<WsConnection>,
    fanout: MessageFanout,
    private readonly logger: Logger,
    private readonly options: GatewayOptions,
  ) {
    this.broadcaster = new RoomBroadcaster(sessions.directory, options.observer);
    this.unsubscribe = fanout.subscribe((message) => this.broadcaster.publish(message));
    this.liveness = new Liveness(this.connections, this.writer.backlog, options.heartbeatMs, options.sendBufferMaxBytes, logger);
    this.kit = {
      sessions,
      writer: this.writer,
      flushBroadcast: () => this.broadcaster.flush(),
      frameThrottle: options.frameThrottle,
      sendBufferMaxBytes: options.sendBufferMaxBytes,
      logger,
      observer: options.observer,
    };
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

  get connectionCount(): number {
    return this.connections.size;
  }

  /**
   * Tell every client the server is going away (1001) and wait for the close
   * handshakes; clients that do not answer within the grace period are cut.
   */
  async close(graceMs = 2000): Promise<void> {
    // Acknowledgements still waiting for the end of this turn go out before the goodbyes.
    this.broadcaster.flush();
    this.unsubscribe();
    this.liveness.stop();
    const closed = [...this.connections.values()].map(
      ({ socket }) =>
        new Promise<void>((resolve) => {
          socket.once('close', () => resolve());
          socket.close(CLOSE.goingAway, SHUTDOWN_REASON);
        }),
    );
    const timer = setTimeout(() => {
      for (const { socket } of this.connections.values()) socket.terminate();
    }, graceMs);
    await Promise.all(closed);
    clearTimeout(timer);
  }

  private refuse(socket: Duplex, address: string, refusal: UpgradeRefusal): true {
    this.logger.warn('connection refused', { address, status: refusal.status, reason: refusal.reason });
    refuseUpgrade(socket, refusal);
    return true;
  }

  private accept(socket: WebSocket, address: string, after: number | undefined): void {
    this.connectionCounter += 1;
    const connection = new WsConnection(socket, address, String(this.connectionCounter), this.kit);
    const raw = rawSocket(socket);
    this.connections.set(raw, connection);
    this.perAddress.set(address, (this.perAddress.get(address) ?? 0) + 1);
    this.logger.info('connection opened', { address, connections: this.connections.size });

    socket.on('error', (error) => this.logger.warn('connection error', { address, error: error.message }));
    socket.on('pong', () => this.liveness.answered(connection));
    socket.on('close', (code) => this.forget(raw, connection, code));
    socket.on('message', (data, isBinary) => this.receive(connection, data, isBinary));
    connection.sendText(infoFrame('WELCOME', 'connected; send "auth <token>" to post, "history <N>" to read back'));
    if (after !== undefined) connection.session.resume(after);
  }

  private receive(connection: WsConnection, data: RawData, isBinary: boolean): void {
    if (!connection.withinRate()) return;
    if (isBinary) return connection.sendError('INVALID_FORMAT', 'send text frames holding JSON');
    // ws hands text frames over as one Buffer (binaryType 'nodebuffer', fragments joined).
    const command = parseFrame((data as Buffer).toString());
    if (command.kind === 'error') return connection.sendError(command.code, command.message, command.context);
    connection.session.handle(command);
  }

  private forget(raw: Writable, connection: WsConnection, code: number): void {
    this.connections.delete(raw);
    connection.forget();
    const left = (this.perAddress.get(connection.address) ?? 1) - 1;
    if (left > 0) this.perAddress.set(connection.address, left);
    else this.perAddress.delete(connection.address);
    this.logger.info('connection closed', {
      address: connection.address,
      user: connection.session.username,
      code,
      connections: this.connections.size,
    });
  }
}
