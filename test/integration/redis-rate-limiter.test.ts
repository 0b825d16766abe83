import { expect } from 'chai';
import { RedisRateLimits, type RedisRateLimitsOptions } from '../../src/adapters/rate-limits/redis-rate-limiter.js';
import { SilentLogger } from '../fakes/silent-logger.js';
import { eventually } from '../support/eventually.js';
import { REDIS_URL, adminClient, requireRedis, uniqueChannel } from '../support/redis.js';
import { TcpProxy } from '../support/tcp-proxy.js';

/** One server process as the limits see it: its connection, and what it logged. */
interface Node {
  limits: RedisRateLimits;
  logger: SilentLogger;
}

const events = (logger: SilentLogger) => logger.entries.map((entry) => `${entry.level} ${entry.event}`);
const OUTAGE = 'warn redis rate limits unavailable; each node counts on its own until it is back';
const RESTORED = 'info redis rate limits restored';

describe('RedisRateLimiter (real Redis)', function () {
  this.timeout(30_000);
  let nodes: Node[] = [];
  let proxies: TcpProxy[] = [];
  let channel: string;

  beforeEach(async function () {
    await requireRedis(this);
    channel = uniqueChannel('limits');
  });
  afterEach(async () => {
    await Promise.all(nodes.map((node) => node.limits.close()));
    await Promise.all(proxies.map((proxy) => proxy.close()));
    nodes = [];
    proxies = [];
    if (channel) await dropKeys(`${channel}:*`);
  });

  /** A node of the test's deployment; `name` tells its connection apart on Redis. */
  async function startNode(name: string, options: Partial<RedisRateLimitsOptions> = {}): Promise<Node> {
    const logger = new SilentLogger();
    const limits = new RedisRateLimits({ url: REDIS_URL, channel, logger, connectionName: `${channel}:${name}`, maxReconnectDelayMs: 200, ...options });
    const node = { limits, logger };
    nodes.push(node);
    return node;
  }

  async function startProxy(): Promise<TcpProxy> {
    const target = new URL(REDIS_URL);
    const proxy = await TcpProxy.start(Number(target.port || 6379), target.hostname);
    proxies.push(proxy);
    return proxy;
  }

  const until = (condition: () => boolean, what: string, timeoutMs = 10_000) => eventually(condition, { what, timeoutMs });

  it('makes two nodes spend one budget: what one took, the other cannot', async () => {
    const a = await startNode('a');
    const b = await startNode('b');
    await until(() => a.limits.isReady() && b.limits.isReady(), 'both connected');
    const rate = { count: 4, perSeconds: 60 };
    const onA = a.limits.limiter('login_account', rate);
    const onB = b.limits.limiter('login_account', rate);
    expect([await onA.take('alice'), await onB.take('alice'), await onA.take('alice'), await onB.take('alice')]).to.deep.equal([0, 0, 0, 0]);
    for (const limiter of [onA, onB]) expect(await limiter.take('alice')).to.be.within(59, 60);
    expect(await onB.take('bob'), 'another key').to.equal(0);
  });

  it('lets exactly the budget through when two nodes take at once', async () => {
    const a = await startNode('a');
    const b = await startNode('b');
    await until(() => a.limits.isReady() && b.limits.isReady(), 'both connected');
    const rate = { count: 20, perSeconds: 60 };
    const limiters = [a.limits.limiter('login_address', rate), b.limits.limiter('login_address', rate)];
    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => limiters[i % 2]!.take('203.0.113.7')));
    expect(answers.filter((wait) => wait === 0)).to.have.length(20);
  });

  it('keeps its keys under <channel>:limit:<name>:, expiring with their window', async () => {
    const a = await startNode('a');
    await until(() => a.limits.isReady(), 'connected');
    const rate = { count: 1, perSeconds: 60 };
    expect(await a.limits.limiter('login_account', rate).take('alice')).to.equal(0);
    expect(await a.limits.limiter('register_address', rate).take('alice'), 'another budget').to.equal(0);
    const other = await startNode('other', { channel: `${channel}:other` });
    await until(() => other.limits.isReady(), 'connected');
    expect(await other.limits.limiter('login_account', rate).take('alice'), 'another deployment').to.equal(0);

    const admin = adminClient();
    try {
      expect((await admin.keys(`${channel}:*`)).sort()).to.deep.equal([
        `${channel}:limit:login_account:alice`,
        `${channel}:limit:register_address:alice`,
        `${channel}:other:limit:login_account:alice`,
      ]);
      expect(await admin.pttl(`${channel}:limit:login_account:alice`)).to.be.within(50_000, 60_000);
    } finally {
      admin.disconnect();
    }
  });

  it('gives the whole budget back when the window ends', async () => {
    const a = await startNode('a');
    await until(() => a.limits.isReady(), 'connected');
    const limiter = a.limits.limiter('register_address', { count: 2, perSeconds: 1 });
    expect([await limiter.take('10.0.0.1'), await limiter.take('10.0.0.1'), await limiter.take('10.0.0.1')]).to.deep.equal([0, 0, 1]);
    // The window is Redis's own (the key's expiry, on the Redis server's clock): its end is the key going.
    const admin = adminClient();
    try {
      await eventually(async () => (await admin.exists(`${channel}:limit:register_address:10.0.0.1`)) === 0, {
        what: 'the window’s key expires',
        timeoutMs: 3000,
      });
    } finally {
      admin.disconnect();
    }
    expect([await limiter.take('10.0.0.1'), await limiter.take('10.0.0.1'), await limiter.take('10.0.0.1')]).to.deep.equal([0, 0, 1]);
  });

  it('counts on this node alone while Redis is unreachable, says so once, and shares again when it is back', async () => {
    const proxy = await startProxy();
    const a = await startNode('a', { url: proxy.rewrite(REDIS_URL) });
    const b = await startNode('b');
    await until(() => a.limits.isReady() && b.limits.isReady(), 'both connected');
    const rate = { count: 3, perSeconds: 60 };
    const onA = a.limits.limiter('login_account', rate);
    const onB = b.limits.limiter('login_account', rate);
    expect(await onA.take('alice'), 'shared: 1 of 3').to.equal(0);

    proxy.cut();
    await until(() => !a.limits.isReady(), 'a notices');
    const started = Date.now();
    // The insurance knows nothing of the shared count: a whole budget for this node.
    expect([await onA.take('alice'), await onA.take('alice'), await onA.take('alice')]).to.deep.equal([0, 0, 0]);
    expect(await onA.take('alice')).to.be.within(59, 60);
    expect(Date.now() - started, 'answered without waiting for Redis').to.be.below(100);
    expect(await onB.take('alice'), 'shared: 2 of 3').to.equal(0);
    const refusedSoFar = proxy.refused;
    await until(() => proxy.refused >= refusedSoFar + 2, 'two more reconnection attempts, each failing');
    expect(events(a.logger)).to.deep.equal([OUTAGE]);

    proxy.restore();
    await until(() => a.limits.isReady(), 'a reconnects by itself');
    expect(await onA.take('alice'), 'shared again: 3 of 3').to.equal(0);
    expect(await onB.take('alice')).to.be.within(59, 60);
    expect(await onA.take('alice')).to.be.within(59, 60);
    expect(events(a.logger)).to.deep.equal([OUTAGE, RESTORED]);
    expect(events(b.logger)).to.deep.equal([]);
  });

  it('answers within the command timeout when Redis stops answering (a partition), then drops the connection', async () => {
    const proxy = await startProxy();
    const a = await startNode('a', { url: proxy.rewrite(REDIS_URL), commandTimeoutMs: 200, stallTimeoutMs: 600 });
    await until(() => a.limits.isReady(), 'connected');
    const limiter = a.limits.limiter('login_account', { count: 2, perSeconds: 60 });
    expect(await limiter.take('alice')).to.equal(0);

    proxy.stall();
    const started = Date.now();
    expect(await limiter.take('alice'), 'this node’s own count').to.equal(0);
    expect(Date.now() - started).to.be.within(150, 1000);
    await until(() => !a.limits.isReady(), 'the stall is noticed', 3000);
    expect(events(a.logger)).to.deep.equal([OUTAGE]);
    proxy.restore();
    await until(() => a.limits.isReady(), 'recovered');
  });

  it('starts while Redis is unreachable, counting on its own, and connects when it comes', async () => {
    const proxy = await startProxy();
    proxy.cut();
    const a = await startNode('a', { url: proxy.rewrite(REDIS_URL) });
    const limiter = a.limits.limiter('login_account', { count: 1, perSeconds: 60 });
    expect([await limiter.take('alice'), await limiter.take('alice')]).to.deep.equal([0, 60]);
    await until(() => a.logger.entries.length > 0, 'the outage is logged');
    proxy.restore();
    await until(() => a.limits.isReady(), 'connected');
    expect(await limiter.take('alice'), 'Redis had not counted the insurance’s take').to.equal(0);
    expect(events(a.logger)).to.deep.equal([OUTAGE, RESTORED]);
  });
});

async function dropKeys(pattern: string): Promise<void> {
  const admin = adminClient();
  try {
    const keys = await admin.keys(pattern);
    if (keys.length > 0) await admin.del(...keys);
  } finally {
    admin.disconnect();
  }
}
