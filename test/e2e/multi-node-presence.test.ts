import { expect } from 'chai';
import { Cluster, openConnections, type ClusterNode, type Recorder } from '../support/cluster.js';
import { eventually } from '../support/eventually.js';
import { ProcessDatabase } from '../support/process-database.js';
import { REDIS_URL, requireRedis, uniqueChannel } from '../support/redis.js';

/**
 * PRESENCE_EXPIRY for the test that kills a node: one that dies unannounced
 * is dropped this long after it was last heard. Snapshots then come every
 * third of it, and the expiry is checked as often.
 */
const EXPIRY_MS = 2000;
const SNAPSHOT_MS = EXPIRY_MS / 3;

describe('Presence across server processes on one Redis (PostgreSQL)', function () {
  this.timeout(120_000);
  let database: ProcessDatabase | undefined;
  let cluster: Cluster;
  const tokens = new Map<string, string>();

  beforeEach(async function () {
    await requireRedis(this);
    database = await ProcessDatabase.prepare(this);
    cluster = new Cluster(database, uniqueChannel('multi-node-presence'));
    tokens.clear();
  });
  afterEach(async () => {
    await cluster?.stopAll();
    await database?.dispose();
    database = undefined;
  });

  /** An authorized connection of `username` (registered on the test's first call) to `node`. */
  async function connectAs(node: ClusterNode, username: string): Promise<Recorder> {
    let token = tokens.get(username);
    if (!token) {
      token = await cluster.register(node, username);
      tokens.set(username, token);
    }
    return cluster.connect(node, { username, token });
  }

  async function join(recorder: Recorder, room: string): Promise<void> {
    const before = recorder.frames.length;
    recorder.client.sendJson({ type: 'join', room });
    await recorder.until((r) => r.frames.slice(before).some((f) => f.type === 'joined' && f.room === room), `joined ${room}`, 5000);
  }

  /** The presence events a connection received for `room`, as "join bob" / "leave bob". */
  function events(recorder: Recorder, room: string): string[] {
    return recorder.frames.filter((f) => f.type === 'presence' && f.event && f.room === room).map((f) => `${f.event} ${f.username}`);
  }

  async function expectEvents(recorder: Recorder, room: string, expected: string[], what: string, timeoutMs = 5000): Promise<void> {
    await recorder.until((r) => events(r, room).length >= expected.length, what, timeoutMs);
    expect(events(recorder, room), what).to.deep.equal(expected);
  }

  /** Asks `recorder`'s node for the room's users. */
  async function presenceOf(recorder: Recorder, room: string): Promise<string[]> {
    const before = recorder.frames.length;
    recorder.client.sendJson({ type: 'presence', room });
    await recorder.until((r) => r.frames.slice(before).some((f) => f.type === 'presence' && f.users), `presence of ${room} answered`, 5000);
    return recorder.frames.slice(before).find((f) => f.type === 'presence' && f.users)!.users!;
  }

  /**
   * A round trip on the connection (a history request of the original
   * protocol, which any connection may send): whatever its node sent it
   * before has arrived once the answer has.
   */
  async function roundTrip(recorder: Recorder): Promise<void> {
    const before = recorder.frames.length;
    recorder.client.send(recorder.username ?? 'x', 'history 1');
    await recorder.until((r) => r.frames.slice(before).some((f) => f.type === 'history'), 'history answered', 5000);
  }

  it('lists both nodes’ users on either node, and members on one see the other’s users arrive and leave', async () => {
    const [a, b] = await Promise.all([cluster.start('a', REDIS_URL), cluster.start('b', REDIS_URL)]);
    const alice = await connectAs(a, 'alice');
    await join(alice, 'dev');
    // A client of the original protocol on a, in general: it must never see a presence frame.
    const original = await cluster.connect(a);

    const bob = await connectAs(b, 'bob');
    await join(bob, 'dev');
    await expectEvents(alice, 'dev', ['join bob'], 'alice on a sees bob, on b, arrive');
    expect(events(bob, 'dev'), 'bob joined after alice: nothing to hear').to.deep.equal([]);

    const askOnA = await cluster.connect(a);
    const askOnB = await cluster.connect(b);
    expect(await presenceOf(askOnA, 'dev'), 'asked on a').to.deep.equal(['alice', 'bob']);
    expect(await presenceOf(askOnB, 'dev'), 'asked on b').to.deep.equal(['alice', 'bob']);
    expect(await presenceOf(askOnB, 'general'), 'every connection is in general').to.deep.equal(['alice', 'bob']);

    bob.client.sendJson({ type: 'leave', room: 'dev' });
    await expectEvents(alice, 'dev', ['join bob', 'leave bob'], 'bob leaves with a leave frame');
    expect(await presenceOf(askOnA, 'dev')).to.deep.equal(['alice']);

    await join(bob, 'dev');
    await expectEvents(alice, 'dev', ['join bob', 'leave bob', 'join bob'], 'bob comes back');
    bob.close();
    await bob.done;
    await expectEvents(alice, 'dev', ['join bob', 'leave bob', 'join bob', 'leave bob'], 'bob’s connection closes');
    expect(await presenceOf(askOnB, 'dev')).to.deep.equal(['alice']);
    expect(await presenceOf(askOnB, 'general')).to.deep.equal(['alice']);

    // Arrival by authorizing (every connection is in general), heard on b by a member that joined general.
    const watcherOnB = await cluster.connect(b);
    await join(watcherOnB, 'general');
    const carol = await connectAs(a, 'carol');
    await expectEvents(watcherOnB, 'general', ['join carol'], 'carol, authorizing on a, arrives in general on b');
    carol.close();
    await expectEvents(watcherOnB, 'general', ['join carol', 'leave carol'], 'and leaves');

    // b heard carol leave, so a has handled her going, and anything it sent the original client then comes before this answer.
    await roundTrip(original);
    expect(
      original.frames.filter((f) => f.type === 'presence'),
      'the original protocol never sees presence',
    ).to.deep.equal([]);
    for (const recorder of [alice, askOnA, askOnB, watcherOnB]) expect(recorder.errors, `${recorder.username ?? 'anonymous'}: no error`).to.deep.equal([]);
  });

  it('counts a user connected to both nodes once: no departure until the last connection goes', async () => {
    const [a, b] = await Promise.all([cluster.start('a', REDIS_URL), cluster.start('b', REDIS_URL)]);
    const carolOnA = await connectAs(a, 'carol');
    const carolOnB = await connectAs(b, 'carol');
    // Only a user creates a room by joining it.
    const watcher = await connectAs(a, 'wendy');
    await join(watcher, 'dev');
    await join(carolOnA, 'dev');
    await join(carolOnB, 'dev');
    await expectEvents(watcher, 'dev', ['join carol'], 'carol arrives once');
    const connectionsOnA = await openConnections(a);
    carolOnA.close();
    await carolOnA.done;
    // Node a has handled her going (it counts one connection less, in the same turn as her rooms are left);
    // a leave it sent the watcher then would come before the answer to the watcher's presence request.
    await eventually(async () => (await openConnections(a)) === connectionsOnA - 1, { what: 'a closed carol’s connection', everyMs: 20 });
    expect(await presenceOf(watcher, 'dev')).to.deep.equal(['carol', 'wendy']);
    expect(events(watcher, 'dev'), 'still there through b').to.deep.equal(['join carol']);
    carolOnB.close();
    await expectEvents(watcher, 'dev', ['join carol', 'leave carol'], 'gone with her last connection');
  });

  it('when a node is killed (SIGKILL), its users leave the other nodes within the expiry time', async () => {
    cluster = new Cluster(database!, cluster.channel, { PRESENCE_EXPIRY: `${EXPIRY_MS / 1000}s` });
    const [a, b] = await Promise.all([cluster.start('a', REDIS_URL), cluster.start('b', REDIS_URL)]);
    const alice = await connectAs(a, 'alice');
    await join(alice, 'dev');
    const bob = await connectAs(b, 'bob');
    await join(bob, 'dev');
    await expectEvents(alice, 'dev', ['join bob'], 'bob arrives');

    b.process.child.kill('SIGKILL');
    const killedAt = Date.now();
    await b.process.exited;
    // b was last heard at most a snapshot before the kill, and a notices within one expiry check after the expiry.
    await expectEvents(alice, 'dev', ['join bob', 'leave bob'], 'bob leaves with his node', EXPIRY_MS + SNAPSHOT_MS + 1000);
    const after = Date.now() - killedAt;
    console.log(`      (bob left ${after} ms after node b was killed)`);
    expect(after, 'not at once: nothing told a but the silence').to.be.above(EXPIRY_MS - SNAPSHOT_MS - 1000);
    expect(await presenceOf(alice, 'dev')).to.deep.equal(['alice']);
    expect(
      a.process.logs.some((entry) => entry.event === 'presence dropped a silent node'),
      'a logged the drop',
    ).to.equal(true);
  });

  it('when a node stops gracefully (SIGTERM), its users leave the other nodes at once', async () => {
    const [a, b] = await Promise.all([cluster.start('a', REDIS_URL), cluster.start('b', REDIS_URL)]);
    const alice = await connectAs(a, 'alice');
    await join(alice, 'dev');
    const bob = await connectAs(b, 'bob');
    await join(bob, 'dev');
    await join(await connectAs(b, 'dave'), 'ops');
    await expectEvents(alice, 'dev', ['join bob'], 'bob arrives');
    // alice is not in ops: no event tells her when b's word of dave reached a, so ask until it has.
    await eventually(async () => (await presenceOf(alice, 'ops')).join() === 'dave', { what: 'a knows dave is in ops', everyMs: 50 });

    b.process.child.kill('SIGTERM');
    const stoppedAt = Date.now();
    await expectEvents(alice, 'dev', ['join bob', 'leave bob'], 'bob leaves as his node stops', 5000);
    expect(Date.now() - stoppedAt, 'well before the expiry').to.be.below(5000);
    expect(await b.process.exited).to.equal(0);
    await eventually(async () => (await presenceOf(alice, 'ops')).length === 0, { what: 'dave left ops with his node', timeoutMs: 2000, everyMs: 50 });
  });
});
