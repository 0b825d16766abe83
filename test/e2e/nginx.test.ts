import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { Cluster, openConnections, type ClusterNode } from '../support/cluster.js';
import { eventually } from '../support/eventually.js';
import { Nginx, renderConfig, requireNginx } from '../support/nginx.js';
import { ProcessDatabase } from '../support/process-database.js';
import { requireRedis, uniqueChannel, REDIS_URL } from '../support/redis.js';
import { TEST_PASSWORD } from '../support/test-server.js';
import { TestClient, type Frame } from '../support/ws-client.js';

/** Frames until one matches, keeping the ids of the messages on the way. */
async function collectUntil(client: TestClient, ids: number[], done: (frame: Frame) => boolean): Promise<void> {
  for (;;) {
    const frame = await client.next(10_000);
    if (frame.type === 'message') ids.push(frame.id as number);
    if (frame.type === 'catchup') ids.push(...frame.messages!.map((m) => m.id));
    if (done(frame)) return;
  }
}

describe('deploy/nginx.conf as the tests run it', () => {
  it('only changes the lines it marks for the test', () => {
    const config = readFileSync(new URL('../../deploy/nginx.conf', import.meta.url), 'utf8');
    const rendered = renderConfig(config, { port: 8080, upstreams: [1, 2], directory: '/tmp/x' });
    const unmarked = (text: string) =>
      text.split('\n').filter((line) => !line.includes('# test: replaced') && !/^\s*(server 127|listen|pid|error_log)/.test(line));
    expect(unmarked(rendered)).to.deep.equal(unmarked(config));
  });
});

describe('deploy/nginx.conf in front of two nodes (PostgreSQL, Redis, nginx)', function () {
  this.timeout(120_000);
  let database: ProcessDatabase | undefined;
  let cluster: Cluster | undefined;
  let nginx: Nginx | undefined;
  let nodes: ClusterNode[] = [];

  beforeEach(async function () {
    requireNginx(this);
    await requireRedis(this);
    database = await ProcessDatabase.prepare(this);
    cluster = new Cluster(database, uniqueChannel('nginx'), { TRUSTED_PROXIES: '127.0.0.1' });
    nodes = await Promise.all([cluster.start('a', REDIS_URL), cluster.start('b', REDIS_URL)]);
    nginx = await Nginx.start(nodes.map((node) => node.port));
  });
  afterEach(async () => {
    await nginx?.stop();
    await cluster?.stopAll();
    await database?.dispose();
    nginx = undefined;
    database = undefined;
  });

  const post = (path: string, body: unknown) =>
    fetch(`${nginx!.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('serves the page and the API, and passes WebSocket upgrades to both nodes, which chat as one', async () => {
    expect((await fetch(`${nginx!.url}/`)).headers.get('content-type')).to.match(/text\/html/);
    const registered = await post('/api/reg', { username: 'alice', password: TEST_PASSWORD });
    expect(registered.status).to.equal(201);
    const { token } = (await registered.json()) as { token: string };
    const login = await post('/api/login', { username: 'alice', password: TEST_PASSWORD });
    expect(login.status).to.equal(200);

    const wsUrl = `${nginx!.url.replace('http', 'ws')}/ws`;
    const clients = [await TestClient.connect(wsUrl), await TestClient.connect(wsUrl)];
    // least_conn sends the second long-lived connection to the other node.
    expect(await Promise.all(nodes.map(openConnections))).to.deep.equal([1, 1]);
    await clients[0]!.auth('alice', token);
    clients[0]!.send('alice', 'through nginx');
    for (const client of clients) expect(await client.next()).to.include({ type: 'message', username: 'alice', message: 'through nginx' });
    for (const client of clients) client.close();
  });

  it('lets clients of a node that dies reconnect through nginx to the other and resume without a gap', async () => {
    const registered = await post('/api/reg', { username: 'bob', password: TEST_PASSWORD });
    const { token } = (await registered.json()) as { token: string };
    const wsUrl = `${nginx!.url.replace('http', 'ws')}/ws`;
    const poster = await TestClient.connect(wsUrl);
    const reader = await TestClient.connect(wsUrl);
    await poster.auth('bob', token);

    const ids: number[] = [];
    for (let i = 0; i < 10; i++) poster.send('bob', `before ${i}`);
    await collectUntil(reader, ids, () => ids.length === 10);

    // One node dies (the poster and the reader are one on each); new connections go to the other.
    const [victim, survivor] = nodes as [ClusterNode, ClusterNode];
    victim.process.child.kill('SIGKILL');
    await victim.process.exited;

    const poster2 = await TestClient.connect(wsUrl);
    await poster2.auth('bob', token);
    for (let i = 0; i < 10; i++) poster2.send('bob', `after ${i}`);
    await eventually(async () => (await database!.messages()).length === 20, { what: 'all 20 stored', timeoutMs: 10_000, everyMs: 20 });

    const back = await TestClient.connect(`${wsUrl}?after=${ids.at(-1)}`);
    const lastId = (await database!.messages()).at(-1)!.id;
    await collectUntil(back, ids, (frame) => frame.type === 'catchup' && frame.more === false && ids.at(-1) === lastId);
    expect(ids).to.deep.equal((await database!.messages()).map((row) => row.id));
    expect(await openConnections(survivor)).to.be.at.least(2);
    for (const client of [poster, reader, poster2, back]) client.close();
  });
});
