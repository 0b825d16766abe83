import { expect } from 'chai';
import net from 'node:net';
import { PROBE_TIMEOUT_MS } from '../../src/adapters/http/ops-routes.js';
import { POSTGRESQL_ONLY, type DatabaseTarget } from '../support/databases.js';
import { describeOnEachDatabase } from '../support/each-database.js';
import { eventually } from '../support/eventually.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { TEST_PASSWORD, TestServer } from '../support/test-server.js';

interface Reply {
  status: number;
  type: string | null;
  body: any;
  text: string;
}

async function get(server: TestServer, path: string, init: RequestInit = {}): Promise<Reply> {
  const response = await fetch(server.baseUrl + path, init);
  const text = await response.text();
  const type = response.headers.get('content-type');
  return { status: response.status, type, text, body: type?.startsWith('application/json') ? JSON.parse(text) : undefined };
}

/** The value of one sample of a Prometheus text exposition, e.g. `chat_errors_sent_total{edge="ws",code="BUSY"}`; 0 when absent. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

const CHAT_METRICS = [
  'chat_connections_open',
  'chat_connections_authorized',
  'chat_messages_stored_total',
  'chat_messages_delivered_total',
  'chat_storage_batch_seconds',
  'chat_storage_batch_size',
  'chat_fanout_seconds',
  'chat_errors_sent_total',
  'chat_rate_limit_refusals_total',
];

const LOGINS_PER_ACCOUNT = 2;

describeOnEachDatabase('Operations endpoints', { LOGIN_LIMIT_PER_ACCOUNT: `${LOGINS_PER_ACCOUNT}/1h` }, (server) => {
  describe('GET /healthz', () => {
    it('answers 200 {"status":"ok"}, not cached', async () => {
      const reply = await get(server(), '/healthz');
      expect(reply.status).to.equal(200);
      expect(reply.body).to.deep.equal({ status: 'ok' });
      expect((await fetch(`${server().baseUrl}/healthz`)).headers.get('cache-control')).to.equal('no-store');
    });

    it('answers another method with the JSON 405 of every other route', async () => {
      const reply = await get(server(), '/healthz', { method: 'POST' });
      expect(reply.status).to.equal(405);
      expect(reply.body.error.code).to.equal('METHOD_NOT_ALLOWED');
    });
  });

  describe('GET /readyz', () => {
    it('answers 200 with every check ok', async () => {
      const reply = await get(server(), '/readyz');
      expect(reply.status).to.equal(200);
      expect(reply.body).to.deep.equal({ status: 'ready', checks: { database: 'ok', shutdown: 'ok' } });
    });
  });

  it('answers the three endpoints without a token and past every rate limit', async () => {
    await server().register('carol');
    for (let i = 0; i < LOGINS_PER_ACCOUNT + 1; i += 1) await server().post('/api/login', { username: 'carol', password: TEST_PASSWORD });
    const refused = await server().post('/api/login', { username: 'carol', password: TEST_PASSWORD });
    expect(refused.status).to.equal(429);
    const replies = await Promise.all(Array.from({ length: 30 }, (_, i) => get(server(), ['/healthz', '/readyz', '/metrics'][i % 3] as string)));
    expect(replies.map((reply) => reply.status)).to.deep.equal(replies.map(() => 200));
  });

  describe('GET /metrics', () => {
    it('serves the Prometheus text format with the process metrics and every chat metric', async () => {
      const reply = await get(server(), '/metrics');
      expect(reply.status).to.equal(200);
      expect(reply.type).to.match(/^text\/plain; version=0\.0\.4/);
      for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_p99_seconds', ...CHAT_METRICS]) {
        expect(reply.text, name).to.match(new RegExp(`^# TYPE ${name} `, 'm'));
      }
    });

    it('moves with the traffic: connections, messages stored and delivered, latencies, errors and refusals', async () => {
      const before = (await get(server(), '/metrics')).text;
      const token = await server().register('alice');
      await server().register('bob');
      // A wrong password (an HTTP error), then one login more than the account's budget (a refusal).
      expect((await server().post('/api/login', { username: 'bob', password: 'not the password' })).status).to.equal(401);
      for (let i = 1; i < LOGINS_PER_ACCOUNT; i += 1) await server().post('/api/login', { username: 'bob', password: TEST_PASSWORD });
      expect((await server().post('/api/login', { username: 'bob', password: TEST_PASSWORD })).status).to.equal(429);

      const alice = await server().connect();
      await alice.auth('alice', token);
      const spectator = await server().connect();
      // A chat message without a token: an error frame.
      spectator.send('spectator', 'hello?');
      expect(await spectator.next()).to.include({ type: 'error', code: 'NOT_AUTHENTICATED' });

      const posted = 5;
      for (let i = 0; i < posted; i += 1) alice.send('alice', `message ${i}`);
      await alice.nextMany(posted);
      await spectator.nextMany(posted);
      const after = (await get(server(), '/metrics')).text;
      const moved = (series: string) => sample(after, series) - sample(before, series);

      expect(sample(after, 'chat_connections_open')).to.equal(2);
      expect(sample(after, 'chat_connections_authorized')).to.equal(1);
      expect(moved('chat_messages_stored_total')).to.equal(posted);
      expect(moved('chat_storage_batch_size_sum')).to.equal(posted);
      expect(moved('chat_storage_batch_seconds_count')).to.equal(moved('chat_storage_batch_size_count')).and.be.within(1, posted);
      expect(moved('chat_messages_delivered_total')).to.equal(posted * 2);
      expect(moved('chat_fanout_seconds_count')).to.equal(posted);
      expect(moved('chat_errors_sent_total{edge="ws",code="NOT_AUTHENTICATED"}')).to.equal(1);
      expect(moved('chat_errors_sent_total{edge="http",code="INVALID_CREDENTIALS"}')).to.equal(1);
      expect(moved('chat_errors_sent_total{edge="http",code="RATE_LIMITED"}')).to.equal(1);
      expect(moved('chat_rate_limit_refusals_total{limit="login_account"}')).to.equal(1);
    });
  });
});

describeOnEachDatabase(
  'GET /metrics with a tight frame budget',
  { FRAME_RATE_BURST: '2', FRAME_RATE_PER_SECOND: '1' },
  (server) => {
    it('counts the frames refused under the frames limit', async () => {
      const client = await server().connect();
      for (let i = 0; i < 4; i += 1) client.send('nobody', 'history 1');
      expect((await client.nextMany(4)).filter((frame) => frame.code === 'RATE_LIMITED')).to.have.length(2);
      const text = (await get(server(), '/metrics')).text;
      expect(sample(text, 'chat_rate_limit_refusals_total{limit="frames"}')).to.equal(2);
    });
  },
  POSTGRESQL_ONLY,
);

describe('GET /readyz when PostgreSQL is out of reach (PostgreSQL behind a proxy the test breaks)', function () {
  this.timeout(30_000);
  const kind = POSTGRESQL_ONLY[0] as (typeof POSTGRESQL_ONLY)[number];
  let target: DatabaseTarget | undefined;
  let proxy: TcpProxy | undefined;
  let server: TestServer | undefined;

  before(async function () {
    target = await kind.prepare(this);
    proxy = await TcpProxy.start(Number(new URL(target.url as string).port || 5432), new URL(target.url as string).hostname);
    server = await TestServer.start({ ...target, url: proxy.rewrite(target.url as string) });
  });
  after(async () => {
    proxy?.restore();
    await server?.stop();
    await proxy?.close();
    if (target) await kind.dispose(target);
  });
  afterEach(async () => {
    proxy?.restore();
    // Ready again once the pool has found its way back.
    await eventuallyReady(server!);
  });

  it('answers 503 "unreachable" for the database while connections are refused, 200 once it is back, and /healthz stays 200', async () => {
    expect((await get(server!, '/readyz')).status).to.equal(200);
    proxy!.cut();
    const down = await get(server!, '/readyz');
    expect(down.status).to.equal(503);
    expect(down.body).to.deep.equal({ status: 'not ready', checks: { database: 'unreachable', shutdown: 'ok' } });
    expect((await get(server!, '/healthz')).status).to.equal(200);
  });

  it('answers 503 within about a second when the database does not answer at all', async () => {
    proxy!.stall();
    const started = Date.now();
    const replies = await Promise.all([get(server!, '/readyz'), get(server!, '/readyz'), get(server!, '/readyz')]);
    const elapsed = Date.now() - started;
    for (const reply of replies) expect(reply.body).to.deep.equal({ status: 'not ready', checks: { database: 'unreachable', shutdown: 'ok' } });
    expect(elapsed).to.be.within(PROBE_TIMEOUT_MS - 50, PROBE_TIMEOUT_MS + 1000);
  });
});

async function eventuallyReady(server: TestServer): Promise<void> {
  await eventually(async () => (await get(server, '/readyz')).status === 200, { what: '/readyz answers 200', timeoutMs: 10_000, everyMs: 20 });
}

describe('GET /readyz during a graceful stop', function () {
  this.timeout(30_000);
  const kind = POSTGRESQL_ONLY[0] as (typeof POSTGRESQL_ONLY)[number];
  let target: DatabaseTarget | undefined;

  after(async () => {
    if (target) await kind.dispose(target);
  });

  it('answers 503 "shutting down" to a request that arrives once stop() has begun', async function () {
    target = await kind.prepare(this);
    const server = await TestServer.start(target);
    // The listener closes at once on stop(): the request is begun before and finished after.
    const url = new URL(server.baseUrl);
    const accepted = new Promise<net.Socket>((resolve) => server.http.once('connection', resolve));
    const socket = net.connect(Number(url.port), url.hostname);
    await new Promise((resolve) => socket.once('connect', resolve));
    let answer = '';
    socket.on('data', (chunk) => (answer += String(chunk)));
    socket.write('GET /readyz HTTP/1.1\r\nHost: chat\r\nConnection: close\r\n');
    // Begun: the server has read the request's first bytes, so stop() does not take the connection for an idle one.
    const serverSide = await accepted;
    await eventually(() => serverSide.bytesRead > 0, { what: 'the server read the start of the request' });
    const stopped = server.stop();
    socket.write('\r\n');
    await new Promise((resolve) => socket.once('close', resolve));
    await stopped;
    expect(answer).to.match(/^HTTP\/1\.1 503 /);
    const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));
    expect(body.status).to.equal('not ready');
    expect(body.checks).to.include({ shutdown: 'shutting down' });
  });
});
