import { expect } from 'chai';
import type { MessageLog } from '../../src/adapters/fanout/ordered-delivery.js';
import { RedisFanout, decodeBatch, encodeBatch, type RedisFanoutOptions } from '../../src/adapters/fanout/redis-fanout.js';
import type { Message } from '../../src/domain/message.js';
import { FixedClock } from '../fakes/fixed-clock.js';
import { InMemoryMessageRepository } from '../fakes/in-memory-message-repository.js';
import { SilentLogger } from '../fakes/silent-logger.js';
import { eventually } from '../support/eventually.js';
import { REDIS_URL, adminClient, connectionNames, killConnections, requireRedis, uniqueChannel } from '../support/redis.js';
import { TcpProxy } from '../support/tcp-proxy.js';

/** The store shared by the nodes, counting the fan-out's reads of it. */
class SharedStore implements MessageLog {
  readonly messages = new InMemoryMessageRepository();
  reads = 0;

  async since(afterId: number, limit: number): Promise<Message[]> {
    this.reads += 1;
    return this.messages.since(afterId, limit);
  }

  lastId(): Promise<number> {
    return this.messages.lastId();
  }
}

/** One server process as the fan-out sees it: its adapter, what its listeners got, what it logged. */
interface Node {
  fanout: RedisFanout;
  received: number[];
  logger: SilentLogger;
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
const events = (logger: SilentLogger) => logger.entries.map((entry) => `${entry.level} ${entry.event}`);

describe('RedisFanout wire format', () => {
  it("carries a turn's messages whole, client id and date included, behind the node's name", () => {
    const message: Message = { id: 7, room: 'dev', username: 'alice', text: 'hé 👋|[', createdAt: new Date('2026-01-02T03:04:05.678Z'), clientId: 'abc-1' };
    const { clientId: _, ...without } = message;
    const edit: Message = { ...without, id: 9, change: { kind: 'edit', target: 7 } };
    expect(decodeBatch(`a1b2|${encodeBatch([message, { ...without, id: 8 }, edit])}`)).to.deep.equal([message, { ...without, id: 8 }, edit]);
  });

  it('reads a bare message as nodes before batching published it', () => {
    expect(decodeBatch('{"id":3,"room":"a","username":"u","text":"t","createdAt":"2026-01-01T00:00:00.000Z"}')).to.deep.equal([
      { id: 3, room: 'a', username: 'u', text: 't', createdAt: new Date('2026-01-01T00:00:00.000Z') },
    ]);
  });

  it('refuses what is not a message', () => {
    for (const text of [
      '',
      'null',
      '[]',
      '42',
      '{"id":1}',
      '{"id":0,"room":"a","username":"u","text":"t","createdAt":"2026-01-01T00:00:00Z"}',
      '{"id":1.5,"room":"a","username":"u","text":"t","createdAt":"2026-01-01T00:00:00Z"}',
      '{"id":1,"room":"a","username":"u","text":"t","createdAt":"yesterday"}',
      '{"id":1,"room":"a","username":"u","text":"t","createdAt":"2026-01-01T00:00:00Z","clientId":5}',
    ]) {
      expect(decodeBatch(text), text).to.equal(undefined);
      expect(decodeBatch(`node|${text}`), text).to.equal(undefined);
    }
  });
});

describe('RedisFanout (real Redis)', function () {
  this.timeout(30_000);
  let nodes: Node[] = [];
  let proxies: TcpProxy[] = [];
  let store: SharedStore;
  let channel: string;

  beforeEach(async function () {
    await requireRedis(this);
    store = new SharedStore();
    channel = uniqueChannel('fanout');
  });
  afterEach(async () => {
    await Promise.all(nodes.map((node) => node.fanout.close()));
    await Promise.all(proxies.map((proxy) => proxy.close()));
    nodes = [];
    proxies = [];
  });

  /** A node on the test's channel; `name` tells its connections apart on Redis. */
  async function startNode(name: string, options: Partial<RedisFanoutOptions> = {}): Promise<Node> {
    const logger = new SilentLogger();
    const fanout = await RedisFanout.start({
      url: REDIS_URL,
      channel,
      // Tells this node's connections from the other nodes' (all in this one process) for CLIENT KILL.
      connectionName: `${channel}:${name}`,
      log: store,
      logger,
      maxReconnectDelayMs: 200,
      ...options,
    });
    const node: Node = { fanout, received: [], logger };
    fanout.subscribe((message) => node.received.push(message.id));
    nodes.push(node);
    return node;
  }

  /** What PostMessage does on a node: store, then publish there. */
  async function post(node: Node, text = 'hello'): Promise<Message> {
    const { message } = await store.messages.append({ room: 'general', username: 'alice', text, createdAt: new Date() });
    node.fanout.publish(message);
    return message;
  }

  const until = (condition: () => boolean, what: string, timeoutMs = 10_000) => eventually(condition, { what, timeoutMs });

  /** Only Redis can bring another node's message in time: no hole grace, no audit, so no read of the store. */
  const redisOnly: Partial<RedisFanoutOptions> = { auditMs: 60_000, delivery: { holeGraceMs: 60_000 } };

  it('carries each node’s messages to the other, without reading the store', async () => {
    const a = await startNode('a', redisOnly);
    const b = await startNode('b', redisOnly);
    await until(() => a.fanout.isReady() && b.fanout.isReady(), 'both subscribed');
    const readsAfterStart = store.reads;
    await post(a);
    await post(b);
    await post(a);
    await until(() => a.received.length === 3 && b.received.length === 3, 'all three everywhere');
    expect(a.received).to.deep.equal([1, 2, 3]);
    expect(b.received).to.deep.equal([1, 2, 3]);
    expect(store.reads, 'carried by Redis, not read back').to.equal(readsAfterStart);
  });

  it('three nodes posting concurrently each deliver every id once, in order', async () => {
    const all = [await startNode('a'), await startNode('b'), await startNode('c')];
    await until(() => all.every((node) => node.fanout.isReady()), 'all subscribed');
    const total = 600;
    // Bursts from every node at once, each post waiting only for its own store write.
    await Promise.all(
      all.map(async (node, n) => {
        for (let i = 0; i < total / all.length; i += 1) {
          await post(node, `n${n}-${i}`);
          // Now and then a turn of the event loop, for what Redis brings meanwhile to come between the posts.
          if (i % 17 === 0) await nextTurn();
        }
      }),
    );
    await until(() => all.every((node) => node.received.length === total), 'everything everywhere');
    for (const node of all) expect(node.received).to.deep.equal(range(1, total));
  });

  it('serves its own clients while Redis is unreachable, says so once, and catches up when it is back', async () => {
    const proxy = await TcpProxy.start(Number(new URL(REDIS_URL).port || 6379), new URL(REDIS_URL).hostname);
    proxies.push(proxy);
    // Node a reaches Redis through the proxy; only its resubscription (no audit, no grace) can bring b's messages.
    const a = await startNode('a', { ...redisOnly, url: proxy.rewrite(REDIS_URL) });
    // Node b fills holes after a grace on a clock of the test's.
    const clock = new FixedClock();
    const b = await startNode('b', { delivery: { holeGraceMs: 100, clock } });
    await until(() => a.fanout.isReady() && b.fanout.isReady(), 'both subscribed');
    await post(a);
    await until(() => b.received.length === 1, 'b got 1');

    proxy.cut();
    await until(() => !a.fanout.isReady(), 'a notices');
    // a's own messages are delivered to its listeners at once, and publish neither throws nor waits.
    const started = Date.now();
    await post(a);
    expect(a.received).to.deep.equal([1, 2]);
    await post(b);
    await post(b);
    expect(Date.now() - started).to.be.below(100);
    const refusedSoFar = proxy.refused;
    await until(() => proxy.refused >= refusedSoFar + 4, 'each of its two connections tries twice more, failing');
    expect(a.received, 'nothing of b reaches a while it is cut off').to.deep.equal([1, 2]);
    expect(events(a.logger)).to.deep.equal(['warn redis fan-out unavailable; serving this node only until it is back']);

    // b never heard 2 (published while a was cut off): its own 3 and 4 wait behind the hole, which is read from the store after the grace.
    expect(b.received, 'within the grace').to.deep.equal([1]);
    clock.advance(100);
    await until(() => b.received.length === 4, 'b fills its hole');
    expect(b.received).to.deep.equal([1, 2, 3, 4]);

    proxy.restore();
    await until(() => a.fanout.isReady(), 'a reconnects by itself');
    await until(() => a.received.length === 4, 'a catches up');
    expect(a.received).to.deep.equal([1, 2, 3, 4]);
    expect(events(a.logger)).to.deep.equal(['warn redis fan-out unavailable; serving this node only until it is back', 'info redis fan-out restored']);
    await post(a);
    await until(() => b.received.length === 5, 'live again');
    expect(a.received).to.deep.equal(range(1, 5));
    expect(b.received).to.deep.equal(range(1, 5));
  });

  it('after CLIENT KILL of its subscription, resubscribes and reads what was published meanwhile', async () => {
    const a = await startNode('a', redisOnly);
    const b = await startNode('b', redisOnly);
    await until(() => a.fanout.isReady() && b.fanout.isReady(), 'both subscribed');
    await post(b);
    await until(() => a.received.length === 1, 'a got 1');

    expect(await killConnections(`${channel}:a:sub`), 'a’s subscription killed').to.equal(1);
    // Published before a is subscribed again: Redis drops these for a.
    for (let i = 0; i < 5; i += 1) await post(b);
    await until(() => a.received.length === 6 && b.received.length === 6, 'caught up after resubscribing');
    expect(a.received).to.deep.equal(range(1, 6));
    expect(b.received).to.deep.equal(range(1, 6));
    expect(events(a.logger)).to.deep.equal(['warn redis fan-out unavailable; serving this node only until it is back', 'info redis fan-out restored']);
  });

  it('finds a message stored but never published (its node died in between) through the audit', async () => {
    const a = await startNode('a', { auditMs: 100 });
    const b = await startNode('b', { auditMs: 100 });
    await until(() => a.fanout.isReady() && b.fanout.isReady(), 'both subscribed');
    await post(a);
    await until(() => b.received.length === 1, 'b got 1');
    // Stored, never published, and the last message anyone posts: no later one reveals it, only the audit can.
    await store.messages.append({ room: 'general', username: 'alice', text: 'orphan', createdAt: new Date() });
    await until(() => a.received.length === 2 && b.received.length === 2, 'both find it in the store');
    expect(a.received).to.deep.equal([1, 2]);
    expect(b.received).to.deep.equal([1, 2]);
  });

  it('after CLIENT KILL of its publisher, publishes again once reconnected', async () => {
    const a = await startNode('a', redisOnly);
    const b = await startNode('b', redisOnly);
    await until(() => a.fanout.isReady() && b.fanout.isReady(), 'both subscribed');
    expect(await killConnections(`${channel}:a:pub`), 'a’s publisher killed').to.equal(1);
    await until(() => !a.fanout.isReady(), 'a notices');
    await until(() => a.fanout.isReady(), 'a reconnects');
    await post(a);
    await until(() => b.received.length === 1, 'b hears a again');
    expect(b.received).to.deep.equal([1]);
  });

  it('notices a partition (nothing answers, nothing resets) and recovers from it', async () => {
    const proxy = await TcpProxy.start(Number(new URL(REDIS_URL).port || 6379), new URL(REDIS_URL).hostname);
    proxies.push(proxy);
    const a = await startNode('a', { url: proxy.rewrite(REDIS_URL), auditMs: 100, stallTimeoutMs: 400 });
    await until(() => a.fanout.isReady(), 'subscribed');
    proxy.stall();
    const started = Date.now();
    for (let i = 0; i < 20; i += 1) await post(a);
    expect(Date.now() - started, 'publishing does not wait for Redis').to.be.below(200);
    expect(a.received).to.deep.equal(range(1, 20));
    await until(() => !a.fanout.isReady(), 'the stall is noticed', 3000);
    proxy.restore();
    await until(() => a.fanout.isReady(), 'recovered');
  });

  it('stays connected through a quiet spell: the pings that detect a stall are answered', async () => {
    const a = await startNode('a', { auditMs: 100, stallTimeoutMs: 300 });
    await until(() => a.fanout.isReady(), 'subscribed');
    const wasDown: boolean[] = [];
    const watch = setInterval(() => wasDown.push(!a.fanout.isReady()), 20);
    // What is measured is that nothing happens: several stall timeouts of real time (the pings' clock is ioredis's), never down.
    await new Promise((resolve) => setTimeout(resolve, 1200));
    clearInterval(watch);
    expect(wasDown.filter(Boolean), 'never down').to.deep.equal([]);
    expect(a.logger.entries).to.deep.equal([]);
  });

  it('starts while Redis is unreachable, and connects when it comes', async () => {
    const proxy = await TcpProxy.start(Number(new URL(REDIS_URL).port || 6379), new URL(REDIS_URL).hostname);
    proxies.push(proxy);
    proxy.cut();
    const a = await startNode('a', { url: proxy.rewrite(REDIS_URL) });
    expect(a.fanout.isReady()).to.equal(false);
    await post(a);
    expect(a.received).to.deep.equal([1]);
    await until(() => proxy.refused >= 4, 'each of its two connections tries twice, failing');
    expect(events(a.logger)).to.deep.equal(['warn redis fan-out unavailable; serving this node only until it is back']);
    proxy.restore();
    await until(() => a.fanout.isReady(), 'connected');
    expect(events(a.logger)).to.deep.equal(['warn redis fan-out unavailable; serving this node only until it is back', 'info redis fan-out restored']);
  });

  it('starts after the messages already stored, and ignores strangers on its channel (warning once)', async () => {
    await store.messages.append({ room: 'general', username: 'alice', text: 'old', createdAt: new Date() });
    const a = await startNode('a', redisOnly);
    const b = await startNode('b', redisOnly);
    await until(() => a.fanout.isReady() && b.fanout.isReady(), 'both subscribed');
    const stranger = adminClient();
    try {
      await stranger.publish(channel, 'not json');
      await stranger.publish(channel, '{"id":"2"}');
    } finally {
      stranger.disconnect();
    }
    await post(b);
    await until(() => a.received.length === 1, 'a got 2');
    expect(a.received).to.deep.equal([2]);
    expect(events(a.logger)).to.deep.equal(['warn fan-out ignored a malformed message on its channel']);
  });

  it('close() stops delivering and leaves no connection behind', async () => {
    const a = await startNode('a');
    const b = await startNode('b');
    await until(() => a.fanout.isReady() && b.fanout.isReady(), 'both subscribed');
    expect(await connectionNames(channel)).to.have.length(4);
    await a.fanout.close();
    expect(a.fanout.isReady()).to.equal(false);
    await post(b);
    // Nothing may arrive: a short window for a delivery that should not happen.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(a.received).to.deep.equal([]);
    expect(b.received).to.deep.equal([1]);
    // Redis drops a closed connection from its list a moment later.
    await eventually(async () => expect((await connectionNames(channel)).sort()).to.deep.equal([`${channel}:b:pub`, `${channel}:b:sub`]), {
      what: 'only b’s connections left',
    });
  });
});
