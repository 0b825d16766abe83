import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type Koa from 'koa';
import type { Logger } from '../application/ports.js';
import type { ChatGateway } from '../adapters/ws/chat-gateway.js';
import { refuseOnSocket, type HttpRefusal } from '../adapters/ws/http-refusal.js';
import { SocketGuard, type SocketLimits } from './socket-guard.js';

/**
 * The request timeouts are checked every second, so a silent socket is gone
 * within HEADERS_TIMEOUT + 1 s instead of Node's 60 + 30.
 */
const TIMEOUT_CHECK_MS = 1000;

/** Below HTTP: sockets per address, and how long a client may take to send its request. */
export interface ConnectionLimits extends SocketLimits {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
}

export interface ChatServer {
  /** Not listening yet: the caller chooses the port (tests use 0). */
  http: Server;
  sockets: SocketGuard;
}

/** Koa and the WebSocket gateway on one http.Server, with the limits that hold below both. */
export function createChatServer(app: Koa, gateway: ChatGateway, limits: ConnectionLimits, logger: Logger): ChatServer {
  const handle = app.callback();
  // Koa's handler answers its own failures: the promise it returns never rejects.
  const http = createServer({ connectionsCheckingInterval: TIMEOUT_CHECK_MS }, (request, response) => void handle(request, response));
  http.headersTimeout = limits.headersTimeoutMs;
  http.requestTimeout = limits.requestTimeoutMs;
  const sockets = new SocketGuard(limits, logger);
  // Before the HTTP parser sees the socket: a refused one never reaches Koa.
  http.prependListener('connection', sockets.admit);
  http.on('upgrade', (request, socket, head) => {
    socket.on('error', () => socket.destroy());
    if (!gateway.handleUpgrade(request, socket, head)) {
      refuseOnSocket(socket, { status: 404, code: 'NOT_FOUND', message: `nothing at ${request.url ?? '/'}; the chat is at /ws` });
    }
  });
  // A client that sends garbage instead of HTTP, or too slowly, gets an error like any other, not one thrown at the process.
  http.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    const refusal = clientErrorRefusal(error.code, limits);
    // A socket that never said anything has no request to answer (a preconnect, a health check).
    if (refusal.status === 408 && (socket as Socket).bytesRead === 0) return socket.destroy();
    refuseOnSocket(socket, refusal);
  });
  return { http, sockets };
}

function clientErrorRefusal(code: string | undefined, limits: ConnectionLimits): HttpRefusal {
  switch (code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      // Node gives the same code for both timeouts: the message names both.
      return {
        status: 408,
        code: 'REQUEST_TIMEOUT',
        message: `send the request's headers within ${limits.headersTimeoutMs / 1000} s and the whole request within ${limits.requestTimeoutMs / 1000} s`,
      };
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, code: 'HEADERS_TOO_LARGE', message: 'request headers are too large' };
    default:
      return { status: 400, code: 'BAD_REQUEST', message: 'malformed HTTP request' };
  }
}
