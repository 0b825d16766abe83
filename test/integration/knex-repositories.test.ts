import { expect } from 'chai';
import type { Knex } from 'knex';
import { KnexMessageRepository } from '../../src/adapters/persistence/knex-message-repository.js';
import { KnexUserRepository } from '../../src/adapters/persistence/knex-user-repository.js';
import { DomainError } from '../../src/domain/errors.js';
import { DATABASE_KINDS, openTestDatabase, resetTables, type DatabaseTarget } from '../support/databases.js';

for (const kind of DATABASE_KINDS) {
  describe(`Knex repositories on ${kind.name}`, function () {
    let target: DatabaseTarget;
    let db: Knex;

    before(async function () {
      target = await kind.prepare(this);
      db = await openTestDatabase(target);
    });
    after(async () => {
      await db?.destroy();
      if (target) await kind.dispose(target);
    });
    beforeEach(() => resetTables(db));

    describe('KnexUserRepository', () => {
      const setup = () => new KnexUserRepository(db);

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
          expect((result as PromiseRejectedResult).reason).to.have.property('code', 'USERNAME_TAKEN');
        }
        const rows = await db('users').select('username');
        expect(rows).to.have.length(1);
      });
    });

    describe('KnexMessageRepository', () => {
      const setup = () => new KnexMessageRepository(db);
      const at = (second: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, second));

      it('stores a message and gives it an id', async () => {
        const stored = await setup().append({ username: 'alice', text: 'hello', createdAt: at(1) });
        expect(stored).to.deep.equal({ id: 1, username: 'alice', text: 'hello', createdAt: at(1) });
      });

      it('gives increasing ids in the order appends were made, also when they are written as one batch', async () => {
        const messages = setup();
        const stored = await Promise.all(
          Array.from({ length: 50 }, (_, i) => messages.append({ username: 'alice', text: `m${i}`, createdAt: at(i) })),
        );
        expect(stored.map((m) => m.text)).to.deep.equal(Array.from({ length: 50 }, (_, i) => `m${i}`));
        const ids = stored.map((m) => m.id);
        expect(ids).to.deep.equal([...ids].sort((a, b) => a - b));
        expect(new Set(ids).size).to.equal(50);
      });

      it('resolves appends in id order, so publishing on resolution keeps id order', async () => {
        const messages = setup();
        const resolved: number[] = [];
        await Promise.all(
          Array.from({ length: 30 }, (_, i) =>
            messages.append({ username: 'bob', text: `m${i}`, createdAt: at(i) }).then((m) => resolved.push(m.id)),
          ),
        );
        expect(resolved).to.deep.equal([...resolved].sort((a, b) => a - b));
      });

      it('returns the latest N oldest first', async () => {
        const messages = setup();
        for (let i = 0; i < 10; i += 1) await messages.append({ username: 'alice', text: `m${i}`, createdAt: at(i) });
        const latest = await messages.latest(3);
        expect(latest.map((m) => m.text)).to.deep.equal(['m7', 'm8', 'm9']);
        expect(latest[0]?.createdAt).to.deep.equal(at(7));
      });

      it('returns everything when fewer than N are stored, and nothing from an empty table', async () => {
        const messages = setup();
        expect(await messages.latest(5)).to.deep.equal([]);
        await messages.append({ username: 'alice', text: 'only', createdAt: at(0) });
        expect((await messages.latest(5)).map((m) => m.text)).to.deep.equal(['only']);
      });

      it('keeps text exactly as sent: unicode, quotes, SQL-looking text', async () => {
        const messages = setup();
        const texts = ["'; DROP TABLE messages; --", 'emoji 🎉 and 𝔘𝔫𝔦𝔠𝔬𝔡𝔢', '  spaced  ', 'line\nbreak'];
        for (const text of texts) await messages.append({ username: 'alice', text, createdAt: at(0) });
        expect((await messages.latest(10)).map((m) => m.text)).to.deep.equal(texts);
      });

      it('fails only the bad row of a batch and stores its neighbours', async () => {
        const messages = setup();
        const results = await Promise.allSettled([
          messages.append({ username: 'alice', text: 'before', createdAt: at(0) }),
          // PostgreSQL cannot store U+0000 in text: the domain forbids it, here it stands for any row the database refuses.
          messages.append({ username: 'alice', text: 'bad\u0000', createdAt: at(0) }),
          messages.append({ username: 'alice', text: 'after', createdAt: at(0) }),
        ]);
        expect(results.map((r) => r.status)).to.deep.equal(['fulfilled', 'rejected', 'fulfilled']);
        expect((await messages.latest(10)).map((m) => m.text)).to.deep.equal(['before', 'after']);
      });

      it('says when every write in flight is done', async () => {
        const messages = setup();
        const pending = messages.append({ username: 'alice', text: 'in flight', createdAt: at(0) });
        await messages.whenIdle();
        expect((await messages.latest(1)).map((m) => m.text)).to.deep.equal(['in flight']);
        await pending;
      });
    });
  });
}
