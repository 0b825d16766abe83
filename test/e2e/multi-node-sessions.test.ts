import { expect } from 'chai';
import { AccountApi } from '../support/account-api.js';
import { Cluster, type ClusterNode, type Recorder } from '../support/cluster.js';
import { ProcessDatabase } from '../support/process-database.js';
import { REDIS_URL, requireRedis, uniqueChannel } from '../support/redis.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { TEST_PASSWORD } from '../support/test-server.js';

const redisPort = Number(new URL(REDIS_URL).port || 6379);
const redisHost = new URL(REDIS_URL).hostname;
/** The bound when a revocation is lost on its way to a node: short here, so the test can wait it out. */
const CHECK_INTERVAL_SECONDS = 1;

describe('Login sessions across server processes on one database and one Redis (PostgreSQL)', function () {
  this.timeout(60_000);
  let database: ProcessDatabase | undefined;
  let cluster: Cluster;
  let proxies: TcpProxy[] = [];

  beforeEach(async function () {
    await requireRedis(this);
    database = await ProcessDatabase.prepare(this);
    cluster = new Cluster(database, uniqueChannel('sessions'), { SESSION_CHECK_INTERVAL: `${CHECK_INTERVAL_SECONDS}s` });
  });
  afterEach(async () => {
    await cluster?.stopAll();
    await Promise.all(proxies.map((proxy) => proxy.close()));
    proxies = [];
    await database?.dispose();
    database = undefined;
  });

  const api = (node: ClusterNode) => new AccountApi(`http://127.0.0.1:${node.port}`);
  const revocation = (recorder: Recorder) => recorder.frames.find((frame) => frame.code === 'SESSION_REVOKED');

  /** alice registered; her phone's session connected to `on`; her laptop's session, for the account requests. */
  async function alice(register: ClusterNode, on: ClusterNode) {
    await cluster.register(register, 'alice');
    const phone = await api(register).login('alice', TEST_PASSWORD, 'Phone/1.0');
    const laptop = await api(register).openSession('alice', TEST_PASSWORD, 'Laptop/2.0');
    const connection = await cluster.connect(on, { username: 'alice', token: phone.token });
    return { phone, laptop, connection };
  }

  it('a session revoked on one node unauthorizes its connection on another at once, with SESSION_REVOKED', async () => {
    const [a, b] = await Promise.all([cluster.start('a', REDIS_URL), cluster.start('b', REDIS_URL)]);
    const { phone, laptop, connection } = await alice(a, b);
    const started = Date.now();
    expect((await api(a).call('DELETE', `/api/sessions/${phone.sessionId}`, { token: laptop.token })).status).to.equal(204);
    await connection.until((r) => revocation(r) !== undefined, 'told its session ended', 2000);
    expect(Date.now() - started, 'through Redis, well within the check interval').to.be.below(CHECK_INTERVAL_SECONDS * 1000);
    expect(revocation(connection)).to.deep.include({ type: 'info', reason: 'revoked' });
    // Every later frame of the connection, and a new auth on any node, is refused.
    connection.client.send('alice', 'after the revocation');
    await connection.until((r) => r.errors.some((frame) => frame.code === 'NOT_AUTHENTICATED'), 'its post refused');
    for (const node of [a, b]) {
      const fresh = await cluster.connect(node);
      fresh.client.send('alice', `auth ${phone.token}`);
      await fresh.until((r) => r.errors.some((frame) => frame.code === 'SESSION_REVOKED'), `auth refused on ${node.name}`, 2000);
    }
    expect(await database!.messages()).to.deep.equal([]);
  });

  it("a password changed on one node ends the other sessions' connections on every node", async () => {
    const [a, b] = await Promise.all([cluster.start('a', REDIS_URL), cluster.start('b', REDIS_URL)]);
    const { laptop, connection } = await alice(a, b);
    const onA = await cluster.connect(a, { username: 'alice', token: laptop.token });
    const reply = await api(b).call('POST', '/api/account/password', {
      token: laptop.token,
      body: { currentPassword: TEST_PASSWORD, newPassword: 'the new password' },
    });
    expect(reply.status, reply.text).to.equal(204);
    await connection.until((r) => revocation(r)?.reason === 'password_changed', 'told the password changed', 2000);
    // The session that changed it goes on, on any node.
    onA.client.send('alice', 'still here');
    await onA.until((r) => r.acked.length === 1, 'its message acknowledged');
    expect(revocation(onA)).to.equal(undefined);
  });

  it('a node that missed the revocation (cut off from Redis) unauthorizes the connection within SESSION_CHECK_INTERVAL', async () => {
    const proxy = await TcpProxy.start(redisPort, redisHost);
    proxies.push(proxy);
    const [a, b] = await Promise.all([cluster.start('a', REDIS_URL), cluster.start('b', proxy.rewrite(REDIS_URL))]);
    const { phone, laptop, connection } = await alice(a, b);
    proxy.cut();
    const started = Date.now();
    expect((await api(a).call('DELETE', `/api/sessions/${phone.sessionId}`, { token: laptop.token })).status).to.equal(204);
    await connection.until((r) => revocation(r) !== undefined, 'told its session ended, by the periodic check', 5000);
    const elapsed = Date.now() - started;
    expect(elapsed, 'within the check interval, and the time of a query').to.be.below(CHECK_INTERVAL_SECONDS * 1000 + 1000);
    expect(revocation(connection)).to.deep.include({ reason: 'revoked' });
  });
});
