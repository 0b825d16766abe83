import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { Authenticate } from '../../application/authenticate.js';
import type { Logger, MessageFanout } from '../../application/ports.js';
import type { PostMessage } from '../../application/post-message.js';
import type { RecallHistory } from '../../application/recall-history.js';
import type { Message } from '../../domain/message.js';
import type { Identity } from '../../domain/user.js';
import { errorReply } from './error-replies.js';
import { errorFrame, historyFrame, infoFrame, messageFrame } from './frames.js';
import { parseFrame } from './protocol.js';

export const CHAT_PATHS = new Set(['/', '/ws']);
export const MAX_FRAME_BYTES = 64 * 1024;
const GOING_AWAY = 1001;

export interface ChatUseCases {
  authenticate: Authenticate;
  postMessage: PostMessage;
  recallHistory: RecallHistory;
}

interface Connection {
  socket: WebSocket;
  address: string;
  identity: Identity | undefined;
  /** Settles when this connection's latest post has been stored or refused. */
  lastPost: Promise<unknown>;
}

/** Sockets in, use cases called, frames out. All protocol rules live in the parser and the use cases. */
export class ChatGateway {
  private readonly server = new WebSocketServer({
    noServer: true,
    // ws closes the connection with 1009 past this size.
    maxPayload: MAX_FRAME_BYTES,
    perMessageDeflate: false,
    clientTracking: false,
  });
  private readonly connections = new Set<Connection>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly useCases: ChatUseCases,
    fanout: MessageFanout,
    private readonly logger: Logger,
  ) {
    this.unsubscribe = fanout.subscribe((message) => this.broadcast(message));
  }

  /** Hand over an HTTP upgrade request. Returns false when the path is not the chat's. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const path = (request.url ?? '/').split('?', 1)[0] ?? '/';
    if (!CHAT_PATHS.has(path)) return false;
    this.server.handleUpgrade(request, socket, head, (ws) => this.accept(ws, request));
    return true;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /**
   * Tell every client the server is going away (1001) and wait for the close
   * handshakes; clients that do not answer within the grace period are cut.
   */
  async close(reason = 'server shutting down', graceMs = 2000): Promise<void> {
    this.unsubscribe();
    const closed = [...this.connections].map(
      ({ socket }) => new Promise<void>((resolve) => {
        socket.once('close', () => resolve());
        socket.close(GOING_AWAY, reason);
      }),
    );
    const timer = setTimeout(() => {
      for (const { socket } of this.connections) socket.terminate();
    }, graceMs);
    await Promise.all(closed);
    clearTimeout(timer);
  }

  private accept(socket: WebSocket, request: IncomingMessage): void {
    const connection: Connection = { socket, address: request.socket.remoteAddress ?? 'unknown', identity: undefined, lastPost: Promise.resolve() };
    this.connections.add(connection);
    this.logger.info('connection opened', { address: connection.address, connections: this.connections.size });

    socket.on('error', (error) => this.logger.warn('connection error', { address: connection.address, error: error.message }));
    socket.on('close', (code) => {
      this.connections.delete(connection);
      this.logger.info('connection closed', {
        address: connection.address,
        user: connection.identity?.username,
        code,
        connections: this.connections.size,
      });
    });
    socket.on('message', (data, isBinary) => this.receive(connection, data, isBinary));
    socket.send(infoFrame('WELCOME', 'connected; send "auth <token>" to post, "history <N>" to read back'));
  }

  private receive(connection: Connection, data: RawData, isBinary: boolean): void {
    if (isBinary) {
      this.reply(connection, errorFrame('INVALID_FORMAT', 'send text frames holding JSON'));
      return;
    }
    const command = parseFrame(data.toString());
    switch (command.kind) {
      case 'error':
        this.reply(connection, errorFrame(command.code, command.message));
        return;
      case 'auth':
        try {
          connection.identity = this.useCases.authenticate.execute(command);
          this.reply(connection, infoFrame('AUTHENTICATED', `authorized as ${connection.identity.username}`));
        } catch (error) {
          this.fail(connection, error);
        }
        return;
      case 'history':
        // Read your own writes: history includes what this connection posted before asking.
        connection.lastPost
          .then(() => this.useCases.recallHistory.execute(command))
          .then(
          (messages) => this.reply(connection, historyFrame(messages)),
          (error: unknown) => this.fail(connection, error),
        );
        return;
      case 'post':
        // No reply on success: the broadcast copy is the sender's acknowledgement.
        connection.lastPost = this.useCases.postMessage
          .execute({ identity: connection.identity, username: command.username, text: command.text })
          .catch((error: unknown) => this.fail(connection, error));
        return;
    }
  }

  private fail(connection: Connection, error: unknown): void {
    const reply = errorReply(error);
    if (reply.unexpected !== undefined) {
      this.logger.error('frame failed', { address: connection.address, error: reply.unexpected });
    }
    if (reply.unauthorize) connection.identity = undefined;
    this.reply(connection, errorFrame(reply.code, reply.message));
  }

  private reply(connection: Connection, frame: string): void {
    if (connection.socket.readyState === WebSocket.OPEN) connection.socket.send(frame);
  }

  private broadcast(message: Message): void {
    // Encoded once for every receiver; ws only adds each connection's header.
    const frame = Buffer.from(messageFrame(message));
    for (const { socket } of this.connections) {
      if (socket.readyState === WebSocket.OPEN) socket.send(frame, { binary: false });
    }
  }
}
