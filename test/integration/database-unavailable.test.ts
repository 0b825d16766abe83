import { expect } from 'chai';
import knex, { type Knex } from 'knex';
import { KnexMessageRepository } from '../../src/adapters/persistence/knex-message-repository.js';
import { KnexRoomRepository } from '../../src/adapters/persistence/knex-room-repository.js';
import { KnexUserRepository } from '../../src/adapters/persistence/knex-user-repository.js';
import { knexConfig } from '../../src/infrastructure/database.js';

describe('Knex repositories when PostgreSQL cannot be reached', () => {
  let db: Knex;

  // Port 1 on loopback: nothing listens there, so every connection is refused at once.
  before(() => {
    const quiet = { info() {}, warn() {}, error() {} };
    db = knex(knexConfig({ url: 'postgres://postgres@127.0.0.1:1/none', dataDir: '/nonexistent', logger: quiet }));
  });
  after(() => db.destroy());

  const expectUnavailable = async (promise: Promise<unknown>) => {
    const started = Date.now();
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.have.property('code', 'UNAVAILABLE');
    expect(Date.now() - started).to.be.below(2500);
  };

  it('refuses an append as UNAVAILABLE within the connect timeout', async () => {
    await expectUnavailable(new KnexMessageRepository(db).append({ room: 'general', username: 'a', text: 'x', createdAt: new Date() }));
  });

  it('refuses a history read as UNAVAILABLE, latest, before and after alike', async () => {
    const messages = new KnexMessageRepository(db);
    await expectUnavailable(messages.page({ room: 'general', limit: 5 }));
    await expectUnavailable(messages.page({ room: 'general', limit: 5, before: 10 }));
    await expectUnavailable(messages.page({ room: 'general', limit: 5, after: 10 }));
  });

  it('refuses the catch-up reads, since() and lastId(), as UNAVAILABLE', async () => {
    const messages = new KnexMessageRepository(db);
    await expectUnavailable(messages.since(0, 5));
    await expectUnavailable(messages.lastId());
  });

  it('refuses room look-ups and creation as UNAVAILABLE', async () => {
    const rooms = new KnexRoomRepository(db);
    await expectUnavailable(rooms.ensure('dev'));
    await expectUnavailable(rooms.exists('dev'));
  });

  it('refuses registration and login look-ups as UNAVAILABLE', async () => {
    const users = new KnexUserRepository(db);
    await expectUnavailable(users.create({ username: 'alice', passwordHash: 'h' }));
    await expectUnavailable(users.findByUsername('alice'));
  });
});
