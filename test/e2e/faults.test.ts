import { expect } from 'chai';
import type { Knex } from 'knex';
import { Burst, numberedTexts } from '../support/burst.js';
import { openTestDatabase, POSTGRESQL_ONLY, type DatabaseTarget } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { TEST_PASSWORD, TestServer } from '../support/test-server.js';
import type { Frame, TestClient } from '../support/ws-client.js';

/** The bound: an outage is reported within this long. */
const UNAVAILABLE_WITHIN_MS = 2000;

/**
 * The real server on PostgreSQL, reached through a TCP proxy that the tests
 * cut (every connection reset, new ones refused) and restore — the shared
 * PostgreSQL itself is never touched. Checks of what is stored go to
 * PostgreSQL directly, past the proxy.
 */
describe('When PostgreSQL becomes unreachable (PostgreSQL behind a proxy the test cuts)', function () {
  this.timeout(30_000);
  const kind = POSTGRESQL_ONLY[0] as (typeof POSTGRESQL_ONLY)[number];
  let target: DatabaseTarget | undefined;
  let proxy: TcpProxy | undefined;
  let server: TestServer | undefined;
  let direct: Knex | undefined;

  before(async function () {
    target = await kind.prepare(this);
    proxy = await TcpProxy.start(Number(new URL(target.url as string).port || 5432), new URL(target.url as string).hostname);
    server = await TestServer.start({ ...target, url: proxy.rewrite(target.url as string) });
    direct = await openTestDatabase(target);
  });
  after(async () => {
    await server?.stop();
    await proxy?.close();
    await direct?.destroy();
    if (target) await kind.dispose(target);
  });
  afterEach(async () => {
    proxy?.restore();
    await server?.reset();
  });

  const storedTexts = async () => (await direct!('messages').orderBy('id').select('text')).map((row: { text: string }) => row.text);

  /** Whatever else arrives within a short while. */
  const rest = async (client: TestClient, windowMs = 200): Promise<Frame[]> => {
    const frames: Frame[] = [];
    for (;;) {
      try {
        frames.push(await client.next(windowMs));
      } catch {
        return frames;
      }
    }
  };

  /** The next frame and how long it took to come. */
  const timed = async (client: TestClient, send: () => void): Promise<{ frame: Frame; ms: number }> => {
    const started = Date.now();
    send();
    const frame = await client.next(UNAVAILABLE_WITHIN_MS + 3000);
    return { frame, ms: Date.now() - started };
  };

  it('a message sent while the database is down gets UNAVAILABLE within 2 s and reaches nobody; once it is back the next one is stored and broadcast', async () => {
    const alice = await server!.connectAs('alice');
    const spectator = await server!.connect();
    alice.send('alice', 'before the outage');
    expect((await alice.next()).message).to.equal('before the outage');
    expect((await spectator.next()).message).to.equal('before the outage');

    proxy!.cut();
    const down = await timed(alice, () => alice.send('alice', 'during the outage'));
    expect(down.frame).to.include({ type: 'error', code: 'UNAVAILABLE' });
    expect(down.ms).to.be.below(UNAVAILABLE_WITHIN_MS);
    await spectator.expectNothing(300);
    // A second try while still down: the pool does not get stuck on the first failure.
    const again = await timed(alice, () => alice.send('alice', 'still down'));
    expect(again.frame).to.include({ type: 'error', code: 'UNAVAILABLE' });
    expect(again.ms).to.be.below(UNAVAILABLE_WITHIN_MS);
    await spectator.expectNothing(300);

    proxy!.restore();
    const back = await timed(alice, () => alice.send('alice', 'after the outage'));
    expect(back.frame).to.include({ type: 'message', message: 'after the outage' });
    expect(await spectator.next()).to.include({ type: 'message', id: back.frame.id, message: 'after the outage' });
    expect(await storedTexts()).to.deep.equal(['before the outage', 'after the outage']);
    console.log(`      (UNAVAILABLE after ${down.ms} ms, then ${again.ms} ms; first message after restore acknowledged in ${back.ms} ms)`);
  });

  it('a message sent during a network partition (nothing answers, nothing is reset) gets UNAVAILABLE within 2 s, and the chat goes on once it heals', async () => {
    const alice = await server!.connectAs('alice');
    const spectator = await server!.connect();
    alice.send('alice', 'before the partition');
    await alice.next();
    await spectator.next();

    proxy!.stall();
    const first = await timed(alice, () => alice.send('alice', 'during the partition'));
    expect(first.frame).to.include({ type: 'error', code: 'UNAVAILABLE' });
    expect(first.ms).to.be.below(UNAVAILABLE_WITHIN_MS);
    const second = await timed(alice, () => alice.send('alice', 'still partitioned'));
    expect(second.frame).to.include({ type: 'error', code: 'UNAVAILABLE' });
    expect(second.ms).to.be.below(UNAVAILABLE_WITHIN_MS);
    await spectator.expectNothing(300);

    proxy!.restore();
    const back = await timed(alice, () => alice.send('alice', 'after the partition'));
    expect(back.frame).to.include({ type: 'message', message: 'after the partition' });
    expect(await spectator.next()).to.include({ type: 'message', message: 'after the partition' });
    // What is measured is that nothing happens: the writes the partition held, let through by restore(), must not be stored late.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await storedTexts()).to.deep.equal(['before the partition', 'after the partition']);
    console.log(`      (partition: UNAVAILABLE after ${first.ms} ms, then ${second.ms} ms; after healing acknowledged in ${back.ms} ms)`);
  });

  it('registration and login answer 503 UNAVAILABLE with Retry-After while the database is down, and work again once it is back', async () => {
    await server!.register('bob');
    proxy!.cut();

    let started = Date.now();
    const registration = await server!.post('/api/reg', { username: 'carol', password: TEST_PASSWORD });
    const registrationMs = Date.now() - started;
    started = Date.now();
    const login = await server!.post('/api/login', { username: 'bob', password: TEST_PASSWORD });
    const loginMs = Date.now() - started;
    for (const [reply, ms] of [
      [registration, registrationMs],
      [login, loginMs],
    ] as const) {
      expect(reply.status).to.equal(503);
      expect(reply.body.error.code).to.equal('UNAVAILABLE');
      expect(reply.headers.get('retry-after')).to.match(/^[1-9][0-9]*$/);
      expect(ms).to.be.below(UNAVAILABLE_WITHIN_MS);
    }

    proxy!.restore();
    expect((await server!.post('/api/reg', { username: 'carol', password: TEST_PASSWORD })).status).to.equal(201);
    expect((await server!.post('/api/login', { username: 'bob', password: TEST_PASSWORD })).status).to.equal(200);
    console.log(`      (503 to registration after ${registrationMs} ms, to login after ${loginMs} ms)`);
  });

  it('history asked while the database is down, before anything loaded it, gets UNAVAILABLE within 2 s, and the stored messages once it is back', async () => {
    const alice = await server!.connectAs('alice');
    alice.send('alice', 'stored before');
    await alice.next();

    proxy!.cut();
    const down = await timed(alice, () => alice.send('alice', 'history 5'));
    expect(down.frame).to.include({ type: 'error', code: 'UNAVAILABLE' });
    expect(down.ms).to.be.below(UNAVAILABLE_WITHIN_MS);

    proxy!.restore();
    alice.send('alice', 'history 5');
    const history = await alice.next();
    expect(history.messages!.map((m) => m.message)).to.deep.equal(['stored before']);
  });

  it('with the latest messages already in memory, history during an outage is answered from them, without the refused message', async () => {
    // Once a history request has loaded them, the latest HISTORY_MAX messages stay in memory (RecentMessagesCache).
    const alice = await server!.connectAs('alice');
    alice.send('alice', 'stored before');
    await alice.next();
    alice.send('alice', 'history 5');
    expect((await alice.next()).messages!.map((m) => m.message)).to.deep.equal(['stored before']);

    proxy!.cut();
    alice.send('alice', 'refused during the outage');
    expect(await alice.next()).to.include({ type: 'error', code: 'UNAVAILABLE' });
    alice.send('alice', 'history 5');
    expect((await alice.next()).messages!.map((m) => m.message)).to.deep.equal(['stored before']);
  });

  it('a cut in the middle of a burst: every message is answered once — acknowledged or UNAVAILABLE — acknowledged ones are stored, and the stream goes on after restore', async () => {
    const senders = await Promise.all(['sender0', 'sender1', 'sender2'].map((name) => server!.connectAs(name)));
    const window = 8;
    const bursts = senders.map((client, i) => new Burst(client, `sender${i}`, numberedTexts(`c${i}`, 3000), { window, deadlineMs: 20_000 }));
    const done = Promise.all(bursts.map((burst) => burst.run()));
    const acked = () => bursts.reduce((sum, burst) => sum + burst.acked.length, 0);
    // Cut once the burst is flowing; restore once every sender has had more refused than it had in flight at the cut
    // (so messages sent during the outage were refused too); stop once it flows again.
    try {
      await eventually(() => acked() >= 150, { what: 'the burst got going', timeoutMs: 10_000 });
      proxy!.cut();
      await eventually(() => bursts.every((burst) => burst.errors.length > window + 5), { what: 'every sender was refused', timeoutMs: 5000 });
      proxy!.restore();
      const ackedAtRestore = bursts.map((burst) => burst.acked.length);
      await eventually(() => bursts.every((burst, i) => burst.acked.length >= (ackedAtRestore[i] as number) + 20), {
        what: 'every sender is acknowledged again after the restore',
        timeoutMs: 10_000,
      });
    } finally {
      for (const burst of bursts) burst.stop();
      await done;
    }

    const stored = await storedTexts();
    expect(new Set(stored).size, 'nothing stored twice').to.equal(stored.length);
    let refused = 0;
    let inDoubt = 0;
    for (const [i, burst] of bursts.entries()) {
      expect(burst.ended, `${burst.username} got an answer to every message`).to.equal('answered');
      expect(burst.acked.length + burst.errors.length, `${burst.username}: one answer per message sent`).to.equal(burst.sent.length);
      const late = (await rest(burst.client)).filter((frame) => frame.type === 'error' || frame.username === burst.username);
      expect(late, `${burst.username}: no second answer to any message`).to.deep.equal([]);
      expect(burst.errors.length, `${burst.username} was refused while the database was away`).to.be.above(0);
      expect(new Set(burst.errors.map((frame) => frame.code)), `${burst.username}: refused as UNAVAILABLE only`).to.deep.equal(new Set(['UNAVAILABLE']));

      const mine = stored.filter((text) => text.startsWith(`c${i}-`));
      const storedSet = new Set(mine);
      expect(
        burst.acked.filter((ack) => !storedSet.has(ack.text)),
        `${burst.username}: acknowledged but not stored`,
      ).to.deep.equal([]);
      // Ids follow the sender's order, gaps (refused messages) allowed.
      expect(mine, `${burst.username}: stored in send order`).to.deep.equal(burst.sent.filter((text) => storedSet.has(text)));
      refused += burst.errors.length;
      // Refused, yet stored: the connection broke after PostgreSQL had committed, before its answer came back.
      inDoubt += mine.length - burst.acked.length;
    }
    console.log(`      (cut mid-burst: ${stored.length} stored, ${refused} refused as UNAVAILABLE, ${inDoubt} stored though refused)`);
  });
});
