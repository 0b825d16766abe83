/**
 * What every scenario shares: latency histograms, measurement windows (CPU of
 * server, PostgreSQL and load; the load's own event-loop delay), HTTP
 * registration and login, connecting many WebSocket clients, an outside probe
 * of the server's event loop, and the open-loop chat driver.
 */
import { request, Agent } from 'node:http';
import { createHistogram, monitorEventLoopDelay, performance, type RecordableHistogram } from 'node:perf_hooks';
import { machineBusySeconds, postgresCpuSeconds, processCpuSeconds, tcpRetransmittedSegments, type ServerProcess } from './server-process.js';
import { TYPE_MESSAGE, WsLoadClient } from './ws-load-client.js';

export const HOST = '127.0.0.1';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------- histograms

/** Latencies are recorded in microseconds: createHistogram takes integers. */
const HIGHEST_US = 120_000_000;

export function latencyHistogram(): RecordableHistogram {
  return createHistogram({ lowest: 1, highest: HIGHEST_US, figures: 3 });
}

export function recordMs(histogram: RecordableHistogram, ms: number): void {
  histogram.record(Math.min(HIGHEST_US, Math.max(1, Math.round(ms * 1000))));
}

export interface Percentiles {
  count: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
}

/** In milliseconds; NaN when nothing was recorded. */
export function percentiles(histogram: RecordableHistogram): Percentiles {
  const count = histogram.count;
  const ms = (us: number) => (count === 0 ? Number.NaN : us / 1000);
  return {
    count,
    p50: ms(histogram.percentile(50)),
    p99: ms(histogram.percentile(99)),
    p999: ms(histogram.percentile(99.9)),
    max: ms(histogram.max),
  };
}

// ------------------------------------------------------- measurement windows

export interface WindowStats {
  seconds: number;
  /** Percent of one core: every server process together. */
  serverCpu: number;
  /** Percent of one core, each server process (one entry with a single server). */
  serverCpus: number[];
  postgresCpu: number;
  /** Percent of one core: the Redis server, when a scenario uses one on this machine; NaN otherwise. */
  redisCpu: number;
  loadCpu: number;
  /** The load process's own event-loop delay p99, ms: high means the generator is late. */
  loadLoopP99: number;
  /**
   * Percent of one core used by everything else on the machine (tests, other
   * databases' work): above ~10% the figures of this window are not to be trusted.
   */
  otherCpu: number;
  /** TCP segments retransmitted in the window (mostly spurious tail-loss probes on loopback; see tcpRetransmittedSegments). */
  retransmits: number;
  /** Every server process together. */
  serverRssMiB: number;
  /** Each server's event-loop delay from inside, from its own metrics lines; undefined where it printed none. */
  serverLoops: Array<ServerLoop | undefined>;
}

/**
 * A server's event-loop delay as it measures it itself (METRICS_INTERVAL):
 * from the metrics lines whose interval lies wholly inside the window. The
 * server gives percentiles per interval, which cannot be merged exactly, so:
 * p50 is the median interval's p50, p99 the worst interval's p99, max the
 * highest max.
 */
export interface ServerLoop {
  /** How many intervals (lines) it is made of. */
  intervals: number;
  p50: number;
  p99: number;
  max: number;
}

/** What the bench asks of the servers (METRICS_INTERVAL, in seconds): a line a second, so an 8 s window has 7 whole ones. */
export const SERVER_METRICS_INTERVAL_S = 1;

export function serverLoopBetween(server: ServerProcess, fromMs: number, toMs: number): ServerLoop | undefined {
  // A line read at t covers about [t - interval, t].
  const lines = server.metrics.filter((line) => line.atMs - SERVER_METRICS_INTERVAL_S * 1000 >= fromMs && line.atMs <= toMs);
  if (lines.length === 0) return undefined;
  const p50s = lines.map((line) => line.loopDelayP50Ms).sort((a, b) => a - b);
  return {
    intervals: lines.length,
    p50: p50s[Math.floor((p50s.length - 1) / 2)]!,
    p99: Math.max(...lines.map((line) => line.loopDelayP99Ms)),
    max: Math.max(...lines.map((line) => line.loopDelayMaxMs)),
  };
}

// Node's histogram records the whole timer interval (resolution + delay): the resolution is taken off below.
const LOAD_LOOP_RESOLUTION_MS = 1;
const loadLoop = monitorEventLoopDelay({ resolution: LOAD_LOOP_RESOLUTION_MS });
loadLoop.enable();

/**
 * The measured windows so far, in CLOCK_MONOTONIC microseconds: the clock V8
 * stamps profile samples with, so a server profile can be cut down to what
 * was measured (without start-up, compilation and connection set-up).
 */
export const measuredWindows: Array<[number, number]> = [];
const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

export interface WindowOptions {
  /** The local Redis server's pid (INFO server), to count its CPU apart from "other". */
  redisPid?: number | undefined;
}

/** Starts measuring now; end() gives CPU shares over the elapsed time, of one server or of several. */
export function startWindow(
  servers: ServerProcess | readonly ServerProcess[],
  pgDatabases: readonly string[],
  options: WindowOptions = {},
): { end(): WindowStats } {
  const list = Array.isArray(servers) ? (servers as readonly ServerProcess[]) : [servers as ServerProcess];
  const t0 = performance.now();
  const monotonic0 = monotonicUs();
  const servers0 = list.map((server) => server.cpuSeconds());
  const pg0 = pgDatabases.length > 0 ? postgresCpuSeconds(pgDatabases) : 0;
  const redisSeconds = () => (options.redisPid === undefined ? Number.NaN : (processCpuSeconds(options.redisPid) ?? Number.NaN));
  const redis0 = redisSeconds();
  const load0 = process.cpuUsage();
  const machine0 = machineBusySeconds();
  const retransmits0 = tcpRetransmittedSegments();
  loadLoop.reset();
  return {
    end() {
      measuredWindows.push([monotonic0, monotonicUs()]);
      const t1 = performance.now();
      const seconds = (t1 - t0) / 1000;
      const load = process.cpuUsage(load0);
      const pg1 = pgDatabases.length > 0 ? postgresCpuSeconds(pgDatabases) : 0;
      const serverCpus = list.map((server, i) => (100 * (server.cpuSeconds() - servers0[i]!)) / seconds);
      const serverCpu = serverCpus.reduce((sum, cpu) => sum + cpu, 0);
      const postgresCpu = pgDatabases.length > 0 ? Math.max(0, (100 * (pg1 - pg0)) / seconds) : Number.NaN;
      const redisCpu = (100 * (redisSeconds() - redis0)) / seconds;
      const loadCpu = (100 * (load.user + load.system)) / 1e6 / seconds;
      const machineCpu = (100 * (machineBusySeconds() - machine0)) / seconds;
      const known = serverCpu + loadCpu + (Number.isNaN(postgresCpu) ? 0 : postgresCpu) + (Number.isNaN(redisCpu) ? 0 : redisCpu);
      return {
        seconds,
        serverCpu,
        serverCpus,
        postgresCpu,
        redisCpu,
        loadCpu,
        otherCpu: Math.max(0, machineCpu - known),
        retransmits: tcpRetransmittedSegments() - retransmits0,
        loadLoopP99: Math.max(0, loadLoop.percentile(99) / 1e6 - LOAD_LOOP_RESOLUTION_MS),
        serverRssMiB: list.reduce((sum, server) => sum + server.rssKiB(), 0) / 1024,
        serverLoops: list.map((server) => serverLoopBetween(server, t0, t1)),
      };
    },
  };
}

/**
 * Whether the load side may have shaped a window's figures: a busy load
 * process or a late one (sending behind schedule, reading late). Returns a
 * note for the table, or '' when the generator kept up.
 */
export function generatorNote(stats: WindowStats, sendLag?: Percentiles): string {
  const late = Math.max(stats.loadLoopP99, sendLag?.p99 ?? 0);
  if (stats.loadCpu < 85 && late < 10) return '';
  return `GENERATOR-LIMITED? (load CPU ${stats.loadCpu.toFixed(0)}%, lag p99 ${late.toFixed(1)} ms)`;
}

// ---------------------------------------------------------------------- HTTP

const httpAgent = new Agent({ keepAlive: true, maxSockets: 64 });

export interface HttpAnswer {
  status: number;
  body: Record<string, unknown>;
}

export function postJson(port: number, path: string, body: unknown, timeoutMs = 60_000): Promise<HttpAnswer> {
  const data = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: HOST, port, path, method: 'POST', agent: httpAgent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          try {
            resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> });
          } catch (error) {
            reject(error);
          }
        });
        res.on('error', reject);
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`POST ${path} timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(data);
  });
}

export interface User {
  username: string;
  password: string;
  token: string;
}

export const BENCH_PASSWORD = 'bench password 1';

/** Registers users over POST /api/reg, a few at a time. */
export async function registerUsers(port: number, names: readonly string[], concurrency = 4): Promise<User[]> {
  const users: User[] = new Array<User>(names.length);
  let next = 0;
  const worker = async () => {
    while (next < names.length) {
      const index = next++;
      const username = names[index]!;
      const { status, body } = await postJson(port, '/api/reg', { username, password: BENCH_PASSWORD });
      if (status !== 201 || typeof body.token !== 'string') throw new Error(`registering ${username}: HTTP ${status} ${JSON.stringify(body)}`);
      users[index] = { username, password: BENCH_PASSWORD, token: body.token };
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, names.length) }, worker));
  return users;
}

/**
 * The server's Prometheus counters and histogram sums that have no labels
 * (`name value` lines of GET /metrics), by name; empty when it serves none.
 */
export async function serverCounters(port: number): Promise<Record<string, number>> {
  const response = await fetch(`http://${HOST}:${port}/metrics`).catch(() => undefined);
  if (!response || response.status !== 200) return {};
  const counters: Record<string, number> = {};
  for (const line of (await response.text()).split('\n')) {
    const match = /^([a-z_]+) ([-0-9.e+]+)$/i.exec(line);
    if (match) counters[match[1]!] = Number(match[2]);
  }
  return counters;
}

/**
 * What one server did between two readings of its counters: how it stored
 * (INSERT batches, their mean size and commit time) and how long its
 * messages took from post to written (chat_fanout_seconds, per message, on
 * the node that wrote them: for a message from another node that includes
 * the Redis hop and the wait for its predecessors).
 */
export interface ServerWork {
  batches: number;
  meanBatch: number;
  meanCommitMs: number;
  meanFanoutMs: number;
}

export function serverWork(before: Record<string, number>, after: Record<string, number>): ServerWork {
  const delta = (name: string) => (after[name] ?? Number.NaN) - (before[name] ?? Number.NaN);
  const batches = delta('chat_storage_batch_size_count');
  return {
    batches,
    meanBatch: delta('chat_storage_batch_size_sum') / batches,
    meanCommitMs: (1000 * delta('chat_storage_batch_seconds_sum')) / delta('chat_storage_batch_seconds_count'),
    meanFanoutMs: (1000 * delta('chat_fanout_seconds_sum')) / delta('chat_fanout_seconds_count'),
  };
}

export function closeHttpAgent(): void {
  httpAgent.destroy();
}

// ------------------------------------------------------------- connections

/**
 * Opens `count` connections, `concurrency` at a time, each authorized with a
 * token from `users` (round robin) unless users is empty. Returns them in the
 * order they were accepted, which is the order the server broadcasts in.
 */
export async function connectMany(
  port: number,
  count: number,
  users: readonly User[],
  options: { concurrency?: number; onConnected?: (ms: number) => void; deadlineMs?: number } = {},
): Promise<WsLoadClient[]> {
  const clients: WsLoadClient[] = [];
  const deadline = performance.now() + (options.deadlineMs ?? 120_000);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      if (performance.now() > deadline) throw new Error(`could not open ${count} connections in time (${clients.length} open)`);
      const index = next++;
      const started = performance.now();
      const client = await WsLoadClient.open({ host: HOST, port });
      const user = users.length > 0 ? users[index % users.length]! : undefined;
      if (user) await client.auth(user.username, user.token);
      options.onConnected?.(performance.now() - started);
      clients.push(client);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 64, count) }, worker));
  } catch (error) {
    for (const client of clients) client.destroy();
    throw error;
  }
  return clients;
}

/** Switches clients from setup (every frame decoded) to counting, read lazily (see ws-load-client.ts). */
export function countOnly(clients: readonly WsLoadClient[]): void {
  for (const client of clients) {
    client.capture = false;
    client.lazy = true;
  }
}

// ------------------------------------------------------------ loop probe

/**
 * The server's event-loop responsiveness seen from outside: a WebSocket ping
 * every `intervalMs` on its own connection, answered by ws inside the
 * server's event loop, no database involved. The time runs from the ping's
 * intended send time to the pong, so a late load process cannot hide a late
 * server. It is an upper bound on the server's event-loop delay (it adds two
 * loopback hops and the load's own delay, reported separately).
 */
export class LoopProbe {
  readonly histogram = latencyHistogram();
  private timer: NodeJS.Timeout | undefined;
  private recording = false;

  private constructor(readonly client: WsLoadClient) {
    client.capture = false;
    client.onPong = (payload, now) => {
      if (this.recording && payload.length === 8) recordMs(this.histogram, now - payload.readDoubleLE(0));
    };
  }

  static async open(port: number): Promise<LoopProbe> {
    return new LoopProbe(await WsLoadClient.open({ host: HOST, port }));
  }

  /** Pings until stop(); the histogram is reset at each start. */
  start(intervalMs = 20): void {
    this.stop();
    this.histogram.reset();
    this.recording = true;
    const started = performance.now();
    let sent = 0;
    const tick = () => {
      const now = performance.now();
      while (started + sent * intervalMs <= now) {
        const payload = Buffer.alloc(8);
        payload.writeDoubleLE(started + sent * intervalMs, 0);
        this.client.ping(payload);
        sent++;
      }
      this.timer = setTimeout(tick, Math.max(0, started + sent * intervalMs - performance.now()));
    };
    tick();
  }

  /** Stops pinging; pongs still in flight are recorded for a moment longer. */
  stop(): Percentiles {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    return percentiles(this.histogram);
  }
}

// ------------------------------------------------------ open-loop chat load

/** A chat message of exactly `size` characters that carries its intended send time. */
export function benchText(sender: number, seq: number, intendedMs: number, size: number): string {
  const head = `bench ${sender} ${seq} ${Math.round(intendedMs * 1000)} `;
  return head.length >= size ? head : head + '.'.repeat(size - head.length);
}

/** The intended send time (ms, performance.now() clock) inside a bench message's text, or NaN. */
export function intendedMsOf(text: string): number {
  const parts = text.split(' ', 4);
  return parts[0] === 'bench' ? Number(parts[3]) / 1000 : Number.NaN;
}

export interface Sender {
  client: WsLoadClient;
  username: string;
}

export interface OpenLoopResult {
  sent: number;
  /** How late the load sent, behind the schedule (ms): large means the generator could not keep up. */
  sendLag: Percentiles;
  seconds: number;
  /** Whether the whole schedule was sent before the hard deadline. */
  completed: boolean;
}

/**
 * Open-loop schedule: event g has the fixed intended time start + g / rate,
 * whatever the server's answers do. A tick fires everything due; a load that
 * falls behind catches up in a burst, and the receiving side measures from the
 * intended time, so a stalled server shows as latency, not as fewer samples
 * (no coordinated omission). `fire` returns the client it wrote to, so that
 * one tick's writes to one socket go out in one corked write. Bounded by
 * count and by a hard deadline.
 */
export function openLoop(ratePerSecond: number, durationMs: number, fire: (g: number, intended: number) => WsLoadClient): Promise<OpenLoopResult> {
  const total = Math.max(1, Math.floor((ratePerSecond * durationMs) / 1000));
  const intervalMs = 1000 / ratePerSecond;
  const start = performance.now() + 2;
  const hardDeadline = start + durationMs + Math.max(5000, durationMs);
  const lag = latencyHistogram();
  const corked = new Set<WsLoadClient>();
  let g = 0;
  return new Promise((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (g < total && start + g * intervalMs <= now) {
        const intended = start + g * intervalMs;
        const client = fire(g, intended);
        if (!corked.has(client)) {
          client.cork();
          corked.add(client);
        }
        recordMs(lag, now - intended);
        g++;
      }
      for (const client of corked) client.uncork();
      corked.clear();
      if (g >= total || now > hardDeadline) {
        resolve({ sent: g, sendLag: percentiles(lag), seconds: (now - start) / 1000, completed: g >= total });
        return;
      }
      setTimeout(tick, Math.max(0, Math.min(1, start + g * intervalMs - performance.now())));
    };
    setTimeout(tick, 2);
  });
}

/** Open-loop chat: message g goes to sender g mod S; `size` characters carrying the intended time. */
export function sendOpenLoop(senders: readonly Sender[], ratePerSecond: number, durationMs: number, messageSize: number): Promise<OpenLoopResult> {
  const seqs = new Array<number>(senders.length).fill(0);
  return openLoop(ratePerSecond, durationMs, (g, intended) => {
    const index = g % senders.length;
    const sender = senders[index]!;
    sender.client.sendChat(sender.username, benchText(index, seqs[index]!++, intended, messageSize));
    return sender.client;
  });
}

/**
 * Turns clients into latency samplers: each decodes every chat frame it gets
 * and records now - intended time for messages intended inside [from, to).
 * Also checks that ids only increase on each connection, or hands each id to
 * `order` when one is given (which checks more).
 */
export function sampleLatency(
  clients: readonly WsLoadClient[],
  histogram: RecordableHistogram,
  window: { from: number; to: number },
  order?: OrderCheck,
): { outOfOrder: () => number } {
  let outOfOrder = 0;
  for (const client of clients) {
    let lastId = 0;
    client.capture = true;
    // Latency is taken when the frame is read: these must read as soon as they can.
    client.lazy = false;
    client.onText = (typeByte, payload, now) => {
      if (typeByte !== TYPE_MESSAGE || payload === undefined) return;
      const frame = JSON.parse(payload.toString('utf8')) as { id: number; message: string };
      if (order) order.see(client, frame.id);
      else if (frame.id <= lastId) outOfOrder++;
      lastId = frame.id;
      const intended = intendedMsOf(frame.message);
      if (intended >= window.from && intended < window.to) recordMs(histogram, now - intended);
    };
  }
  return { outOfOrder: () => outOfOrder };
}

const ID_KEY = Buffer.from('"id":');

/**
 * The id of a server chat frame, `{"type":"message","room":"…","id":N,…}`,
 * read from the bytes without decoding the JSON (the room, which comes
 * first, is one the bench names); NaN when there is none.
 */
export function messageId(payload: Buffer): number {
  const at = payload.indexOf(ID_KEY);
  if (at < 0) return Number.NaN;
  let id = 0;
  let i = at + ID_KEY.length;
  for (; i < payload.length; i++) {
    const digit = payload[i]! - 0x30;
    if (digit < 0 || digit > 9) break;
    id = id * 10 + digit;
  }
  return i === at + ID_KEY.length ? Number.NaN : id;
}

/**
 * Checks the promise the server makes to every connection (docs/deploy.md):
 * within a room, ids in increasing order with no gap and no repeat. The bench
 * chats in one room on a database nobody else writes to, and ids are dense
 * and global, so each id a connection gets must be the one after its last.
 * A connection's first id is taken as it comes: a message missing before it
 * is a loss, which drain() counts.
 */
export class OrderCheck {
  private readonly last = new Map<WsLoadClient, number>();
  /** An id not above the connection's last: repeated or reordered. */
  repeats = 0;
  /** An id more than one above the connection's last: some skipped. */
  gaps = 0;
  /** Frames whose id could not be read. */
  unreadable = 0;
  /** The first violation, for the report. */
  first: string | undefined;

  see(client: WsLoadClient, id: number): void {
    if (!Number.isSafeInteger(id)) {
      this.unreadable++;
      this.first ??= 'a chat frame without a readable id';
      return;
    }
    const last = this.last.get(client);
    if (last !== undefined && id <= last) {
      this.repeats++;
      this.first ??= `id ${id} after ${last}`;
      return;
    }
    if (last !== undefined && id !== last + 1) {
      this.gaps++;
      this.first ??= `id ${id} after ${last} (${id - last - 1} skipped)`;
    }
    this.last.set(client, id);
  }

  get violations(): number {
    return this.repeats + this.gaps + this.unreadable;
  }

  describe(): string {
    return `${this.violations} order violations (${this.repeats} repeated or reordered, ${this.gaps} gaps, ${this.unreadable} unreadable; first: ${this.first})`;
  }
}

/**
 * Like countOnly (lazy reads), but every chat frame's id goes to `order`:
 * every receiver is checked, not only the sampled ones. A connection's first
 * chat frame is decoded to find where the id stands (WsLoadClient.idOffset);
 * after that the id's digits are read as the frame streams by, without a
 * copy or a decode, so the check costs the load little.
 */
export function watchOrder(clients: readonly WsLoadClient[], order: OrderCheck): void {
  for (const client of clients) {
    client.lazy = true;
    client.onId = (id) => order.see(client, id);
    if (client.idOffset >= 0) {
      client.capture = false;
      client.onText = () => undefined;
      continue;
    }
    client.capture = true;
    client.onText = (typeByte, payload) => {
      if (typeByte !== TYPE_MESSAGE || payload === undefined) return;
      const at = payload.indexOf(ID_KEY);
      order.see(client, messageId(payload));
      if (at >= 0) {
        client.idOffset = at + ID_KEY.length;
        client.capture = false;
        client.onText = () => undefined;
      }
    };
  }
}

export interface DrainResult {
  /** Deliveries that never came: sum over connections of (expected - received). */
  lost: number;
  /** Connections that closed. */
  closed: number;
  /** Frames that were not chat messages (error frames, for instance). */
  unexpected: number;
  waitedMs: number;
}

/**
 * Waits until every connection has received `expected` chat frames in all
 * (counting from the `before` snapshot), or the timeout passes.
 */
export async function drain(
  clients: readonly WsLoadClient[],
  before: readonly { messages: number; others: number }[],
  expected: number,
  timeoutMs: number,
): Promise<DrainResult> {
  const started = performance.now();
  const missing = () => {
    let lost = 0;
    clients.forEach((client, i) => {
      lost += Math.max(0, expected - (client.messageFrames - before[i]!.messages));
    });
    return lost;
  };
  while (missing() > 0 && performance.now() - started < timeoutMs && clients.some((c) => !c.closed)) await sleep(20);
  let unexpected = 0;
  clients.forEach((client, i) => (unexpected += client.otherFrames - before[i]!.others));
  return { lost: missing(), closed: clients.filter((c) => c.closed).length, unexpected, waitedMs: performance.now() - started };
}

export function snapshot(clients: readonly WsLoadClient[]): { messages: number; others: number }[] {
  return clients.map((c) => ({ messages: c.messageFrames, others: c.otherFrames }));
}

/** The first error frame any client saw, for the report. */
function firstError(clients: readonly WsLoadClient[]): string | undefined {
  return clients.find((c) => c.firstError !== undefined)?.firstError;
}

/** What a drain found wrong, in the words every scenario reports it with; empty when nothing. */
export function drainProblems(drained: DrainResult, clients: readonly WsLoadClient[]): string[] {
  return [
    drained.lost > 0 ? `${drained.lost} deliveries lost` : '',
    drained.closed > 0 ? `${drained.closed} connections closed` : '',
    drained.unexpected > 0 ? `${drained.unexpected} unexpected frames (${firstError(clients) ?? 'not decoded'})` : '',
  ].filter(Boolean);
}

/** Picks `count` clients spread evenly over the list (which is in broadcast order). */
export function spread<T>(items: readonly T[], count: number): T[] {
  if (count >= items.length) return [...items];
  const step = items.length / count;
  return Array.from({ length: count }, (_, i) => items[Math.floor(i * step + step / 2)]!);
}
