import { spawn, type ChildProcess } from 'node:child_process';
import { expect } from 'chai';
import { numberedTexts } from '../support/burst.js';
import { Cluster, readyz, storeWithoutPublishing, storedRows, untilReady, type ClusterNode, type Recorder, type StoredRow } from '../support/cluster.js';
import { eventually } from '../support/eventually.js';
import { ProcessDatabase } from '../support/process-database.js';
import { REDIS_URL, answersPing, connectionNames, killConnections, requireRedis, uniqueChannel } from '../support/redis.js';
import { freePort } from '../support/nginx.js';
import { TcpProxy } from '../support/tcp-proxy.js';

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const redisPort = Number(new URL(REDIS_URL).port || 6379);
const redisHost = new URL(REDIS_URL).hostname;
const UNAVAILABLE = 'redis fan-out unavailable; serving this node only until it is back';

describe('Several server processes on one database and one Redis (PostgreSQL)', function () {
  this.timeout(120_000);
  let database: ProcessDatabase | undefined;
  let cluster: Cluster;
  let proxies: TcpProxy[] = [];

  beforeEach(async function () {
    await requireRedis(this);
    database = await ProcessDatabase.prepare(this);
    cluster = new Cluster(database, uniqueChannel('multi-node'));
  });
  afterEach(async () => {
    await cluster?.stopAll();
    await Promise.all(proxies.map((proxy) => proxy.close()));
    proxies = [];
    await database?.dispose();
    database = undefined;
  });

  /** `count` authorized senders on `node`, named after it. */
  async function senders(node: ClusterNode, count: number): Promise<Recorder[]> {
    return Promise.all(
      range(1, count).map(async (i) => {
        const username = `${node.name}-sender${i}`;
        const token = await cluster.register(node, username);
        return cluster.connect(node, { username, token });
      }),
    );
  }

  async function join(recorder: Recorder, room: string): Promise<void> {
    recorder.client.sendJson({ type: 'join', room });
    await recorder.until((r) => r.frames.some((f) => f.type === 'joined' && f.room === room), `joined ${room}`, 5000);
  }

  /**
   * Waits until the client has seen the last stored message, then checks it
   * saw exactly the table: each message once, and each room's messages in id
   * order. (A connection in several rooms gets each room in order; messages
   * of two rooms stored in one batch come room by room, as docs/protocol.md
   * promises order per room.)
   */
  async function expectSawExactlyTheTable(recorder: Recorder, rows: StoredRow[], label: string): Promise<void> {
    const lastId = rows.at(-1)?.id;
    await recorder.until((r) => r.ids.includes(lastId as number), `${label}: saw the last message, ${lastId}`, 20_000);
    const ids = recorder.ids;
    expect(new Set(ids).size, `${label}: no duplicate`).to.equal(ids.length);
    for (const room of new Set(rows.map((row) => row.room))) {
      expect(
        recorder.seen.filter((m) => m.room === room),
        `${label}: exactly the stored messages of ${room}, in id order`,
      ).to.deep.equal(rows.filter((row) => row.room === room));
    }
    expect(ids.length, `${label}: nothing else`).to.equal(rows.length);
    expect(recorder.errors, `${label}: no error`).to.deep.equal([]);
  }

  /** Every acknowledgement names a stored message, under the id it carried. */
  function expectAcknowledgedStored(recorder: Recorder, rows: StoredRow[], label: string): void {
    const byId = new Map(rows.map((row) => [row.id, row]));
    for (const ack of recorder.acked) {
      const row = byId.get(ack.id);
      expect(row && { id: row.id, username: row.username, text: row.text }, `${label}: acknowledged ${ack.text} as ${ack.id}`).to.deep.equal({
        id: ack.id,
        username: recorder.username,
        text: ack.text,
      });
    }
  }

  it('clients on every node see every room’s messages, posted concurrently on every node, once each, each room in id order', async () => {
    const nodes = await Promise.all([cluster.start('a', REDIS_URL), cluster.start('b', REDIS_URL), cluster.start('c', REDIS_URL)]);
    const PER_SENDER = 120;
    const posting = await Promise.all(nodes.map((node) => senders(node, 2)));
    const readers = await Promise.all(nodes.map((node) => cluster.connect(node)));
    const everyone = [...posting.flat(), ...readers];
    // Everybody is in both rooms, so everybody sees every message; node b's senders post to dev.
    // The senders' joins create dev; a reader without a user may only join it once it exists.
    await Promise.all(posting.flat().map((recorder) => join(recorder, 'dev')));
    await Promise.all(readers.map((recorder) => join(recorder, 'dev')));

    await Promise.all(
      posting.flatMap((group, n) =>
        group.map((sender) => sender.post(numberedTexts(sender.username as string, PER_SENDER), { room: n === 1 ? 'dev' : 'general', window: 5 })),
      ),
    );

    const rows = await storedRows(database!);
    const total = 3 * 2 * PER_SENDER;
    expect(
      rows.map((row) => row.id),
      'ids are dense: 1..N over the test’s messages',
    ).to.deep.equal(range(1, total));
    for (const recorder of everyone) await expectSawExactlyTheTable(recorder, rows, `${recorder.username ?? 'reader'} on ${recorder.node}`);
    for (const sender of posting.flat()) {
      expect(sender.acked, `${sender.username}: every message acknowledged`).to.have.length(PER_SENDER);
      expectAcknowledgedStored(sender, rows, sender.username as string);
    }
    const dev = readers[0]!.seen.filter((m) => m.room === 'dev').map((m) => m.username);
    expect(new Set(dev), 'room travels with the message').to.deep.equal(new Set(['b-sender1', 'b-sender2']));
  });

  it('a client resumes on another node with join+after (and on a third with ?after=): exactly what it missed, then live', async () => {
    const [a, b] = await Promise.all([cluster.start('a', REDIS_URL), cluster.start('b', REDIS_URL)]);
    const [onA] = await senders(a, 1);
    const [onB] = await senders(b, 1);
    const PER_SENDER = 300;
    const first = await cluster.connect(a);
    // One message at a time per sender: the traffic lasts while the reader hops from node to node.
    const posting = Promise.all([onA!.post(numberedTexts('a', PER_SENDER), { window: 1 }), onB!.post(numberedTexts('b', PER_SENDER), { window: 1 })]);
    const acknowledged = () => onA!.acked.length + onB!.acked.length;
    /** Away while messages keep coming: until `count` more are stored. */
    const awayFor = async (count: number) => {
      const before = acknowledged();
      await eventually(() => acknowledged() >= before + count, { what: `${count} messages stored while the reader is away`, timeoutMs: 10_000 });
    };

    await first.until((r) => r.seen.length >= 60, 'first session reads');
    first.close();
    await first.done;
    const firstLast = first.ids.at(-1) as number;
    await awayFor(20);

    const second = await cluster.connect(b);
    second.client.sendJson({ type: 'join', room: 'general', after: firstLast });
    await second.until((r) => r.frames.some((f) => f.type === 'catchup' && f.more === false), 'second session caught up');
    await second.until((r) => r.seen.length >= 60, 'second session reads');
    second.close();
    await second.done;
    const secondLast = Math.max(...second.ids);
    await awayFor(20);

    // The cursor in the URL: the catch-up starts before any live message can.
    const third = await cluster.connect(a, undefined, `/ws?after=${secondLast}`);
    await posting;
    const rows = await storedRows(database!);
    expect(rows).to.have.length(2 * PER_SENDER);
    await third.until((r) => r.ids.includes(rows.at(-1)!.id), 'third session saw the last message', 20_000);

    expect(first.ids, 'first session: 1.. in order').to.deep.equal(range(1, firstLast));
    // Live messages may come before "joined" (every connection starts in general); the catch-up skips those.
    const joinedAt = second.frames.findIndex((f) => f.type === 'joined');
    const early = second.frames
      .slice(0, joinedAt)
      .filter((f) => f.type === 'message')
      .map((f) => f.id as number);
    const afterJoin = second.ids.slice(early.length);
    expect(afterJoin, 'second session after joined: in order').to.deep.equal([...afterJoin].sort((x, y) => x - y));
    expect(
      [...second.ids].sort((x, y) => x - y),
      'second session: exactly what the first missed, up to where it stopped',
    ).to.deep.equal(range(firstLast + 1, secondLast));
    expect(third.ids, 'third session: everything after, in order').to.deep.equal(range(secondLast + 1, rows.at(-1)!.id));
    const everything = [...first.seen, ...second.seen, ...third.seen].sort((x, y) => x.id - y.id);
    expect(everything, 'the three sessions together: the table, each message once').to.deep.equal(rows);
  });

  it('when a node is killed (SIGKILL) mid-burst, the others’ clients still see the table, in order, and every acknowledgement is stored', async () => {
    const [a, b, k] = await Promise.all([cluster.start('a', REDIS_URL), cluster.start('b', REDIS_URL), cluster.start('k', REDIS_URL)]);
    const [onA, onB, onK] = [await senders(a, 2), await senders(b, 2), await senders(k, 2)];
    /** Enough that the survivors are still posting well after node k dies. */
    const SURVIVOR_POSTS = 600;
    const readers = [await cluster.connect(a), await cluster.connect(b)];
    await cluster.register(a, 'ghost');
    const survivors = [...onA, ...onB];
    const orphans: Array<Promise<number>> = [];
    let killed: Promise<void> | undefined;
    let acks = 0;
    let killedAt = -1;
    for (const sender of onK) {
      sender.onFrame = (frame) => {
        if (frame.type !== 'message' || frame.username !== sender.username || ++acks < 200 || killedAt >= 0) return;
        // At the 200th acknowledgement of node k, its writes and publishes are in flight. Frozen first:
        // the writes it already sent still commit, but it never hears so and never publishes them.
        killedAt = acks;
        k.process.child.kill('SIGSTOP');
        // And for certain one such message, while the others go on posting: their next ids reveal the hole.
        const orphan = storeWithoutPublishing(database!, { room: 'general', username: 'ghost', text: 'orphan mid-burst' });
        orphans.push(orphan);
        // Killed once a survivor's message is stored after the orphan: the hole is there for the others to find.
        killed = (async () => {
          try {
            const id = await orphan;
            await eventually(() => survivors.some((s) => s.acked.some((ack) => ack.id > id)), { what: 'a survivor’s message stored after the orphan' });
          } finally {
            k.process.child.kill('SIGKILL');
          }
        })();
      };
    }

    await Promise.all([
      ...survivors.map((sender) => sender.post(numberedTexts(sender.username as string, SURVIVOR_POSTS), { window: 5 })),
      ...onK.map((sender) => sender.post(numberedTexts(sender.username as string, 5000), { window: 5 })),
    ]);
    await killed;
    await k.process.exited;
    expect(k.process.child.signalCode).to.equal('SIGKILL');
    expect(killedAt, 'the kill happened mid-burst').to.be.at.least(200);
    for (const sender of onK) expect(sender.open, `${sender.username} was cut off`).to.equal(false);
    // The last message of all, never published: no later message reveals it; the nodes' audit of the store does.
    orphans.push(storeWithoutPublishing(database!, { room: 'general', username: 'ghost', text: 'orphan at the end' }));
    const orphanIds = await Promise.all(orphans);

    const rows = await storedRows(database!);
    expect(
      rows.map((row) => row.id),
      'dense ids',
    ).to.deep.equal(range(1, rows.length));
    expect(orphanIds.at(-1), 'the orphan is the last message').to.equal(rows.at(-1)!.id);
    expect(orphanIds[0], 'the first orphan is followed by others’ messages').to.be.below(rows.at(-1)!.id - 1);
    for (const recorder of [...readers, ...survivors]) await expectSawExactlyTheTable(recorder, rows, `${recorder.username ?? 'reader'} on ${recorder.node}`);
    for (const sender of [...survivors, ...onK]) expectAcknowledgedStored(sender, rows, sender.username as string);
    for (const sender of survivors) expect(sender.acked).to.have.length(SURVIVOR_POSTS);
    const fromK = rows.filter((row) => row.username.startsWith('k-')).length;
    const ackedByK = onK.reduce((n, sender) => n + sender.acked.length, 0);
    console.log(`      (node k: ${ackedByK} acknowledged, ${fromK} stored before the kill)`);
  });

  it('when every node’s Redis connections are killed (CLIENT KILL) mid-burst, every client still sees the table in order', async () => {
    const [a, b] = await Promise.all([cluster.start('a', REDIS_URL), cluster.start('b', REDIS_URL)]);
    const posting = [...(await senders(a, 2)), ...(await senders(b, 2))];
    const readers = [await cluster.connect(a), await cluster.connect(b)];
    let acks = 0;
    const kills: Array<Promise<number>> = [];
    // Each node's publisher and subscriber, once all four are connected (again).
    const killAll = async () => {
      await eventually(async () => (await connectionNames(cluster.channel)).length === 4, { what: 'four connections to Redis', timeoutMs: 10_000 });
      return killConnections(cluster.channel);
    };
    for (const sender of posting) {
      sender.onFrame = (frame) => {
        if (frame.type !== 'message' || frame.username !== sender.username) return;
        acks += 1;
        // Twice, while the burst runs.
        if (acks === 300 || acks === 1000) kills.push(killAll());
      };
    }
    await Promise.all(posting.map((sender) => sender.post(numberedTexts(sender.username as string, 400), { window: 5 })));
    expect(await Promise.all(kills), 'four connections killed, twice').to.deep.equal([4, 4]);

    const rows = await storedRows(database!);
    expect(rows.map((row) => row.id)).to.deep.equal(range(1, 1600));
    for (const recorder of [...readers, ...posting]) await expectSawExactlyTheTable(recorder, rows, `${recorder.username ?? 'reader'} on ${recorder.node}`);
  });

  it('while Redis is unreachable, each node serves its clients and is not ready; after, every client has every message in order', async () => {
    const proxyA = await TcpProxy.start(redisPort, redisHost);
    const proxyB = await TcpProxy.start(redisPort, redisHost);
    proxies.push(proxyA, proxyB);
    const [a, b] = await Promise.all([cluster.start('a', proxyA.rewrite(REDIS_URL)), cluster.start('b', proxyB.rewrite(REDIS_URL))]);
    const [onA] = await senders(a, 1);
    const [onB] = await senders(b, 1);
    const readers = [await cluster.connect(a), await cluster.connect(b)];
    // Recorder.post goes on after what it already sent: each phase's list adds 50 texts to the previous one.
    const texts = (sender: Recorder, phases: string[]) => phases.flatMap((label) => numberedTexts(`${sender.node}-${label}`, 50));

    await Promise.all([onA!.post(texts(onA!, ['before'])), onB!.post(texts(onB!, ['before']))]);

    proxyA.cut();
    proxyB.cut();
    for (const node of [a, b]) {
      await eventually(async () => (await readyz(node)).body?.checks?.redis === 'unreachable', {
        what: `${node.name}: /readyz says Redis is unreachable`,
        everyMs: 20,
      });
      expect((await readyz(node)).status).to.equal(503);
    }
    // Each node still takes, stores and acknowledges its own clients' messages.
    await Promise.all([
      onA!.post(texts(onA!, ['before', 'during']), { deadlineMs: 15_000 }),
      onB!.post(texts(onB!, ['before', 'during']), { deadlineMs: 15_000 }),
    ]);
    expect(onA!.acked, 'a acknowledges during the outage').to.have.length(100);
    expect(onB!.acked, 'b acknowledges during the outage').to.have.length(100);
    const lastDuring = onA!.acked.at(-1)!.id;
    await readers[0]!.until((r) => r.ids.includes(lastDuring), 'gets a’s messages during the outage', 5000);
    expect((await readyz(a)).body.checks.redis, 'still cut off').to.equal('unreachable');

    proxyA.restore();
    proxyB.restore();
    for (const node of [a, b]) await untilReady(node, 10_000);
    await Promise.all([onA!.post(texts(onA!, ['before', 'during', 'after'])), onB!.post(texts(onB!, ['before', 'during', 'after']))]);

    const rows = await storedRows(database!);
    expect(rows.map((row) => row.id)).to.deep.equal(range(1, 300));
    for (const recorder of [...readers, onA!, onB!]) await expectSawExactlyTheTable(recorder, rows, `${recorder.username ?? 'reader'} on ${recorder.node}`);
    for (const node of [a, b]) {
      const events = node.process.logs.map((entry) => entry.event).filter((event) => typeof event === 'string' && event.startsWith('redis fan-out'));
      expect(events, `${node.name}: the outage logged once, and the recovery`).to.deep.equal([UNAVAILABLE, 'redis fan-out restored']);
    }
  });

  it('when Redis itself is restarted mid-burst, every client ends with every message in order, and nobody waits for it', async () => {
    // A Redis of the test's own, so that restarting it disturbs nothing else on the machine.
    const redis = await PrivateRedis.start();
    try {
      const [a, b] = await Promise.all([cluster.start('a', redis.url), cluster.start('b', redis.url)]);
      const [onA] = await senders(a, 1);
      const [onB] = await senders(b, 1);
      const readers = [await cluster.connect(a), await cluster.connect(b)];
      const PER_SENDER = 400;
      // One at a time per sender: the burst lasts through the restart.
      const posting = Promise.all([
        onA!.post(numberedTexts('a', PER_SENDER), { window: 1, deadlineMs: 60_000 }),
        onB!.post(numberedTexts('b', PER_SENDER), { window: 1, deadlineMs: 60_000 }),
      ]);
      await onA!.until((r) => r.acked.length >= 50, 'traffic before the restart');

      await redis.stop();
      const during = onA!.acked.length;
      await onA!.until((r) => r.acked.length >= during + 20, 'keeps acknowledging while Redis is down', 10_000);
      await redis.start();
      for (const node of [a, b]) await untilReady(node, 15_000);
      await posting;

      const rows = await storedRows(database!);
      expect(rows.map((row) => row.id)).to.deep.equal(range(1, 2 * PER_SENDER));
      for (const recorder of [...readers, onA!, onB!]) await expectSawExactlyTheTable(recorder, rows, `${recorder.username ?? 'reader'} on ${recorder.node}`);
    } finally {
      await redis.stop();
    }
  });
});

/** redis-server as a child process on a port of its own, stopped and started again by the test. */
class PrivateRedis {
  private child: ChildProcess | undefined;

  private constructor(private readonly port: number) {}

  static async start(): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await freePort());
    await redis.start();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const binary = process.env.REDIS_SERVER ?? 'redis-server';
    this.child = spawn(binary, ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    await eventually(() => answersPing(this.url), { what: `${binary} answers on port ${this.port}`, timeoutMs: 10_000, everyMs: 50 });
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
}
