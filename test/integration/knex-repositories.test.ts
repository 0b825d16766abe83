import { expect } from 'chai';
import { KnexMessageRepository } from '../../src/adapters/persistence/knex-message-repository.js';
import { KnexRoomRepository } from '../../src/adapters/persistence/knex-room-repository.js';
import { KnexUserRepository } from '../../src/adapters/persistence/knex-user-repository.js';
import { DomainError } from '../../src/domain/errors.js';
import type { NewMessage } from '../../src/domain/message.js';
import { POSTGRESQL_ONLY, resetTables } from '../support/databases.js';
import { describeOnEachKnexDatabase } from '../support/each-knex-database.js';

describeOnEachKnexDatabase('Knex repositories', (db, kind) => {
  describe('KnexUserRepository', () => {
    const setup = () => new KnexUserRepository(db());

    it('stores a user and finds it by name in any case', async () => {
      const users = setup();
      const created = await users.create({ username: 'Alice', passwordHash: 'hash' });
      expect(created).to.deep.include({ username: 'Alice', passwordHash: 'hash' });
      expect(created.id).to.be.a('number');
      expect(await users.findByUsername('aLICE')).to.deep.equal(created);
    });

    it('finds nobody for an unknown name', async () => {
      expect(await setup().findByUsername('nobody')).to.equal(undefined);
    });

    it('refuses a name taken in another case as USERNAME_TAKEN', async () => {
      const users = setup();
      await users.create({ username: 'alice', passwordHash: 'a' });
      const error = await users.create({ username: 'ALICE', passwordHash: 'b' }).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(DomainError).with.property('code', 'USERNAME_TAKEN');
    });

    it('lets the database constraint decide simultaneous registrations of one name', async () => {
      const users = setup();
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) => users.create({ username: i % 2 ? 'Racer' : 'racer', passwordHash: `h${i}` })),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).to.have.length(1);
      for (const result of results.filter((r) => r.status === 'rejected')) {
        expect(result.reason).to.have.property('code', 'USERNAME_TAKEN');
      }
      const rows = await db()('users').select('username');
      expect(rows).to.have.length(1);
    });
  });

  describe('KnexMessageRepository', () => {
    const setup = () => new KnexMessageRepository(db());
    const at = (second: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, second));
    const draft = (text: string, extra: Partial<NewMessage> = {}): NewMessage => ({
      room: 'general',
      username: 'alice',
      text,
      createdAt: at(0),
      ...extra,
    });
    const ids = (messages: ReadonlyArray<{ id: number }>) => messages.map(({ id }) => id);
    const texts = (messages: ReadonlyArray<{ text: string }>) => messages.map(({ text }) => text);
    const count = async () => Number((await db()('messages').count({ n: '*' }))[0]?.n);
    const createRooms = async (...names: string[]) => {
      const rooms = new KnexRoomRepository(db());
      for (const name of names) await rooms.ensure(name);
    };

    it('stores a message and gives it an id', async () => {
      const stored = await setup().append({ room: 'general', username: 'alice', text: 'hello', createdAt: at(1) });
      expect(stored).to.deep.equal({
        message: { id: 1, room: 'general', username: 'alice', text: 'hello', createdAt: at(1) },
        duplicate: false,
      });
    });

    it('gives increasing ids in the order appends were made, also when they are written as one batch', async () => {
      const messages = setup();
      const stored = await Promise.all(Array.from({ length: 50 }, (_, i) => messages.append(draft(`m${i}`, { createdAt: at(i) }))));
      expect(stored.map(({ message }) => message.text)).to.deep.equal(Array.from({ length: 50 }, (_, i) => `m${i}`));
      const storedIds = stored.map(({ message }) => message.id);
      expect(storedIds).to.deep.equal([...storedIds].sort((a, b) => a - b));
      expect(new Set(storedIds).size).to.equal(50);
    });

    it('resolves appends in id order, so publishing on resolution keeps id order', async () => {
      const messages = setup();
      const resolved: number[] = [];
      await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          messages.append(draft(`m${i}`, { username: 'bob', createdAt: at(i) })).then(({ message }) => resolved.push(message.id)),
        ),
      );
      expect(resolved).to.deep.equal([...resolved].sort((a, b) => a - b));
    });

    it('returns the latest N oldest first', async () => {
      const messages = setup();
      for (let i = 0; i < 10; i += 1) await messages.append(draft(`m${i}`, { createdAt: at(i) }));
      const latest = await messages.page({ room: 'general', limit: 3 });
      expect(texts(latest)).to.deep.equal(['m7', 'm8', 'm9']);
      expect(latest[0]?.createdAt).to.deep.equal(at(7));
    });

    it('returns everything when fewer than N are stored, and nothing from an empty table', async () => {
      const messages = setup();
      expect(await messages.page({ room: 'general', limit: 5 })).to.deep.equal([]);
      await messages.append(draft('only'));
      expect(texts(await messages.page({ room: 'general', limit: 5 }))).to.deep.equal(['only']);
    });

    it('keeps text exactly as sent: unicode, quotes, SQL-looking text', async () => {
      const messages = setup();
      const sent = ["'; DROP TABLE messages; --", 'emoji 🎉 and 𝔘𝔫𝔦𝔠𝔬𝔡𝔢', '  spaced  ', 'line\nbreak', '\ufeffleading BOM'];
      for (const text of sent) await messages.append(draft(text));
      expect(texts(await messages.page({ room: 'general', limit: 10 }))).to.deep.equal(sent);
    });

    it('reads back every field as stored, the client id only where there is one', async () => {
      const messages = setup();
      await createRooms('dev');
      const plain = await messages.append(draft('plain', { room: 'dev', createdAt: at(1) }));
      const marked = await messages.append(draft('marked', { room: 'dev', createdAt: at(2), clientId: 'c-1' }));
      const page = await messages.page({ room: 'dev', limit: 10 });
      expect(page).to.deep.equal([plain.message, marked.message]);
      expect(page[0]).not.to.have.property('clientId');
      expect(page[1]).to.include({ clientId: 'c-1', room: 'dev' });
    });

    it('fails only the bad row of a batch, stores its neighbours, and leaves no hole in the ids', async () => {
      const messages = setup();
      const results = await Promise.allSettled([
        messages.append(draft('before')),
        // PostgreSQL cannot store U+0000 in text: the domain forbids it, here it stands for any row the database refuses.
        messages.append(draft('bad\u0000')),
        messages.append(draft('after')),
      ]);
      expect(results.map((r) => r.status)).to.deep.equal(['fulfilled', 'rejected', 'fulfilled']);
      const page = await messages.page({ room: 'general', limit: 10 });
      expect(texts(page)).to.deep.equal(['before', 'after']);
      expect(ids(page)).to.deep.equal([1, 2]);
      expect(await messages.lastId()).to.equal(2);
    });

    it('leaves whether a room exists to the application: no key checked per message', async () => {
      // Only members post, and joining creates the room; a foreign key cost as much as the insert.
      const messages = setup();
      await messages.append(draft('anywhere', { room: 'nowhere' }));
      expect(texts(await messages.page({ room: 'nowhere', limit: 1 }))).to.deep.equal(['anywhere']);
    });

    it('says when every write in flight is done', async () => {
      const messages = setup();
      const pending = messages.append(draft('in flight'));
      await messages.whenIdle();
      expect(texts(await messages.page({ room: 'general', limit: 1 }))).to.deep.equal(['in flight']);
      await pending;
    });

    // PostgreSQL only: PGlite answers inside the check phase, so there the
    // next poll comes first anyway and this would pass without the wait.
    if (kind === POSTGRESQL_ONLY[0])
      it('puts what arrived while a batch was being acknowledged into one next batch', async () => {
        const batches: number[] = [];
        const messages = new KnexMessageRepository(db(), { observer: { stored: (size) => batches.push(size) } });
        let later: Promise<unknown> = Promise.resolve();
        await messages.append(draft('first')).then(() => {
          // One frame is read with the acknowledgement; another arrives while
          // the broadcast, written at the end of the turn as the gateway
          // does, keeps the loop busy.
          const now = messages.append(draft('with the ack'));
          const meanwhile = new Promise((resolve) => setTimeout(() => resolve(messages.append(draft('during the writes'))), 1));
          process.nextTick(() => {
            const busyUntil = performance.now() + 10;
            while (performance.now() < busyUntil);
          });
          later = Promise.all([now, meanwhile]);
        });
        await later;
        expect(batches).to.deep.equal([1, 2]);
      });

    describe('dense, global ids', () => {
      it('numbers messages 1..n across rooms in commit order', async () => {
        const messages = setup();
        await createRooms('dev', 'ops');
        const rooms = ['general', 'dev', 'ops'];
        const stored: number[] = [];
        for (let i = 0; i < 9; i += 1) stored.push((await messages.append(draft(`m${i}`, { room: rooms[i % 3] as string }))).message.id);
        const batch = await Promise.all(Array.from({ length: 9 }, (_, i) => messages.append(draft(`b${i}`, { room: rooms[i % 3] as string }))));
        stored.push(...batch.map(({ message }) => message.id));
        expect(stored).to.deep.equal(Array.from({ length: 18 }, (_, i) => i + 1));
        expect(ids(await messages.since(0, 100))).to.deep.equal(stored);
      });

      it('keeps ids dense and unique when two repositories (two nodes) append at once, each resolving in id order', async () => {
        await createRooms('dev');
        const batches: number[][] = [[], []];
        const nodes = [0, 1].map((node) => new KnexMessageRepository(db(), { observer: { stored: (size) => batches[node]?.push(size) } }));
        const resolved: number[][] = [[], []];
        const sentBy = new Map<number, string>();
        const WAVES = 10;
        const PER_WAVE = 30;
        const appends: Array<Promise<void>> = [];
        for (let wave = 0; wave < WAVES; wave += 1) {
          for (let i = 0; i < PER_WAVE; i += 1) {
            const node = i % 2;
            const text = `w${wave} n${node} m${i}`;
            appends.push(
              (nodes[node] as KnexMessageRepository)
                .append(draft(text, { room: i % 3 === 0 ? 'dev' : 'general', username: `user${node}` }))
                .then(({ message, duplicate }) => {
                  expect(duplicate).to.equal(false);
                  expect(message.text).to.equal(text);
                  (resolved[node] as number[]).push(message.id);
                  sentBy.set(message.id, text);
                }),
            );
          }
          // Not awaited: the next wave queues while both nodes' writes are in flight, so their batches interleave.
          await new Promise((resolve) => setTimeout(resolve, wave % 3));
        }
        await Promise.all(appends);
        const total = WAVES * PER_WAVE;
        const all = [...(resolved[0] as number[]), ...(resolved[1] as number[])].sort((a, b) => a - b);
        expect(all).to.deep.equal(Array.from({ length: total }, (_, i) => i + 1));
        for (const order of resolved) expect(order).to.deep.equal([...order].sort((a, b) => a - b));
        // The point of the test: each node wrote several batches, while the other's were in flight.
        for (const sizes of batches) expect(sizes.length, JSON.stringify(batches)).to.be.above(1);
        // Each id holds the message whose append it resolved.
        const stored = await setup().since(0, total + 10);
        expect(stored.map(({ id, text }) => [id, text])).to.deep.equal(all.map((id) => [id, sentBy.get(id)]));
        expect(await setup().lastId()).to.equal(total);
      });
    });

    describe('pages of a room', () => {
      /** Ids 1..12, dealt in turn to general (1, 4, 7, 10), dev (2, 5, 8, 11) and ops (3, 6, 9, 12). */
      async function interleaved() {
        const messages = setup();
        await createRooms('dev', 'ops');
        const rooms = ['general', 'dev', 'ops'];
        for (let i = 0; i < 12; i += 1) await messages.append(draft(`m${i + 1}`, { room: rooms[i % 3] as string, createdAt: at(i) }));
        return messages;
      }

      it("returns a room's latest page, oldest first, with nothing of the other rooms", async () => {
        const messages = await interleaved();
        expect(ids(await messages.page({ room: 'dev', limit: 2 }))).to.deep.equal([8, 11]);
        expect(ids(await messages.page({ room: 'general', limit: 10 }))).to.deep.equal([1, 4, 7, 10]);
        const ops = await messages.page({ room: 'ops', limit: 10 });
        expect(ops.map(({ room }) => room)).to.deep.equal(['ops', 'ops', 'ops', 'ops']);
      });

      it('returns the page before an id, whatever room the id is in', async () => {
        const messages = await interleaved();
        expect(ids(await messages.page({ room: 'dev', limit: 2, before: 8 }))).to.deep.equal([2, 5]);
        expect(ids(await messages.page({ room: 'dev', limit: 2, before: 7 }))).to.deep.equal([2, 5]);
        expect(ids(await messages.page({ room: 'dev', limit: 10, before: 11 }))).to.deep.equal([2, 5, 8]);
        expect(ids(await messages.page({ room: 'dev', limit: 2, before: 2 }))).to.deep.equal([]);
        expect(ids(await messages.page({ room: 'dev', limit: 2, before: 0 }))).to.deep.equal([]);
      });

      it('returns the page after an id, oldest first', async () => {
        const messages = await interleaved();
        expect(ids(await messages.page({ room: 'dev', limit: 2, after: 2 }))).to.deep.equal([5, 8]);
        expect(ids(await messages.page({ room: 'dev', limit: 2, after: 0 }))).to.deep.equal([2, 5]);
        expect(ids(await messages.page({ room: 'general', limit: 10, after: 3 }))).to.deep.equal([4, 7, 10]);
        expect(ids(await messages.page({ room: 'dev', limit: 2, after: 11 }))).to.deep.equal([]);
        expect(ids(await messages.page({ room: 'dev', limit: 2, after: Number.MAX_SAFE_INTEGER }))).to.deep.equal([]);
      });

      it('returns nothing for a room without messages', async () => {
        const messages = await interleaved();
        await createRooms('quiet');
        expect(await messages.page({ room: 'quiet', limit: 5 })).to.deep.equal([]);
        expect(await messages.page({ room: 'never-created', limit: 5 })).to.deep.equal([]);
      });
    });

    describe('since() and lastId()', () => {
      it("returns every room's messages after an id, oldest first, up to the limit", async () => {
        const messages = setup();
        await createRooms('dev');
        for (let i = 1; i <= 6; i += 1) await messages.append(draft(`m${i}`, { room: i % 2 ? 'general' : 'dev' }));
        expect(ids(await messages.since(0, 100))).to.deep.equal([1, 2, 3, 4, 5, 6]);
        expect(ids(await messages.since(2, 3))).to.deep.equal([3, 4, 5]);
        expect((await messages.since(3, 2)).map(({ room }) => room)).to.deep.equal(['dev', 'general']);
        expect(await messages.since(6, 10)).to.deep.equal([]);
      });

      it('says 0 when nothing is stored, then the highest committed id', async () => {
        const messages = setup();
        expect(await messages.lastId()).to.equal(0);
        await messages.append(draft('one'));
        await Promise.all([messages.append(draft('two')), messages.append(draft('three'))]);
        expect(await messages.lastId()).to.equal(3);
        expect(await setup().lastId(), 'another repository reads the same').to.equal(3);
      });
    });

    describe('client ids: exactly once', () => {
      it('answers a repeat by the same user with the original, marked as a duplicate, and stores nothing', async () => {
        const messages = setup();
        const first = await messages.append(draft('hello', { clientId: 'c-1', createdAt: at(1) }));
        const repeat = await messages.append(draft('hello', { clientId: 'c-1', createdAt: at(5) }));
        expect(first.duplicate).to.equal(false);
        expect(repeat).to.deep.equal({ message: first.message, duplicate: true });
        expect(await count()).to.equal(1);
        expect(await messages.lastId()).to.equal(1);
      });

      it('answers a repeat with the original even when its text or room differ', async () => {
        const messages = setup();
        await createRooms('dev');
        const first = await messages.append(draft('hello', { clientId: 'c-1' }));
        const repeat = await messages.append(draft('changed', { room: 'dev', clientId: 'c-1' }));
        expect(repeat).to.deep.equal({ message: first.message, duplicate: true });
        expect(await messages.page({ room: 'dev', limit: 5 })).to.deep.equal([]);
      });

      it('stores a repeat once when it is in the same batch as the original', async () => {
        const messages = setup();
        const [before, first, repeat, after] = await Promise.all([
          messages.append(draft('before')),
          messages.append(draft('hello', { clientId: 'c-1' })),
          messages.append(draft('hello', { clientId: 'c-1' })),
          messages.append(draft('after')),
        ]);
        expect(first?.duplicate).to.equal(false);
        expect(repeat).to.deep.equal({ message: first?.message, duplicate: true });
        expect([before, first, after].map((appended) => appended?.message.id)).to.deep.equal([1, 2, 3]);
        expect(await count()).to.equal(3);
        expect(await messages.lastId()).to.equal(3);
      });

      it('numbers a batch densely when a repeat of a stored message sits among messages without client ids', async () => {
        const messages = setup();
        const stored = await messages.append(draft('hello', { clientId: 'c-1' }));
        const [plain, repeat, other] = await Promise.all([
          messages.append(draft('plain')),
          messages.append(draft('hello', { clientId: 'c-1' })),
          messages.append(draft('other', { clientId: 'c-2' })),
        ]);
        expect(repeat).to.deep.equal({ message: stored.message, duplicate: true });
        expect([stored, plain, other].map((appended) => appended?.message.id)).to.deep.equal([1, 2, 3]);
        expect(await messages.lastId()).to.equal(3);
      });

      it('answers a repeat with the original when another repository (another node) stored it', async () => {
        const first = await setup().append(draft('hello', { clientId: 'c-1' }));
        const repeat = await setup().append(draft('hello', { clientId: 'c-1' }));
        expect(repeat).to.deep.equal({ message: first.message, duplicate: true });
        expect(await count()).to.equal(1);
      });

      it('stores one of two simultaneous sends with one client id through two repositories', async () => {
        const results = await Promise.all([setup().append(draft('hello', { clientId: 'c-1' })), setup().append(draft('hello', { clientId: 'c-1' }))]);
        expect(results.map(({ duplicate }) => duplicate).sort()).to.deep.equal([false, true]);
        expect(results[0]?.message).to.deep.equal(results[1]?.message);
        expect(await count()).to.equal(1);
      });

      it('numbers the new messages of a batch densely around a repeat', async () => {
        const messages = setup();
        const original = await messages.append(draft('original', { clientId: 'c-1' }));
        const [x, repeat, y] = await Promise.all([
          messages.append(draft('x')),
          messages.append(draft('original', { clientId: 'c-1' })),
          messages.append(draft('y')),
        ]);
        expect(repeat).to.deep.equal({ message: original.message, duplicate: true });
        expect([x?.message.id, y?.message.id]).to.deep.equal([2, 3]);
        expect(await messages.lastId()).to.equal(3);
      });

      it('stores the same client id from two different users as two messages', async () => {
        const messages = setup();
        const alice = await messages.append(draft('from alice', { username: 'alice', clientId: 'same' }));
        const bob = await messages.append(draft('from bob', { username: 'bob', clientId: 'same' }));
        expect([alice.duplicate, bob.duplicate]).to.deep.equal([false, false]);
        expect([alice.message.id, bob.message.id]).to.deep.equal([1, 2]);
        expect(await count()).to.equal(2);
      });

      it('stores the same client id from two users in one batch as two messages', async () => {
        const messages = setup();
        const results = await Promise.all([
          messages.append(draft('from alice', { username: 'alice', clientId: 'same' })),
          messages.append(draft('from bob', { username: 'bob', clientId: 'same' })),
        ]);
        expect(results.map(({ duplicate }) => duplicate)).to.deep.equal([false, false]);
        expect(await count()).to.equal(2);
      });
    });
  });

  describe('KnexRoomRepository', () => {
    const setup = () => new KnexRoomRepository(db());

    it('knows general, which every connection starts in', async () => {
      expect(await setup().exists('general')).to.equal(true);
    });

    it('knows no room that was never created, and creates none by asking', async () => {
      const rooms = setup();
      expect(await rooms.exists('dev')).to.equal(false);
      expect(await rooms.exists('dev')).to.equal(false);
      expect(await db()('rooms').where({ name: 'dev' })).to.have.length(0);
    });

    it('creates a room, once however often it is ensured', async () => {
      const rooms = setup();
      await rooms.ensure('dev');
      await rooms.ensure('dev');
      await Promise.all([setup().ensure('dev'), setup().ensure('dev')]);
      expect(await rooms.exists('dev')).to.equal(true);
      expect(await db()('rooms').where({ name: 'dev' })).to.have.length(1);
    });

    it('sees a room another repository (another node) created', async () => {
      const here = setup();
      expect(await here.exists('dev')).to.equal(false);
      await setup().ensure('dev');
      expect(await here.exists('dev')).to.equal(true);
    });

    it('looks a room up again after forget(), as after the tables were emptied', async () => {
      const rooms = setup();
      await rooms.ensure('dev');
      await resetTables(db());
      rooms.forget();
      expect(await rooms.exists('dev')).to.equal(false);
      await rooms.ensure('dev');
      expect(await db()('rooms').where({ name: 'dev' })).to.have.length(1);
    });

    it('lets messages be stored in a room once it is ensured', async () => {
      await setup().ensure('dev');
      const { message } = await new KnexMessageRepository(db()).append({ room: 'dev', username: 'alice', text: 'hi', createdAt: new Date(0) });
      expect(message).to.include({ id: 1, room: 'dev' });
    });
  });

  describe('row counts', () => {
    it('counts the rows a delete and an update touched, 0 when none, as PostgreSQL reports them', async () => {
      await new KnexRoomRepository(db()).ensure('dev');
      expect(await db()('rooms').where({ name: 'nowhere' }).delete()).to.equal(0);
      expect(await db()('rooms').where({ name: 'nowhere' }).update({ title: 'x' })).to.equal(0);
      expect(await db()('rooms').where({ name: 'dev' }).update({ title: 'Dev' })).to.equal(1);
      expect(await db()('rooms').where({ name: 'dev' }).delete()).to.equal(1);
    });

    it('says a room left unused was removed, by number', async () => {
      const rooms = new KnexRoomRepository(db());
      await rooms.ensure('dev');
      expect(await rooms.removeUnused(new Date(Date.now() + 60_000))).to.equal(1);
      expect(await rooms.removeUnused(new Date(Date.now() + 60_000))).to.equal(0);
      expect(await rooms.exists('dev')).to.equal(false);
    });
  });

  describe('resetTables', () => {
    it('empties the tables, restarts ids at 1, and keeps only general', async () => {
      const messages = new KnexMessageRepository(db());
      await new KnexRoomRepository(db()).ensure('dev');
      await messages.append({ room: 'dev', username: 'alice', text: 'a', createdAt: new Date(0) });
      await messages.append({ room: 'general', username: 'alice', text: 'b', createdAt: new Date(0) });
      await new KnexUserRepository(db()).create({ username: 'alice', passwordHash: 'h' });
      await resetTables(db());
      expect(await messages.lastId()).to.equal(0);
      expect(await db()('users')).to.have.length(0);
      expect((await db()('rooms').select('name')).map(({ name }: { name: string }) => name)).to.deep.equal(['general']);
      const { message } = await messages.append({ room: 'general', username: 'alice', text: 'c', createdAt: new Date(0) });
      expect(message.id).to.equal(1);
      expect((await new KnexUserRepository(db()).create({ username: 'bob', passwordHash: 'h' })).id).to.equal(1);
    });
  });
});
