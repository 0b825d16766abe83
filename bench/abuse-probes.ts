/**
 * npm run probes -- [--only sockets,churn,fragments,anonymous-writes,anonymous-catch-up] [--pg-url URL]
 *
 * Issue #14's abuse cases, measured against the real server with its own
 * default limits: src/main.ts under tsx as its own process, configured by
 * environment only (a fresh PostgreSQL schema per probe, PORT=0, HOST,
 * BCRYPT_COST=4, LOG_LEVEL=warn, nothing else), driven from this process over
 * loopback. Each probe comes from its own 127/8 source address, since the
 * server keeps several budgets per client address. Progress goes to stderr;
 * stdout gets one table line per figure, then the method. The figures are
 * counts and bounds; timings on a shared machine are indications only.
 * docs/reliability.md holds the table and says what each figure means.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import net from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { WebSocket } from 'ws';
import { openDatabase } from '../src/infrastructure/database.js';
import { encodeFrame, OPCODE, RawWebSocket } from '../test/support/raw-websocket.js';
import { latencyHistogram, percentiles, recordMs, sleep } from './harness.js';
import { PRLIMIT, processRssKiB } from './server-process.js';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const HOST = '127.0.0.1';
const PASSWORD = 'probe password 1';

/** The defaults the probes compare against (docs/protocol.md, Limits); the server is started without setting any of them. */
const DEFAULTS = {
  socketsPerAddress: 50,
  messageBurst: 20,
  messageWindowSeconds: 2,
  frameBurst: 40,
  framesPerSecond: 20,
  maxFragments: 4,
  anonymousReadsPerSecond: 1000,
};

interface Line {
  probe: string;
  done: string;
  figure: string;
}

const lines: Line[] = [];

function report(probe: string, done: string, figure: string): void {
  lines.push({ probe, done, figure });
  progress(`  ${probe}: ${figure}`);
}

function progress(text: string): void {
  process.stderr.write(`${text}\n`);
}

const ms = (value: number) => `${Math.round(value).toLocaleString('en')} ms`;
const count = (value: number) => value.toLocaleString('en');
const mib = (kib: number) => `${(kib / 1024).toFixed(1)} MiB`;

// ------------------------------------------------------- the server under probe

/** The server as `npm start` runs it, but from src/ under tsx; its port is the one the kernel gave it (PORT=0). */
class ProbedServer {
  /** Its stdout and stderr at LOG_LEVEL=warn: refusals and faults. */
  readonly logLines: string[] = [];
  private readonly exited: Promise<number | null>;

  private constructor(
    private readonly child: ChildProcess,
    readonly pid: number,
    readonly port: number,
    exited: Promise<number | null>,
    logLines: string[],
  ) {
    this.exited = exited;
    this.logLines = logLines;
  }

  static async start(databaseUrl: string, dataDir: string, openFiles: number | undefined): Promise<ProbedServer> {
    const node = [process.execPath, '--import', 'tsx', 'src/main.ts'];
    if (openFiles !== undefined && !PRLIMIT) throw new Error('prlimit is needed to start the server with a descriptor limit');
    // prlimit sets the limit and execs node in place: the pid stays the server's.
    const [command, ...args] = openFiles === undefined ? node : [PRLIMIT as string, `--nofile=${openFiles}`, ...node];
    const child = spawn(command as string, args, {
      cwd: REPO_ROOT,
      // Only these: every limit is the server's default (.env in the checkout repeats them; it never overrides what is set here).
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        DATABASE_URL: databaseUrl,
        DATA_DIR: dataDir,
        PORT: '0',
        HOST,
        BCRYPT_COST: '4',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (child.pid === undefined) throw new Error('could not spawn the server');
    const logLines: string[] = [];
    // Both streams are read to the end: a full pipe would block the server.
    for (const stream of [child.stdout, child.stderr]) createInterface({ input: stream }).on('line', (line) => logLines.push(line));
    let exitCode: number | null | undefined;
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve((exitCode = code))));
    const deadline = performance.now() + 60_000;
    for (;;) {
      if (exitCode !== undefined) throw new Error(`server exited with ${exitCode}:\n${logLines.slice(-20).join('\n')}`);
      const port = listeningPort(child.pid);
      if (port !== undefined) return new ProbedServer(child, child.pid, port, exited, logLines);
      if (performance.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`server did not listen within 60 s:\n${logLines.slice(-20).join('\n')}`);
      }
      await sleep(100);
    }
  }

  get baseUrl(): string {
    return `http://${HOST}:${this.port}`;
  }

  rssKiB(): number {
    return processRssKiB(this.pid) ?? Number.NaN;
  }

  /** Open file descriptors of the server process. */
  descriptors(): number {
    try {
      return readdirSync(`/proc/${this.pid}/fd`).length;
    } catch {
      return Number.NaN;
    }
  }

  /** SIGTERM as an operator would; killed if it has not exited in 15 s. */
  async stop(): Promise<number | null> {
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }
}

/** The TCP port a process listens on, read from /proc (its socket inodes against the listening sockets' table). */
function listeningPort(pid: number): number | undefined {
  const inodes = new Set<string>();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      const target = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (target) inodes.add(target[1] as string);
    }
    for (const row of readFileSync(`/proc/${pid}/net/tcp`, 'utf8').split('\n').slice(1)) {
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
      const fields = row.trim().split(/\s+/);
      if (fields[3] === '0A' && inodes.has(fields[9] ?? '')) return parseInt(fields[1]?.split(':')[1] ?? '', 16);
    }
  } catch {
    // The process is still starting, or has gone.
  }
  return undefined;
}

interface ProbeDatabase {
  /** DATABASE_URL for the server: the fresh schema as search_path. */
  url: string;
  query<Row extends object>(text: string, values?: unknown[]): Promise<Row[]>;
}

/**
 * A fresh schema migrated by the server's own migrations, `prepare` run on
 * it, the server started on it; afterwards the server stopped and the
 * schema dropped, whatever happened.
 */
async function withServer<T>(
  name: string,
  options: { pgUrl: string; openFiles?: number; prepare?: (db: ProbeDatabase) => Promise<void> },
  probe: (server: ProbedServer, db: ProbeDatabase) => Promise<T>,
): Promise<T> {
  const schema = `probes_${process.pid}_${name.replaceAll('-', '_')}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'chat-probes-'));
  const url = new URL(options.pgUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  const client = new pg.Client({ connectionString: url.toString() });
  const db: ProbeDatabase = {
    url: url.toString(),
    query: async <Row extends object>(text: string, values?: unknown[]) => (await client.query<Row>(text, values)).rows,
  };
  let server: ProbedServer | undefined;
  try {
    await (await openDatabase({ url: options.pgUrl, dataDir, schema })).destroy();
    await client.connect();
    await options.prepare?.(db);
    server = await ProbedServer.start(db.url, dataDir, options.openFiles);
    progress(`${name}: server pid ${server.pid} on port ${server.port}${options.openFiles ? ` (nofile ${options.openFiles})` : ''}, schema ${schema}`);
    return await probe(server, db);
  } finally {
    const code = await server?.stop();
    if (code !== undefined && code !== 0) progress(`${name}: server exited with ${code}:\n${server?.logLines.slice(-10).join('\n')}`);
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch((error: Error) => progress(`could not drop ${schema}: ${error.message}`));
    await client.end().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- clients

interface HttpReply {
  status: number;
  code: string | undefined;
  token: string | undefined;
  ms: number;
}

/** One POST on its own socket from `localAddress`. */
function postJson(server: ProbedServer, path: string, body: unknown, localAddress: string): Promise<HttpReply> {
  const data = JSON.stringify(body);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: HOST,
        port: server.port,
        path,
        method: 'POST',
        localAddress,
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const json = parseJson(Buffer.concat(chunks).toString());
          resolve({ status: res.statusCode ?? 0, code: json?.error?.code, token: json?.token, ms: performance.now() - started });
        });
      },
    );
    req.setTimeout(30_000, () => req.destroy(new Error(`POST ${path} timed out`)));
    req.on('error', reject);
    req.end(data);
  });
}

async function register(server: ProbedServer, username: string, localAddress: string): Promise<string> {
  const reply = await postJson(server, '/api/reg', { username, password: PASSWORD }, localAddress);
  if (reply.status !== 201 || !reply.token) throw new Error(`registering ${username}: ${reply.status} ${reply.code}`);
  return reply.token;
}

interface Frame {
  type: string;
  code?: string;
  username?: string;
  clientId?: string;
  messages?: unknown[];
  more?: boolean;
}

interface ParsedJson {
  error?: { code?: string };
  token?: string;
}

function parseJson(text: string): ParsedJson | undefined {
  try {
    return JSON.parse(text) as ParsedJson;
  } catch {
    return undefined;
  }
}

/** A WebSocket client from one source address: frames go to `onFrame`, and `waitFor` waits for one that matches. */
class ChatClient {
  onFrame: (frame: Frame, bytes: number) => void = () => undefined;
  readonly closed: Promise<void>;
  private readonly waiters = new Set<{ match: (frame: Frame) => boolean; fail: (error: Error) => void }>();
  private lastError = 'closed';

  private constructor(readonly socket: WebSocket) {
    socket.on('error', (error) => (this.lastError = error.message));
    socket.on('message', (data: Buffer) => {
      const frame = JSON.parse(data.toString()) as Frame;
      this.onFrame(frame, data.length);
      for (const waiter of this.waiters) if (waiter.match(frame)) this.waiters.delete(waiter);
    });
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        for (const waiter of this.waiters) waiter.fail(new Error(`connection ${this.lastError} while waiting for a frame`));
        this.waiters.clear();
        resolve();
      }),
    );
  }

  /** Open once the WELCOME frame has come; `onFrame` hears every frame from the first (a catch-up's pages follow the WELCOME at once). */
  static async open(server: ProbedServer, path: string, localAddress: string, onFrame?: ChatClient['onFrame']): Promise<ChatClient> {
    const client = new ChatClient(new WebSocket(`ws://${HOST}:${server.port}${path}`, { localAddress }));
    if (onFrame) client.onFrame = onFrame;
    await client.waitFor((frame) => frame.code === 'WELCOME');
    return client;
  }

  send(frame: Record<string, unknown>): void {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(frame));
  }

  waitFor(test: (frame: Frame) => boolean, timeoutMs = 10_000): Promise<Frame> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`no matching frame within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = {
        match: (frame: Frame) => {
          if (!test(frame)) return false;
          clearTimeout(timer);
          resolve(frame);
          return true;
        },
        fail: (error: Error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      this.waiters.add(waiter);
    });
  }

  async auth(username: string, token: string): Promise<void> {
    this.send({ username, message: `auth ${token}` });
    const answer = await this.waitFor((frame) => frame.code === 'AUTHENTICATED' || frame.type === 'error');
    if (answer.code !== 'AUTHENTICATED') throw new Error(`auth as ${username}: ${answer.code}`);
  }

  async close(): Promise<void> {
    this.socket.close();
    await this.closed;
  }
}

/** What a raw HTTP answer says: its status and JSON error code, or how the socket ended without one. */
function describeAnswer(bytes: Buffer, error: string | undefined): string {
  if (bytes.length === 0) return error ? `no answer (${error})` : 'closed without an answer';
  const text = bytes.toString('latin1');
  const status = /^HTTP\/1\.1 (\d+)/.exec(text)?.[1] ?? '?';
  const code = parseJson(text.slice(text.indexOf('\r\n\r\n') + 4))?.error?.code;
  return code ? `${status} ${code}` : status;
}

interface PlainSocket {
  socket: net.Socket;
  openedAt: number;
  received: Buffer[];
  closedAt: number | undefined;
  error: string | undefined;
}

/** A TCP connection to the server from `localAddress`, recording what it is sent and when it ends. */
function openSocket(server: ProbedServer, localAddress: string): Promise<PlainSocket> {
  return new Promise((resolve) => {
    const socket = net.connect({ port: server.port, host: HOST, localAddress });
    const entry: PlainSocket = { socket, openedAt: Number.NaN, received: [], closedAt: undefined, error: undefined };
    socket.on('data', (chunk: Buffer) => entry.received.push(chunk));
    socket.on('close', () => (entry.closedAt = performance.now()));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      entry.error = error.code ?? error.message;
      resolve(entry);
    });
    socket.once('connect', () => {
      entry.openedAt = performance.now();
      resolve(entry);
    });
  });
}

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) return false;
    await sleep(50);
  }
  return true;
}

// ------------------------------------------------------------------ probes

/**
 * 1. One address opens 1,100 sockets that say nothing, against a server
 * with 1,024 descriptors. Meanwhile another address registers, logs in and
 * chats, and a third trickles a request a byte a second.
 */
async function socketExhaustion(server: ProbedServer): Promise<void> {
  const attacker = '127.0.0.2';
  const bystander = '127.0.0.3';
  const trickler = '127.0.0.4';
  const probe = '1. socket exhaustion';
  const descriptorsBefore = server.descriptors();
  const headerTrickle = trickle(server, trickler, 'GET /healthz HTTP/1.1\r\nHost: probe\r\nX-Trickle: ');
  const bodyTrickle = trickle(server, trickler, 'POST /api/login HTTP/1.1\r\nHost: probe\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n');

  const sockets: PlainSocket[] = [];
  for (let i = 0; i < 1100; i += 100) sockets.push(...(await Promise.all(Array.from({ length: 100 }, () => openSocket(server, attacker)))));
  // Refusals are written as each socket is accepted; a second and a half is plenty for the last of them.
  await sleep(1500);
  const kept = sockets.filter((s) => s.received.length === 0 && s.closedAt === undefined && !s.error);
  const answers = new Map<string, number>();
  for (const s of sockets) {
    if (kept.includes(s)) continue;
    const answer = describeAnswer(Buffer.concat(s.received), s.error);
    answers.set(answer, (answers.get(answer) ?? 0) + 1);
  }
  const descriptorsDuring = server.descriptors();
  report(
    probe,
    `1,100 silent TCP sockets from ${attacker}, server under prlimit --nofile=1024`,
    `${count(kept.length)} kept open (MAX_CONNECTIONS_PER_ADDRESS ${DEFAULTS.socketsPerAddress}); the other ${count(sockets.length - kept.length)}: ` +
      [...answers].map(([answer, n]) => `${count(n)} × ${answer}`).join(', ') +
      `; server descriptors ${descriptorsBefore} before, ${descriptorsDuring} during`,
  );

  // Meanwhile, another address: HTTP and chat.
  const registered = await postJson(server, '/api/reg', { username: 'bystander', password: PASSWORD }, bystander);
  const loggedIn = await postJson(server, '/api/login', { username: 'bystander', password: PASSWORD }, bystander);
  const chatStarted = performance.now();
  let chat: string;
  try {
    const client = await ChatClient.open(server, '/ws', bystander);
    await client.auth('bystander', registered.token ?? '');
    const ack = client.waitFor((frame) => frame.clientId === 'during-attack' || frame.type === 'error');
    client.send({ username: 'bystander', message: 'still here', clientId: 'during-attack' });
    const answer = await ack;
    chat = answer.type === 'message' ? `connect + auth + post acknowledged in ${ms(performance.now() - chatStarted)}` : `post answered ${answer.code}`;
    await client.close();
  } catch (error) {
    chat = `failed: ${(error as Error).message}`;
  }
  report(
    probe,
    `meanwhile from ${bystander}: register, log in, chat`,
    `register ${registered.status} in ${ms(registered.ms)}, login ${loggedIn.status} in ${ms(loggedIn.ms)}, ${chat}`,
  );

  // How long the server keeps the silent ones.
  await waitUntil(() => kept.every((s) => s.closedAt !== undefined), 20_000);
  const lifetimes = kept.filter((s) => s.closedAt !== undefined).map((s) => (s.closedAt as number) - s.openedAt);
  const answered = kept.filter((s) => s.received.length > 0).length;
  const again = await openSocket(server, attacker);
  again.socket.write('GET /healthz HTTP/1.1\r\nHost: probe\r\nConnection: close\r\n\r\n');
  await waitUntil(() => again.closedAt !== undefined, 5000);
  report(
    probe,
    `the ${count(kept.length)} kept silent sockets`,
    `${lifetimes.length} closed by the server after ${ms(Math.min(...lifetimes))}–${ms(Math.max(...lifetimes))}, ` +
      `${answered === 0 ? 'without an answer' : `${answered} with an answer`}; then ${attacker} is served again (${describeAnswer(Buffer.concat(again.received), again.error)})`,
  );
  for (const s of sockets) s.socket.destroy();

  const [headers, body] = await Promise.all([headerTrickle, bodyTrickle]);
  report(probe, 'a request trickled a byte a second: headers that never end', `${headers.answer} after ${ms(headers.ms)}`);
  report(probe, 'a request trickled a byte a second: complete headers, a 1,000-byte body', `${body.answer} after ${ms(body.ms)}`);
}

/** Writes `head`, then one more byte a second, until the server answers or closes (at most 45 s). */
async function trickle(server: ProbedServer, localAddress: string, head: string): Promise<{ answer: string; ms: number }> {
  const entry = await openSocket(server, localAddress);
  entry.socket.write(head);
  const timer = setInterval(() => {
    if (!entry.socket.destroyed && entry.received.length === 0) entry.socket.write(' ');
  }, 1000);
  await waitUntil(() => entry.closedAt !== undefined || entry.received.length > 0, 45_000);
  clearInterval(timer);
  const answeredAt = entry.closedAt ?? performance.now();
  entry.socket.destroy();
  return { answer: describeAnswer(Buffer.concat(entry.received), entry.error), ms: answeredAt - entry.openedAt };
}

/**
 * 2. One user reconnects as fast as it can: a new connection, `auth`, as
 * many chat messages as the fresh connection's frame budget takes, close.
 */
async function reconnectChurn(server: ProbedServer, db: ProbeDatabase): Promise<void> {
  const address = '127.0.0.8';
  for (const seconds of [2, 10]) {
    const username = `churn${seconds}`;
    const token = await register(server, username, address);
    let connections = 0;
    let acknowledged = 0;
    let refused = 0;
    let sent = 0;
    const started = performance.now();
    while (performance.now() - started < seconds * 1000) {
      const client = await ChatClient.open(server, '/ws', address);
      client.onFrame = (frame) => {
        if (frame.type === 'message' && frame.username === username) acknowledged += 1;
        if (frame.code === 'RATE_LIMITED') refused += 1;
      };
      await client.auth(username, token);
      // The auth was the first frame of this connection's budget.
      for (let i = 1; i < DEFAULTS.frameBurst; i++) client.send({ username, message: `churn ${sent++}` });
      await client.close();
      connections += 1;
    }
    const elapsed = (performance.now() - started) / 1000;
    await sleep(500);
    const [row] = await db.query<{ stored: string }>('SELECT count(*) AS stored FROM messages WHERE username = $1', [username]);
    const stored = Number(row?.stored);
    // The user's first message opens its first window: a fresh user's run of T seconds spans at most ceil(T / 2 s) windows.
    const windows = Math.ceil(elapsed / DEFAULTS.messageWindowSeconds);
    report(
      '2. reconnect churn',
      `one user, ${seconds} s: connect, auth, ${DEFAULTS.frameBurst - 1} messages, close, again`,
      `${count(connections)} connections, ${count(sent)} messages sent in ${elapsed.toFixed(1)} s; ` +
        `${count(stored)} stored (${(stored / elapsed).toFixed(1)}/s; the budget's bound ${windows * DEFAULTS.messageBurst}); ` +
        `answers seen before each close: ${count(acknowledged)} acknowledgements, ${count(refused)} RATE_LIMITED`,
    );
  }
}

/**
 * 3. An unfinished text message in many small fragments: 16,384 of 7 bytes,
 * as the issue sent them; then 64 (the most allowed), each in a read of its
 * own, padded to 64 KiB with pongs.
 */
async function fragments(server: ProbedServer): Promise<void> {
  const address = '127.0.0.9';
  const probe = '3. fragments';
  const piece = Buffer.from('{"usern');
  const fragment = (i: number) => encodeFrame({ opcode: i === 0 ? OPCODE.text : OPCODE.continuation, payload: piece, fin: false });

  // One connection: the limit exactly.
  const single = await RawWebSocket.connect(server.baseUrl, '/ws', { localAddress: address });
  await single.nextJson();
  single.write(Buffer.concat(Array.from({ length: DEFAULTS.maxFragments }, (_, i) => fragment(i))));
  const frameAtLimit = await single.nextFrame(1000).then(
    (frame) => frame.opcode,
    () => undefined,
  );
  single.write(Buffer.concat(Array.from({ length: 16_384 - DEFAULTS.maxFragments }, (_, i) => fragment(DEFAULTS.maxFragments + i))));
  const close = await single.closeFrame(5000).catch((error: Error) => ({ code: undefined, reason: error.message }));
  single.destroy();
  report(
    probe,
    `one connection: ${DEFAULTS.maxFragments} fragments of 7 bytes, then the rest of 16,384`,
    `${frameAtLimit === undefined ? 'no answer (still open) after' : `opcode ${frameAtLimit} after`} ${DEFAULTS.maxFragments}; then close ${close.code}${close.reason ? ` "${close.reason}"` : ''}`,
  );

  // Twenty at once, the issue's way: the server's memory before, at its peak, and after.
  const rssBefore = server.rssKiB();
  let rssPeak = rssBefore;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, server.rssKiB())), 20);
  const codes = await Promise.all(
    Array.from({ length: 20 }, async () => {
      const client = await RawWebSocket.connect(server.baseUrl, '/ws', { localAddress: address });
      await client.nextJson();
      client.write(Buffer.concat(Array.from({ length: 16_384 }, (_, i) => fragment(i))));
      const { code } = await client.closeFrame(10_000).catch(() => ({ code: undefined }));
      client.destroy();
      return code;
    }),
  );
  clearInterval(sampler);
  await sleep(1000);
  const rssAfter = server.rssKiB();
  report(
    probe,
    '20 connections at once, each 16,384 fragments of 7 bytes',
    `${codes.filter((code) => code === 1008).length} of 20 closed with 1008; server RSS ${mib(rssBefore)} → peak ${mib(rssPeak)} → ${mib(rssAfter)} a second later ` +
      `(peak ${((rssPeak - rssBefore) / 20).toFixed(0)} KiB per connection)`,
  );

  // What the limit is for: how much one unfinished message may hold while the connection stays open.
  // The same bytes without the fragments first, so that what the reads themselves cost is seen apart.
  const padding = await holdPadded(server, address, () => encodeFrame({ opcode: OPCODE.pong, payload: piece }));
  report(
    probe,
    `control: 20 connections, each ${DEFAULTS.maxFragments} writes of 64 KiB of pongs, no fragment`,
    `${padding.open} of 20 open; server RSS ${mib(padding.rssBefore)} → ${mib(padding.rssHeld)} (${perConnection(padding)} per connection)`,
  );
  const heldFragments = await holdPadded(server, address, fragment);
  report(
    probe,
    `20 connections, each ${DEFAULTS.maxFragments} fragments of 7 bytes (allowed), each sent in a 64 KiB write padded with pongs`,
    `${heldFragments.open} of 20 still open; server RSS ${mib(heldFragments.rssBefore)} → ${mib(heldFragments.rssHeld)} (${perConnection(heldFragments)} per connection, a second after the last write)`,
  );
}

const perConnection = ({ rssBefore, rssHeld }: { rssBefore: number; rssHeld: number }) => `${((rssHeld - rssBefore) / 20 / 1024).toFixed(2)} MiB`;

/**
 * Twenty connections each write `frame(i)` for i < 64, each padded to a 64 KiB
 * write of its own; the server's RSS before, and once it has read all of it
 * (a ping answered with a pong, and no close frame before it, says so and
 * that the connection is still open).
 */
async function holdPadded(server: ProbedServer, address: string, frame: (i: number) => Buffer): Promise<{ open: number; rssBefore: number; rssHeld: number }> {
  const held = await Promise.all(Array.from({ length: 20 }, () => RawWebSocket.connect(server.baseUrl, '/ws', { localAddress: address })));
  for (const client of held) await client.nextJson();
  await sleep(1000);
  const rssBefore = server.rssKiB();
  for (let i = 0; i < DEFAULTS.maxFragments; i++) {
    for (const client of held) client.write(paddedFragment(frame(i)));
    await sleep(5);
  }
  for (const client of held) client.send({ opcode: OPCODE.ping, payload: 'read?' });
  const answered = await Promise.all(
    held.map((client) =>
      client
        .nextFrame(10_000)
        .then((next) => next.opcode === OPCODE.pong)
        .catch(() => false),
    ),
  );
  await sleep(1000);
  const rssHeld = server.rssKiB();
  for (const client of held) client.destroy();
  await sleep(1000);
  return { open: answered.filter(Boolean).length, rssBefore, rssHeld };
}

/** One frame followed by unsolicited pongs (ignored by the server) up to exactly 64 KiB, so that it arrives in a read of its own. */
function paddedFragment(frame: Buffer): Buffer {
  const size = 64 * 1024;
  const pong = (payloadLength: number) => encodeFrame({ opcode: OPCODE.pong, payload: Buffer.alloc(payloadLength, 0x61) });
  const parts = [frame];
  let length = frame.length;
  // A pong of 125 bytes is 131 on the wire; the last one fills what is left (at least 6 bytes of header and mask).
  while (size - length >= 131 + 6) {
    parts.push(pong(125));
    length += 131;
  }
  parts.push(pong(size - length - 6));
  return Buffer.concat(parts);
}

/** 4. Twenty connections without a user try to create rooms, as fast as the frame budget lets them, for 7 s. */
async function anonymousWrites(server: ProbedServer, db: ProbeDatabase): Promise<void> {
  const address = '127.0.0.5';
  const roomsBefore = await roomCount(db);
  const answers = new Map<string, number>();
  const clients = await Promise.all(Array.from({ length: 20 }, () => ChatClient.open(server, '/ws', address)));
  let sent = 0;
  const join = (client: ChatClient) => {
    client.send({ type: 'join', room: `spam-${randomBytes(6).toString('hex')}` });
    sent += 1;
  };
  for (const client of clients) {
    client.onFrame = (frame) => {
      const answer = frame.type === 'error' ? (frame.code ?? 'error') : frame.type;
      answers.set(answer, (answers.get(answer) ?? 0) + 1);
    };
    // The whole burst at once, then the refill rate: the bucket is empty from then on, so a join that comes a little
    // ahead of its token (after one the event loop delayed) is refused; any faster and every extra one would be.
    for (let i = 0; i < DEFAULTS.frameBurst; i++) join(client);
  }
  const timer = setInterval(() => clients.forEach(join), 1000 / DEFAULTS.framesPerSecond);
  await sleep(7000);
  clearInterval(timer);
  await sleep(1000);
  const open = clients.filter((client) => client.socket.readyState === WebSocket.OPEN).length;
  await Promise.all(clients.map((client) => client.close()));
  const roomsAfter = await roomCount(db);
  report(
    '4. anonymous writes',
    `20 connections without a user, 7 s of {"type":"join","room":"<random>"} at the frame budget`,
    `${count(sent)} joins sent; rooms table ${roomsBefore} → ${roomsAfter} rows (+${roomsAfter - roomsBefore}); answers: ` +
      [...answers].map(([answer, n]) => `${count(n)} ${answer}`).join(', ') +
      `; ${open} of 20 still open at the end`,
  );
}

async function roomCount(db: ProbeDatabase): Promise<number> {
  const [row] = await db.query<{ rooms: string }>('SELECT count(*) AS rooms FROM rooms');
  return Number(row?.rooms);
}

const PREFILL = 200_000;
const PREFILL_BATCH = 10_000;
/** About the size of the issue's messages (34 MB for 158k, with the frame around each). */
const PREFILL_TEXT = 'x'.repeat(110);

/** Stores PREFILL messages in `general` the way the server stores them (dense ids), without a client. */
async function prefill(db: ProbeDatabase): Promise<void> {
  const started = performance.now();
  const createdAt = new Date().toISOString();
  for (let first = 0; first < PREFILL; first += PREFILL_BATCH) {
    const rows = Array.from({ length: PREFILL_BATCH }, (_, i) => first + i + 1);
    await db.query('SELECT count(*) FROM append_messages($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::text[])', [
      rows.map(() => 'general'),
      rows.map(() => 'zoe'),
      rows.map((n) => `prefill ${n} ${PREFILL_TEXT}`),
      rows.map(() => createdAt),
      // No client ids: the plain numbered insert.
      [],
    ]);
  }
  progress(`anonymous-catch-up: ${count(PREFILL)} messages stored in ${ms(performance.now() - started)}`);
}

/**
 * 5. Ten connections without a user, from one address, catch up from id 0
 * on a store of 200,000 messages as fast as they can read, while users post
 * and time their acknowledgements; a window without the readers first.
 */
async function anonymousCatchUp(server: ProbedServer): Promise<void> {
  const posterAddress = '127.0.0.7';
  const readerAddress = '127.0.0.6';
  const windowMs = 10_000;
  // 20 messages a second in all; one user may post 10 a second (MESSAGE_RATE_PER_SECOND), so four users post 5 each.
  const posters = await Promise.all(
    ['poster1', 'poster2', 'poster3', 'poster4'].map(async (username) => {
      const token = await register(server, username, posterAddress);
      const client = await ChatClient.open(server, '/ws', posterAddress);
      await client.auth(username, token);
      return { username, client };
    }),
  );
  const windows = { baseline: latencyHistogram(), readers: latencyHistogram() };
  let window: keyof typeof windows | undefined;
  const pending = new Map<string, { sentAt: number; window: keyof typeof windows | undefined }>();
  const refusals = new Map<string, number>();
  let sequence = 0;
  for (const { username, client } of posters) {
    client.onFrame = (frame) => {
      if (frame.type === 'error') refusals.set(frame.code ?? 'error', (refusals.get(frame.code ?? 'error') ?? 0) + 1);
      const sent = frame.type === 'message' && frame.username === username && frame.clientId ? pending.get(frame.clientId) : undefined;
      if (!sent) return;
      pending.delete(frame.clientId as string);
      if (sent.window) recordMs(windows[sent.window], performance.now() - sent.sentAt);
    };
  }
  const timers = posters.map(({ username, client }, i) => {
    const post = () => {
      const clientId = `${username}-${(sequence += 1)}`;
      pending.set(clientId, { sentAt: performance.now(), window });
      client.send({ username, message: `tick ${sequence}`, clientId });
    };
    // Staggered, so that the 20 a second come evenly.
    return setTimeout(() => timers.push(setInterval(post, 200)), i * 50);
  });

  await sleep(1000);
  window = 'baseline';
  await sleep(windowMs);

  let caughtUp = 0;
  let bytes = 0;
  const tally = (frame: Frame, size: number) => {
    bytes += size;
    if (frame.type === 'catchup') caughtUp += frame.messages?.length ?? 0;
  };
  const readingFrom = performance.now();
  window = 'readers';
  const readers = await Promise.all(Array.from({ length: 10 }, () => ChatClient.open(server, '/ws?after=0', readerAddress, tally)));
  await sleep(windowMs - (performance.now() - readingFrom));
  const readSeconds = (performance.now() - readingFrom) / 1000;
  const [readersCaughtUp, bytesRead] = [caughtUp, bytes];
  window = undefined;
  for (const timer of timers) clearTimeout(timer);
  await sleep(1000);
  await Promise.all([...readers, ...posters.map(({ client }) => client)].map((client) => client.close()));

  // The address's first read opens its first one-second window.
  const bound = Math.ceil(readSeconds) * DEFAULTS.anonymousReadsPerSecond;
  report(
    '5. anonymous catch-up',
    `10 connections without a user from one address, /ws?after=0 on ${count(PREFILL)} messages, reading for ${readSeconds.toFixed(1)} s`,
    `${count(readersCaughtUp)} messages (${(readersCaughtUp / readSeconds).toFixed(0)}/s; the budget's bound ${count(bound)}), ` +
      `${(bytesRead / 1e6).toFixed(1)} MB of frames`,
  );
  const describe = (name: keyof typeof windows) => {
    const p = percentiles(windows[name]);
    return `p50 ${p.p50.toFixed(1)} ms, p99 ${p.p99.toFixed(1)} ms (${p.count} messages)`;
  };
  report(
    '5. anonymous catch-up',
    'acknowledgement latency of 4 users posting 5 messages/s each (20/s in all), send → own broadcast copy',
    `without the readers ${describe('baseline')}; with them ${describe('readers')}` +
      (refusals.size ? `; refused: ${[...refusals].map(([code, n]) => `${n} ${code}`).join(', ')}` : '') +
      (pending.size ? `; ${pending.size} never acknowledged` : ''),
  );
}

// -------------------------------------------------------------------- main

const PROBES = ['sockets', 'churn', 'fragments', 'anonymous-writes', 'anonymous-catch-up'] as const;

const METHOD = `Method: each probe starts src/main.ts under tsx as its own process (the socket probe under prlimit --nofile=1024),
on a fresh PostgreSQL schema migrated by the server's own migrations, with only DATABASE_URL, DATA_DIR, PORT=0,
HOST=127.0.0.1, BCRYPT_COST=4 and LOG_LEVEL=warn set: every limit is the server's default. Clients run in this
process over loopback, each probe from its own 127/8 source address (the per-address budgets stay apart). Stored
rows are read from the schema's tables; memory is the server's VmRSS (/proc/<pid>/status). The schema is dropped
and the server stopped with SIGTERM afterwards.`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' },
      'pg-url': { type: 'string', default: process.env.PROBES_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test' },
    },
  });
  const only = values.only?.split(',') ?? [...PROBES];
  const unknown = only.filter((name) => !(PROBES as readonly string[]).includes(name));
  if (unknown.length > 0) throw new Error(`unknown probe ${unknown.join(', ')}; the probes are ${PROBES.join(', ')}`);
  const pgUrl = values['pg-url'];
  const started = performance.now();

  if (only.includes('sockets')) await withServer('sockets', { pgUrl, openFiles: 1024 }, (server) => socketExhaustion(server));
  if (only.includes('churn')) await withServer('churn', { pgUrl }, reconnectChurn);
  if (only.includes('fragments')) await withServer('fragments', { pgUrl }, (server) => fragments(server));
  if (only.includes('anonymous-writes')) await withServer('anonymous-writes', { pgUrl }, anonymousWrites);
  if (only.includes('anonymous-catch-up')) await withServer('anonymous-catch-up', { pgUrl, prepare: prefill }, (server) => anonymousCatchUp(server));

  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  console.log(
    `\nAbuse probes, server defaults — Node ${process.version}, ${cpus().length} cores (${cpu}), ${((performance.now() - started) / 1000).toFixed(0)} s\n`,
  );
  console.log('| probe | what was done | figure |');
  console.log('|---|---|---|');
  for (const { probe, done, figure } of lines) console.log(`| ${probe} | ${done} | ${figure} |`);
  console.log(`\n${METHOD}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
