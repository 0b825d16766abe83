import { createServer, type Server } from 'node:http';
import type { Container } from 'inversify';
import type { Authenticate } from '../application/authenticate.js';
import type { JoinRoom } from '../application/join-room.js';
import type { Login } from '../application/login.js';
import { TYPES, type Logger, type MessageFanout } from '../application/ports.js';
import type { PostMessage } from '../application/post-message.js';
import type { RecallHistory } from '../application/recall-history.js';
import type { RequireRoom } from '../application/require-room.js';
import type { Register } from '../application/register.js';
import { createHttpApp, type HttpAppOptions } from '../adapters/http/http-app.js';
import { ChatGateway, type GatewayOptions } from '../adapters/ws/chat-gateway.js';

export interface ChatServer {
  /** Not listening yet: the caller chooses the port (tests use 0). */
  http: Server;
  gateway: ChatGateway;
}

export interface EdgeOptions {
  http: HttpAppOptions;
  gateway: GatewayOptions;
}

/** Koa and the WebSocket gateway on one http.Server, from the container's use cases. */
export function createChatServer(container: Container, options: EdgeOptions): ChatServer {
  const logger = container.get<Logger>(TYPES.Logger);
  const app = createHttpApp(
    { register: container.get<Register>(TYPES.Register), login: container.get<Login>(TYPES.Login) },
    logger,
    options.http,
  );
  const gateway = new ChatGateway(
    {
      authenticate: container.get<Authenticate>(TYPES.Authenticate),
      postMessage: container.get<PostMessage>(TYPES.PostMessage),
      recallHistory: container.get<RecallHistory>(TYPES.RecallHistory),
      joinRoom: container.get<JoinRoom>(TYPES.JoinRoom),
      requireRoom: container.get<RequireRoom>(TYPES.RequireRoom),
    },
    container.get<MessageFanout>(TYPES.MessageFanout),
    logger,
    options.gateway,
  );

  const http = createServer(app.callback());
  http.on('upgrade', (request, socket, head) => {
    socket.on('error', () => socket.destroy());
    if (!gateway.handleUpgrade(request, socket, head)) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    }
  });
  // A client that sends garbage instead of HTTP gets a 400 like any other error, not an error thrown at the process.
  http.on('clientError', (_error, socket) => {
    if (!socket.writable) return socket.destroy();
    const body = JSON.stringify({ error: { code: 'BAD_REQUEST', message: 'malformed HTTP request' } });
    socket.end(
      'HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Type: application/json\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  });
  return { http, gateway };
}
