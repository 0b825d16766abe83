import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { DATABASE_KINDS, type DatabaseTarget } from '../support/databases.js';
import { describeOnEachDatabase } from '../support/each-database.js';
import { eventually } from '../support/eventually.js';
import { TestServer } from '../support/test-server.js';
import type { Frame, TestClient } from '../support/ws-client.js';

const HISTORY_MAX = 20;
const ENV = { HISTORY_MAX: String(HISTORY_MAX) };

/** Frames until one matches, keeping every message id seen (live or in pages) on the way. */
async function collectUntil(client: TestClient, ids: number[], done: (frame: Frame) => boolean, timeoutMs = 10_000): Promise<Frame[]> {
  const frames: Frame[] = [];
  for (;;) {
    const frame = await client.next(timeoutMs);
    frames.push(frame);
    if (frame.type === 'message') ids.push(frame.id as number);
    if (frame.type === 'catchup') ids.push(...frame.messages!.map((m) => m.id));
    if (done(frame)) return frames;
  }
}

describeOnEachDatabase('Lossless reconnect and exactly-once send', ENV, (server) => {
  const storedIds = async (room = 'general') =>
    (await server().db('messages').where({ room }).orderBy('id').select('id')).map((row: { id: string | number }) => Number(row.id));

  async function post(client: TestClient, text: string, extra: Record<string, unknown> = {}): Promise<Frame> {
    client.sendJson({ username: 'alice', message: text, ...extra });
    const frame = await client.next();
    expect(frame, JSON.stringify(frame)).to.include({ type: 'message', message: text });
    return frame;
  }

  describe('catching up', () => {
    it('sends exactly the missed messages in pages, says when the last one comes, then goes live', async () => {
      const alice = await server().connectAs('alice');
      const seen = await post(alice, 'before the break');
      for (let i = 0; i < 2 * HISTORY_MAX + 5; i++) await post(alice, `missed ${i}`);

      const back = await server().connect();
      back.sendJson({ type: 'join', room: 'general', after: seen.id });
      expect(await back.next()).to.deep.equal({ type: 'joined', room: 'general' });
      const pages = [await back.next(), await back.next(), await back.next()];
      expect(pages.map((p) => [p.type, p.messages!.length, p.more])).to.deep.equal([
        ['catchup', HISTORY_MAX, true],
        ['catchup', HISTORY_MAX, true],
        ['catchup', 5, false],
      ]);
      const caughtUp = pages.flatMap((p) => p.messages!.map((m) => m.id));
      expect(caughtUp).to.deep.equal((await storedIds()).filter((id) => id > (seen.id as number)));
      const live = await post(alice, 'live again');
      expect(await back.next()).to.deep.equal(live);
    });

    it('answers a cursor at the end with one empty last page', async () => {
      const alice = await server().connectAs('alice');
      const last = await post(alice, 'the end');
      const back = await server().connect();
      back.sendJson({ type: 'join', room: 'general', after: last.id });
      expect(await back.next()).to.deep.equal({ type: 'joined', room: 'general' });
      expect(await back.next()).to.deep.equal({ type: 'catchup', room: 'general', messages: [], more: false });
    });

    it('loses nothing and repeats nothing when others keep posting through the reconnect', async function () {
      this.timeout(60_000);
      const token = await server().register('alice');
      const posters = await Promise.all(
        [0, 1, 2].map(async () => {
          const client = await server().connect();
          await client.auth('alice', token);
          return client;
        }),
      );
      const ids: number[] = [];
      const reader = await server().connect();
      const TOTAL = 600;
      let posted = 0;
      let readerIsBack = (): void => undefined;
      const returned = new Promise<void>((resolve) => (readerIsBack = resolve));
      const posting = (async () => {
        // Three connections keep sending while the reader drops and comes back, a round at a time: the next
        // once the first poster has been sent this one's three messages back, so the server sets the pace.
        // Half-way they wait for the reader to be back, so messages come before, during and after its absence.
        while (posted < TOTAL) {
          if (posted >= TOTAL / 2) await returned;
          for (const poster of posters) poster.send('alice', `m${posted++}`);
          await posters[0]!.nextMany(posters.length, 10_000);
        }
      })();

      await collectUntil(reader, ids, () => ids.length >= 60);
      reader.socket.terminate();
      await reader.closed;
      const postedWhenGone = posted;
      await eventually(() => posted >= postedWhenGone + 30, { what: 'messages keep coming while the reader is away' });

      // The cursor in the URL: general's catch-up starts before any live message can.
      const back = await server().connect(`/ws?after=${ids.at(-1)}`);
      readerIsBack();
      await posting;
      const lastStored = async () => (await storedIds()).at(-1);
      // Everything posted is stored (each poster has its acknowledgements coming).
      await eventually(async () => (await storedIds()).length === TOTAL, { what: `all ${TOTAL} stored`, timeoutMs: 10_000, everyMs: 20 });
      const finalId = await lastStored();
      await collectUntil(back, ids, () => ids.at(-1) === finalId, 20_000);

      expect(ids.length, 'no duplicates').to.equal(new Set(ids).size);
      expect(ids).to.deep.equal(await storedIds());
    });

    it('answers a bad cursor in the URL with 400 before the upgrade', async () => {
      for (const after of ['-1', 'abc', '1.5', '99999999999999999999']) {
        const error = await server()
          .connect(`/ws?after=${after}`)
          .catch((e: unknown) => e);
        expect(String(error)).to.match(/400/);
      }
    });

    it('does not send again what a member was sent live before its join with a cursor', async () => {
      const alice = await server().connectAs('alice');
      const first = await post(alice, 'one');
      const quiet = await server().connectAs('bob');
      await post(alice, 'two'); // bob, in general from the start, gets it live
      await quiet.next();
      quiet.sendJson({ type: 'join', room: 'general', after: 0 });
      expect(await quiet.next()).to.deep.equal({ type: 'joined', room: 'general' });
      const page = await quiet.next();
      expect(page).to.include({ type: 'catchup', more: false });
      expect(page.messages!.map((m) => m.id)).to.deep.equal([first.id]);
    });
  });

  describe('exactly-once send', () => {
    it('echoes the client id in the acknowledgement and in history', async () => {
      const alice = await server().connectAs('alice');
      const clientId = randomUUID();
      const ack = await post(alice, 'hello', { clientId });
      expect(ack.clientId).to.equal(clientId);
      alice.send('alice', 'history 1');
      expect((await alice.next()).messages![0]).to.include({ id: ack.id, clientId });
    });

    it('answers a repeat with the original, to the sender alone, storing nothing', async () => {
      const alice = await server().connectAs('alice');
      const watcher = await server().connect();
      const clientId = 'c-1';
      const ack = await post(alice, 'once', { clientId });
      expect(await watcher.next()).to.deep.equal(ack);
      alice.sendJson({ username: 'alice', message: 'once (retried)', clientId });
      expect(await alice.next()).to.deep.equal({ ...ack, duplicate: true });
      await watcher.expectNothing();
      expect(await storedIds()).to.deep.equal([ack.id]);
    });

    it('stores one of two sends with one client id sent back to back', async () => {
      const alice = await server().connectAs('alice');
      alice.sendJson({ username: 'alice', message: 'twice', clientId: 'same' });
      alice.sendJson({ username: 'alice', message: 'twice', clientId: 'same' });
      const [first, second] = await alice.nextMany(2);
      expect(first).to.include({ type: 'message', clientId: 'same' });
      expect(second).to.deep.equal({ ...first, duplicate: true });
      expect(await storedIds()).to.deep.equal([first!.id]);
    });

    it('keeps the client ids of different users apart', async () => {
      const alice = await server().connectAs('alice');
      const bob = await server().connectAs('bob');
      await post(alice, 'from alice', { clientId: 'shared' });
      await bob.next();
      bob.sendJson({ username: 'bob', message: 'from bob', clientId: 'shared' });
      expect(await bob.next()).to.include({ type: 'message', username: 'bob', clientId: 'shared' });
      expect(await storedIds()).to.have.length(2);
    });

    for (const clientId of ['', 'a'.repeat(65), 'has space', 'ünï', 42]) {
      it(`refuses the client id ${JSON.stringify(clientId)} as INVALID_CLIENT_ID`, async () => {
        const alice = await server().connectAs('alice');
        alice.sendJson({ username: 'alice', message: 'hi', clientId });
        expect(await alice.next()).to.include({ type: 'error', code: 'INVALID_CLIENT_ID' });
        expect(await storedIds()).to.deep.equal([]);
      });
    }

    it('stores a message once when the connection drops before its acknowledgement and the send is retried', async () => {
      const token = await server().register('alice');
      for (let i = 0; i < 20; i++) {
        const first = await server().connect();
        await first.auth('alice', token);
        first.sendJson({ username: 'alice', message: `lost ack ${i}`, clientId: `lost-${i}` });
        first.socket.terminate(); // the acknowledgement, if any, is lost
        const retry = await server().connect();
        // The first send's broadcast may reach the new connection too: frames are taken until the answer.
        retry.send('alice', `auth ${token}`);
        await collectUntil(retry, [], (frame) => frame.code === 'AUTHENTICATED');
        retry.sendJson({ username: 'alice', message: `lost ack ${i}`, clientId: `lost-${i}` });
        await collectUntil(retry, [], (frame) => frame.clientId === `lost-${i}` && (frame.duplicate === true || frame.type === 'message'));
      }
      const texts = (await server().db('messages').orderBy('id').select('text')).map((row: { text: string }) => row.text);
      expect(texts).to.deep.equal(Array.from({ length: 20 }, (_, i) => `lost ack ${i}`));
    });
  });
});

for (const kind of DATABASE_KINDS) {
  describe(`Exactly-once send across a server restart (${kind.name})`, function () {
    let target: DatabaseTarget | undefined;
    before(async function () {
      target = await kind.prepare(this);
    });
    after(async () => {
      if (target) await kind.dispose(target);
    });

    it('answers a retry after the restart with the original message', async () => {
      let server = await TestServer.start(target!, ENV);
      const token = await server.register('alice');
      let alice = await server.connect();
      await alice.auth('alice', token);
      alice.sendJson({ username: 'alice', message: 'before restart', clientId: 'r-1' });
      const ack = await alice.next();
      await server.stop();

      server = await TestServer.start(target!, ENV);
      try {
        alice = await server.connect();
        await alice.auth('alice', token);
        alice.sendJson({ username: 'alice', message: 'before restart', clientId: 'r-1' });
        expect(await alice.next()).to.deep.equal({ ...ack, duplicate: true });
        const rows = await server.db('messages').select('id');
        expect(rows).to.have.length(1);
      } finally {
        await server.stop();
      }
    });
  });
}
