import { expect } from 'chai';
import { RedisPresence, decodePresence, type RedisPresenceOptions } from '../../src/adapters/presence/redis-presence.js';
import { FixedClock } from '../fakes/fixed-clock.js';
import { SilentLogger } from '../fakes/silent-logger.js';
import { eventually } from '../support/eventually.js';
import { REDIS_URL, adminClient, connectionNames, killConnections, requireRedis, uniqueChannel } from '../support/redis.js';
import { TcpProxy } from '../support/tcp-proxy.js';

/** One server process as presence sees it: its board, what its listeners heard ("room +user"), what it logged. */
interface Node {
  board: RedisPresence;
  heard: string[];
  logger: SilentLogger;
}

const events = (logger: SilentLogger) => logger.entries.map((entry) => `${entry.level} ${entry.event}`);
const UNAVAILABLE = 'warn redis presence unavailable; other nodes’ users are dropped when they expire, until it is back';

describe('RedisPresence wire format', () => {
  it('reads the three kinds of message', () => {
    expect(decodePresence('{"node":"n1","kind":"snapshot","rooms":{"dev":["alice","bob"]},"hello":true}')).to.deep.equal({
      node: 'n1',
      kind: 'snapshot',
      rooms: { dev: ['alice', 'bob'] },
      hello: true,
    });
    expect(decodePresence('{"node":"n1","kind":"snapshot","rooms":{}}')).to.deep.equal({ node: 'n1', kind: 'snapshot', rooms: {} });
    expect(decodePresence('{"node":"n1","kind":"change","changes":[{"room":"dev","user":"alice","present":false,"extra":1}]}')).to.deep.equal({
      node: 'n1',
      kind: 'change',
      changes: [{ room: 'dev', user: 'alice', present: false }],
    });
    expect(decodePresence('{"node":"n1","kind":"bye"}')).to.deep.equal({ node: 'n1', kind: 'bye' });
  });

  it('refuses what is not one', () => {
    for (const text of [
      '',
      'null',
      '[]',
      '42',
      '{"kind":"bye"}',
      '{"node":"","kind":"bye"}',
      '{"node":7,"kind":"bye"}',
      '{"node":"n1","kind":"hello"}',
      '{"node":"n1","kind":"snapshot"}',
      '{"node":"n1","kind":"snapshot","rooms":[]}',
      '{"node":"n1","kind":"snapshot","rooms":{"dev":"alice"}}',
      '{"node":"n1","kind":"snapshot","rooms":{"dev":[1]}}',
      '{"node":"n1","kind":"snapshot","rooms":{},"hello":"yes"}',
      '{"node":"n1","kind":"change","changes":{}}',
      '{"node":"n1","kind":"change","changes":[{"room":"dev","user":"alice"}]}',
      '{"node":"n1","kind":"change","changes":[{"room":"dev","user":"alice","present":"true"}]}',
      '{"node":"n1","kind":"change","changes":[null]}',
    ]) {
      expect(decodePresence(text), text).to.equal(undefined);
    }
  });
});

describe('RedisPresence (real Redis)', function () {
  this.timeout(30_000);
  let nodes: Node[] = [];
  let proxies: TcpProxy[] = [];
  let channel: string;
  /** The nodes' snapshot and expiry timers: they run only when a test moves it. */
  let clock: FixedClock;

  beforeEach(async function () {
    await requireRedis(this);
    channel = uniqueChannel('presence');
    clock = new FixedClock();
  });
  afterEach(async () => {
    await Promise.all(nodes.map((node) => node.board.close()));
    await Promise.all(proxies.map((proxy) => proxy.close()));
    nodes = [];
    proxies = [];
  });

  /**
   * A node on the test's channel; `name` tells its connections apart on
   * Redis. Its timers run on the test's clock: no snapshot and no expiry
   * unless the test moves it, so that only the mechanism under test
   * (changes, hello, goodbye) can bring what it checks.
   */
  function startNode(name: string, options: Partial<RedisPresenceOptions> = {}): Node {
    const logger = new SilentLogger();
    const board = new RedisPresence({
      url: REDIS_URL,
      channel,
      connectionName: `${channel}:${name}`,
      nodeId: name,
      logger,
      maxReconnectDelayMs: 200,
      clock,
      ...options,
    });
    const node: Node = { board, heard: [], logger };
    board.subscribe((room, user, present) => node.heard.push(`${room} ${present ? '+' : '-'}${user}`));
    nodes.push(node);
    return node;
  }

  /** What travels through Redis (and the reconnections of ioredis, on real time) arrives a moment later. */
  const until = (condition: () => boolean, what: string, timeoutMs = 10_000) => eventually(condition, { what, timeoutMs });

  /** Both boards subscribed and each known to the other. */
  async function connected(...all: Node[]): Promise<void> {
    await until(() => all.every((node) => node.board.isReady()), 'all subscribed');
    await until(() => all.every((node) => node.board.peers.length === all.length - 1), 'all know each other');
  }

  it('carries each node’s arrivals and departures to the other, and lists both nodes’ users', async () => {
    const a = startNode('a');
    const b = startNode('b');
    await connected(a, b);
    a.board.update('dev', 'alice', true);
    expect(a.heard, 'a hears its own change at once').to.deep.equal(['dev +alice']);
    b.board.update('dev', 'bob', true);
    await until(() => a.board.users('dev').length === 2 && b.board.users('dev').length === 2, 'both listed everywhere');
    expect(a.board.users('dev')).to.deep.equal(['alice', 'bob']);
    expect(b.board.users('dev')).to.deep.equal(['alice', 'bob']);
    expect(b.heard).to.deep.equal(['dev +bob', 'dev +alice']);

    a.board.update('dev', 'alice', false);
    await until(() => b.heard.length === 3, 'b hears alice leave');
    expect(b.heard.at(-1)).to.equal('dev -alice');
    expect(b.board.users('dev')).to.deep.equal(['bob']);
    expect(a.heard).to.deep.equal(['dev +alice', 'dev +bob', 'dev -alice']);
  });

  it('hears a user on two nodes arrive once and leave once, when the last node lets go', async () => {
    const a = startNode('a');
    const b = startNode('b');
    const c = startNode('c');
    await connected(a, b, c);
    a.board.update('dev', 'alice', true);
    b.board.update('dev', 'alice', true);
    await until(() => c.heard.length === 1, 'c hears alice');
    a.board.update('dev', 'alice', false);
    // A change of b's made after a's reaches c after it: once c has it, c has a's too.
    b.board.update('ops', 'marker', true);
    await until(() => c.heard.length === 2, 'c hears the marker');
    expect(c.heard, 'still there through b').to.deep.equal(['dev +alice', 'ops +marker']);
    expect(c.board.users('dev')).to.deep.equal(['alice']);
    b.board.update('dev', 'alice', false);
    await until(() => c.heard.length === 3, 'c hears alice leave');
    expect(c.heard.at(-1)).to.equal('dev -alice');
  });

  it('tells a node that starts late who is there already, without waiting for a snapshot', async () => {
    const a = startNode('a');
    await until(() => a.board.isReady(), 'a subscribed');
    a.board.update('dev', 'alice', true);
    a.board.update('general', 'alice', true);
    const b = startNode('b');
    await until(() => b.board.users('dev').length === 1, 'b learns alice from a’s answer to its hello');
    expect(b.board.users('general')).to.deep.equal(['alice']);
    expect(b.heard.sort()).to.deep.equal(['dev +alice', 'general +alice']);
  });

  it('a node that closes says goodbye: its users leave the others at once, not at the expiry', async () => {
    // The clock stands still: no expiry can drop a.
    const a = startNode('a');
    const b = startNode('b');
    await connected(a, b);
    a.board.update('dev', 'alice', true);
    a.board.update('ops', 'alice', true);
    await until(() => b.heard.length === 2, 'b hears alice');
    await a.board.close();
    await until(() => b.heard.length === 4, 'b hears alice leave');
    expect(b.heard.slice(2).sort()).to.deep.equal(['dev -alice', 'ops -alice']);
    expect(b.board.peers).to.deep.equal([]);
  });

  it('drops a node gone silent after the expiry, and takes it back when it speaks again', async () => {
    const proxy = await TcpProxy.start(Number(new URL(REDIS_URL).port || 6379), new URL(REDIS_URL).hostname);
    proxies.push(proxy);
    const timing = { snapshotMs: 200, expiryMs: 800 };
    const a = startNode('a', { ...timing, url: proxy.rewrite(REDIS_URL) });
    const b = startNode('b', timing);
    await connected(a, b);
    a.board.update('dev', 'alice', true);
    b.board.update('dev', 'bob', true);
    await until(() => a.heard.length === 2 && b.heard.length === 2, 'each hears the other');

    // Each last heard the other now; from here a's snapshots are lost, and so are b's to a.
    proxy.cut();
    await until(() => events(a.logger).includes(UNAVAILABLE), 'a notices the cut');
    clock.advance(timing.expiryMs - 1);
    expect(b.heard, 'not before the expiry').to.have.length(2);
    expect(a.heard, 'not before the expiry').to.have.length(2);
    clock.advance(1);
    expect(b.heard.at(-1), 'b drops a at the expiry').to.equal('dev -alice');
    expect(events(b.logger)).to.deep.equal(['info presence dropped a silent node']);
    // a, cut off, keeps its own user and drops b's in turn.
    expect(a.heard.at(-1), 'a drops b').to.equal('dev -bob');
    expect(a.board.users('dev')).to.deep.equal(['alice']);
    a.board.update('dev', 'carol', true);
    expect(a.board.users('dev'), 'a serves its own presence meanwhile').to.deep.equal(['alice', 'carol']);
    expect(events(a.logger)).to.deep.equal([UNAVAILABLE, 'info presence dropped a silent node']);

    proxy.restore();
    await until(() => a.board.users('dev').length === 3 && b.board.users('dev').length === 3, 'together again');
    expect(b.board.users('dev')).to.deep.equal(['alice', 'bob', 'carol']);
    expect(b.heard.slice(3).sort()).to.deep.equal(['dev +alice', 'dev +carol']);
    expect(a.heard.slice(4)).to.deep.equal(['dev +bob']);
    expect(events(a.logger)).to.deep.equal([UNAVAILABLE, 'info presence dropped a silent node', 'info redis presence restored']);
  });

  it('after CLIENT KILL of its subscription, resubscribes and learns what it missed from the others’ answers to its hello', async () => {
    const a = startNode('a');
    const b = startNode('b');
    await connected(a, b);
    b.board.update('dev', 'bob', true);
    await until(() => a.heard.length === 1, 'a hears bob');

    expect(await killConnections(`${channel}:a:sub`), 'a’s subscription killed').to.equal(1);
    // Published before a is subscribed again: Redis drops these for a. Only b's snapshot (in 60 s) or its answer to a's hello can bring them.
    b.board.update('dev', 'bob', false);
    b.board.update('dev', 'dave', true);
    await until(() => a.board.users('dev').join() === 'dave', 'a has b’s current list');
    expect(a.heard).to.deep.equal(['dev +bob', 'dev +dave', 'dev -bob']);
    expect(events(a.logger)).to.deep.equal([UNAVAILABLE, 'info redis presence restored']);
  });

  it('repairs from the periodic snapshot what a lost publication left wrong', async () => {
    const a = startNode('a', { snapshotMs: 200, expiryMs: 60_000 });
    const b = startNode('b', { snapshotMs: 200, expiryMs: 60_000 });
    await connected(a, b);
    b.board.update('dev', 'bob', true);
    await until(() => a.board.users('dev').length === 1, 'a lists bob');
    // A publication of b's "bob left" that never arrived: a stranger tells a that b has bob, after b said he left.
    b.board.update('dev', 'bob', false);
    await until(() => a.board.users('dev').length === 0, 'a hears bob leave');
    const stranger = adminClient();
    try {
      await stranger.publish(`${channel}:presence`, JSON.stringify({ node: 'b', kind: 'change', changes: [{ room: 'dev', user: 'bob', present: true }] }));
    } finally {
      stranger.disconnect();
    }
    await until(() => a.board.users('dev').length === 1, 'a believes the stale change');
    // Time moves for the first time: nobody expires, and only b's snapshot can set a right.
    clock.advance(200);
    await until(() => a.board.users('dev').length === 0, 'b’s next snapshot sets it right');
  });

  it('keeps a quiet node: its snapshots say it is alive', async () => {
    // Real time: the snapshots must cross Redis within the expiry, and the pings within the stall timeout.
    const timing = { snapshotMs: 200, expiryMs: 600, stallTimeoutMs: 300, clock: undefined };
    const a = startNode('a', timing);
    const b = startNode('b', timing);
    await connected(a, b);
    a.board.update('dev', 'alice', true);
    await until(() => b.heard.length === 1, 'b hears alice');
    // What is measured is that nothing happens: two expiry times without a change, and nobody dropped.
    await new Promise((resolve) => setTimeout(resolve, 2 * timing.expiryMs));
    expect(b.heard).to.deep.equal(['dev +alice']);
    expect(b.board.peers).to.deep.equal(['a']);
    expect([...a.logger.entries, ...b.logger.entries]).to.deep.equal([]);
  });

  it('ignores strangers on its channel, warning once', async () => {
    const a = startNode('a');
    const b = startNode('b');
    await connected(a, b);
    const stranger = adminClient();
    try {
      await stranger.publish(`${channel}:presence`, 'not json');
      await stranger.publish(`${channel}:presence`, '{"node":"x","kind":"change","changes":"all"}');
    } finally {
      stranger.disconnect();
    }
    b.board.update('dev', 'bob', true);
    await until(() => a.heard.length === 1, 'a hears bob');
    expect(a.heard).to.deep.equal(['dev +bob']);
    expect(events(a.logger)).to.deep.equal(['warn presence ignored a malformed message on its channel']);
  });

  it('close() leaves no connection behind, and a closed board publishes nothing', async () => {
    const a = startNode('a');
    const b = startNode('b');
    await connected(a, b);
    expect((await connectionNames(channel)).sort()).to.deep.equal([`${channel}:a:pub`, `${channel}:a:sub`, `${channel}:b:pub`, `${channel}:b:sub`]);
    await a.board.close();
    a.board.update('dev', 'alice', true);
    clock.advance(60_000);
    // Nothing may arrive: a short window for a publication that should not exist.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(b.heard).to.deep.equal([]);
    // Redis drops a closed connection from its list a moment later.
    await eventually(async () => expect((await connectionNames(channel)).sort()).to.deep.equal([`${channel}:b:pub`, `${channel}:b:sub`]), {
      what: 'only b’s connections left',
    });
  });
});
