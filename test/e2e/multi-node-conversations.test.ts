import { expect } from 'chai';
import { Cluster, type ClusterNode, type Recorder } from '../support/cluster.js';
import { ProcessDatabase } from '../support/process-database.js';
import { requireRedis, REDIS_URL, uniqueChannel } from '../support/redis.js';

/** Private conversations across server processes on one database and one Redis. */
describe('Private conversations across server processes (PostgreSQL, Redis)', function () {
  this.timeout(120_000);
  let database: ProcessDatabase | undefined;
  let cluster: Cluster;
  const tokens = new Map<string, string>();

  beforeEach(async function () {
    await requireRedis(this);
    database = await ProcessDatabase.prepare(this);
    cluster = new Cluster(database, uniqueChannel('multi-node-conversations'));
    tokens.clear();
  });
  afterEach(async () => {
    await cluster?.stopAll();
    await database?.dispose();
    database = undefined;
  });

  /** An authorized connection of the extensions (it asks its conversation list first). */
  async function userOn(node: ClusterNode, username: string): Promise<Recorder> {
    let token = tokens.get(username);
    if (!token) {
      token = await cluster.register(node, username);
      tokens.set(username, token);
    }
    const recorder = await cluster.connect(node, { username, token });
    await ask(recorder, { type: 'conversations' }, 'conversations');
    return recorder;
  }

  /** Sends a frame and waits for the first frame of `type` after it. */
  async function ask(recorder: Recorder, frame: Record<string, unknown>, type: string): Promise<Record<string, unknown>> {
    const before = recorder.frames.length;
    recorder.client.sendJson(frame);
    await recorder.until(
      (r) => r.frames.slice(before).some((f) => f.type === type || f.type === 'error'),
      `an answer ${type} to ${JSON.stringify(frame)}`,
      10_000,
    );
    const answer = recorder.frames.slice(before).find((f) => f.type === type || f.type === 'error') as unknown as Record<string, unknown>;
    expect(answer.type, JSON.stringify(answer)).to.equal(type);
    return answer;
  }

  /** Posts with a typed frame and waits for its acknowledgement. */
  async function say(recorder: Recorder, room: string, message: string): Promise<void> {
    const answer = await ask(recorder, { type: 'message', room, message }, 'message');
    expect(answer).to.include({ room, message });
  }

  const texts = (recorder: Recorder, room: string) => recorder.seen.filter((m) => m.room === room).map((m) => m.text);

  it('stops a member removed on node a from receiving on node b at once', async () => {
    const [a, b] = await Promise.all([cluster.start('a', REDIS_URL), cluster.start('b', REDIS_URL)]);
    const alice = await userOn(a, 'alice');
    const created = await ask(alice, { type: 'create', title: 'Plans' }, 'created');
    const room = created.room as string;
    const bob = await userOn(b, 'bob');
    await ask(alice, { type: 'invite', room, username: 'bob' }, 'invited');
    await bob.until((r) => r.frames.some((f) => f.type === 'added'), 'told of the invitation on b');
    await ask(bob, { type: 'join', room }, 'joined');
    await say(alice, room, 'before');
    await bob.until((r) => texts(r, room).includes('before'), 'the message on b');

    await ask(alice, { type: 'remove', room, username: 'bob' }, 'removed');
    await bob.until((r) => r.frames.some((f) => f.type === 'removed'), 'told of the removal on b', 5000);
    await say(alice, room, 'after');
    // A message after the removal, in a room bob is still in, arrives after anything of the private room would have.
    await say(alice, 'general', 'in general');
    await bob.until((r) => texts(r, 'general').includes('in general'), 'general still reaches b');
    expect(texts(bob, room)).to.deep.equal(['before']);
    expect((await ask(bob, { type: 'history', room }, 'error')).code).to.equal('UNKNOWN_ROOM');
  });

  it('brings a direct message to every connection of both users, on either node, and read markers to the other devices', async () => {
    const [a, b] = await Promise.all([cluster.start('a', REDIS_URL), cluster.start('b', REDIS_URL)]);
    const alice = await userOn(a, 'alice');
    const bobOnA = await userOn(a, 'bob');
    const bobOnB = await userOn(b, 'bob');
    const opened = await ask(alice, { type: 'direct', username: 'bob' }, 'direct');
    const room = opened.room as string;
    for (const bob of [bobOnA, bobOnB]) await bob.until((r) => r.frames.some((f) => f.type === 'added'), `told of the conversation on ${bob.node}`);
    await say(alice, room, 'psst');
    for (const bob of [bobOnA, bobOnB]) await bob.until((r) => texts(r, room).includes('psst'), `the message on ${bob.node}`);

    const id = bobOnB.seen.find((m) => m.room === room)?.id as number;
    await ask(bobOnB, { type: 'read', room, id }, 'read');
    await bobOnA.until((r) => r.frames.some((f) => f.type === 'read' && f.room === room), 'the marker moved on a');
    const list = await ask(bobOnA, { type: 'conversations' }, 'conversations');
    expect((list.conversations as Array<Record<string, unknown>>).find((c) => c.room === room)).to.deep.include({
      kind: 'direct',
      with: 'alice',
      readUpTo: id,
      unread: 0,
    });
  });
});
