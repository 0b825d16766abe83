/**
 * The no-database ceiling (`npm run bench -- --ceiling`): the least a
 * Node.js + ws server must do to pass the bench's chat scenarios, as fast as
 * it can be done on this machine. Whatever the real server adds (storage,
 * sessions, rooms, limits, logs) shows as the distance to it.
 *
 * It does what the real server does per frame and per delivery, and nothing
 * else: the upgrade through ws, a WELCOME frame with the 101 in one write,
 * `auth <token>` checked as a JWT (HS256, the bench's secret), messages
 * numbered in memory and broadcast framed once, every socket written once
 * per turn (corked). `POST /api/reg` signs a token without storing anything.
 * No history, no database, no rooms but one: `fanout`, `latency`, `ingest`
 * and `connections` run on it, the others do not.
 */
import { createSecretKey } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import jwt from 'jsonwebtoken';
import { WebSocketServer, type WebSocket } from 'ws';
import { textFrame, TurnWriter } from '../src/adapters/ws/turn-writer.js';

// A key object made once, as the server does: given a string, jsonwebtoken makes one per call.
const secret = createSecretKey(Buffer.from(process.env.JWT_SECRET ?? 'ceiling', 'utf8'));
const port = Number(process.env.PORT ?? 0);
const host = process.env.HOST ?? '127.0.0.1';

const info = (code: string, message: string): string => JSON.stringify({ type: 'info', code, message });
const error = (code: string, message: string): string => JSON.stringify({ type: 'error', code, message });

interface Client {
  socket: WebSocket;
  username: string | undefined;
}

const clients = new Set<Client>();
// The server's own writer: frames corked per turn, one write per socket, the 101 and WELCOME together.
const writer = new TurnWriter();
let nextId = 1;
let outgoing: Buffer[] = [];

function flushBroadcast(): void {
  const frames = Buffer.concat(outgoing);
  outgoing = [];
  for (const client of clients) writer.writeFrame(client.socket, frames);
}

function reply(client: Client, json: string): void {
  writer.writeFrame(client.socket, textFrame(json));
}

function receive(client: Client, data: Buffer): void {
  let frame: { username?: unknown; message?: unknown };
  try {
    frame = JSON.parse(data.toString()) as typeof frame;
  } catch {
    return reply(client, error('INVALID_JSON', 'not JSON'));
  }
  const { username, message } = frame;
  if (typeof username !== 'string' || typeof message !== 'string') return reply(client, error('INVALID_FORMAT', 'username and message'));
  if (message.startsWith('auth ')) {
    try {
      const claims = jwt.verify(message.slice(5), secret, { algorithms: ['HS256'] }) as { sub?: string };
      if (claims.sub !== username) return reply(client, error('USERNAME_MISMATCH', 'another user'));
      client.username = username;
      return reply(client, info('AUTHENTICATED', `authorized as ${username}`));
    } catch {
      return reply(client, error('INVALID_TOKEN', 'bad token'));
    }
  }
  if (client.username !== username) return reply(client, error('NOT_AUTHORIZED', 'send auth first'));
  if (outgoing.length === 0) process.nextTick(flushBroadcast);
  const json = JSON.stringify({ id: nextId++, username, message, createdAt: new Date().toISOString() });
  outgoing.push(textFrame(`{"type":"message","room":"general",${json.slice(1)}`));
}

function register(request: IncomingMessage, response: ServerResponse): void {
  let body = '';
  request.on('data', (chunk: Buffer) => (body += chunk.toString()));
  request.on('end', () => {
    const { username } = JSON.parse(body) as { username: string };
    const token = jwt.sign({ sub: username }, secret, { algorithm: 'HS256', expiresIn: '1d' });
    response.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ username, token }));
  });
}

const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, clientTracking: false, maxPayload: 64 * 1024 });
const server = createServer((request, response) => {
  if (request.method === 'POST' && (request.url === '/api/reg' || request.url === '/api/login')) return register(request, response);
  response.writeHead(request.url === '/readyz' ? 200 : 404).end();
});
server.on('upgrade', (request: IncomingMessage, socket: Socket, head: Buffer) => {
  writer.hold(socket);
  wss.handleUpgrade(request, socket, head, (ws: WebSocket) => {
    const client: Client = { socket: ws, username: undefined };
    clients.add(client);
    ws.on('message', (data: Buffer) => receive(client, data));
    ws.on('close', () => clients.delete(client));
    ws.on('error', () => clients.delete(client));
    reply(client, info('WELCOME', 'connected'));
  });
});
server.listen(port, host);
process.on('SIGTERM', () => {
  for (const client of clients) client.socket.terminate();
  server.close(() => process.exit(0));
});
