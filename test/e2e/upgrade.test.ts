import { expect } from 'chai';
import bcrypt from 'bcrypt';
import jwt from 'jsonwebtoken';
import knex, { type Knex } from 'knex';
import { knexConfig } from '../../src/infrastructure/database.js';
import * as createUsers from '../../src/infrastructure/migrations/001-create-users.js';
import * as createMessages from '../../src/infrastructure/migrations/002-create-messages.js';
import * as roomsAndClientIds from '../../src/infrastructure/migrations/003-rooms-and-client-ids.js';
import { AccountApi } from '../support/account-api.js';
import { DATABASE_KINDS, type DatabaseTarget } from '../support/databases.js';
import { TEST_JWT_SECRET, TEST_PASSWORD, TestServer } from '../support/test-server.js';

type Migration = { up: (db: Knex) => Promise<void>; down: (db: Knex) => Promise<void> };

/** The migrations of the version before accounts (001–003): the schema every existing database has. */
const BEFORE_ACCOUNTS: ReadonlyArray<[string, Migration]> = [
  ['001-create-users', createUsers],
  ['002-create-messages', createMessages],
  ['003-rooms-and-client-ids', roomsAndClientIds],
];
const beforeAccounts: Knex.MigrationSource<[string, Migration]> = {
  getMigrations: async () => [...BEFORE_ACCOUNTS],
  getMigrationName: ([name]) => name,
  getMigration: async ([, migration]) => migration,
};

/**
 * A database as the previous version leaves it: its schema, made by its
 * migrations, with users registered through it (bcrypt hashes, as its
 * hasher stores them) and messages stored the way it stores them.
 */
async function databaseOfThePreviousVersion(target: DatabaseTarget): Promise<void> {
  const config = knexConfig({ url: target.url, dataDir: target.dataDir, ...(target.schema ? { schema: target.schema } : {}) });
  const db = knex(config);
  try {
    if (target.schema) await db.raw('CREATE SCHEMA IF NOT EXISTS ??', [target.schema]);
    await db.migrate.latest({ ...config.migrations, migrationSource: beforeAccounts });
    for (const username of ['Alice', 'bob']) {
      await db('users').insert({ username, password_hash: await bcrypt.hash(TEST_PASSWORD, 4) });
    }
    await db('rooms').insert({ name: 'dev' });
    const now = new Date().toISOString();
    await db.raw('SELECT * FROM append_messages(?::text[], ?::text[], ?::text[], ?::timestamptz[], ?::text[])', [
      ['general', 'dev', 'general'],
      ['Alice', 'bob', 'bob'],
      ['before the upgrade', 'in dev', 'me too'],
      [now, now, now],
      [null, 'c-1', null] as unknown as Knex.Value,
    ]);
  } finally {
    await db.destroy();
  }
}

for (const kind of DATABASE_KINDS) {
  describe(`Upgrading a database of the previous version (${kind.name})`, function () {
    let target: DatabaseTarget | undefined;
    let server: TestServer | undefined;

    before(async function () {
      // Two starts of the database, each migrating it: on the embedded one, each is seconds of WebAssembly.
      this.timeout(60_000);
      target = await kind.prepare(this, { empty: true });
      await databaseOfThePreviousVersion(target);
      server = await TestServer.start(target);
    });
    after(async () => {
      await server?.stop();
      if (target) await kind.dispose(target);
    });

    const api = () => new AccountApi(server!.baseUrl);

    it('migrates in place: the users are there, members who may log in, with their passwords', async () => {
      const users = await server!.db('users').orderBy('id').select('username', 'role', 'suspended_at', 'deleted_at');
      expect(users).to.deep.equal([
        { username: 'Alice', role: 'member', suspended_at: null, deleted_at: null },
        { username: 'bob', role: 'member', suspended_at: null, deleted_at: null },
      ]);
      const login = await api().call('POST', '/api/login', { body: { username: 'alice', password: TEST_PASSWORD } });
      expect(login.status, login.text).to.equal(200);
      expect(login.body.username).to.equal('Alice');
      expect((await api().openSession('bob')).refresh).to.have.length(43);
    });

    it('indexes the messages it had for search, and finds them', async () => {
      const indexed = await server!.db('message_search').orderBy('id').pluck('id');
      expect(indexed.map(Number)).to.deep.equal([1, 2, 3]);
      expect(Number((await server!.db('search_log').first('indexed_up_to')).indexed_up_to)).to.be.at.least(3);
      const { token } = await api().login('alice');
      const client = await server!.connect();
      await client.auth('alice', token);
      client.sendJson({ type: 'search', query: 'upgrade' });
      const found = await client.next();
      expect(found).to.include({ type: 'search' });
      expect((found.results as Array<{ id: number }>).map(({ id }) => id)).to.deep.equal([1]);
    });

    it('keeps the messages, their ids and client ids; new ones follow them', async () => {
      const { token } = await api().login('alice');
      const client = await server!.connect();
      await client.auth('alice', token);
      client.send('alice', 'history 10');
      const history = await client.next();
      expect(history.messages?.map(({ id, username, message }) => [id, username, message])).to.deep.equal([
        [1, 'Alice', 'before the upgrade'],
        [3, 'bob', 'me too'],
      ]);
      client.send('alice', 'after the upgrade');
      expect(await client.next()).to.include({ type: 'message', id: 4, username: 'Alice' });
      const dev = await server!.db('messages').where({ room: 'dev' }).first('client_id');
      expect(dev.client_id).to.equal('c-1');
    });

    it('keeps the names taken', async () => {
      const reply = await api().call('POST', '/api/reg', { body: { username: 'ALICE', password: TEST_PASSWORD } });
      expect(reply.status).to.equal(409);
    });

    it("refuses the previous version's tokens, which name no session and so could not be revoked: INVALID_TOKEN, log in again", async () => {
      const old = jwt.sign({ exp: Math.floor(Date.now() / 1000) + 3600 }, TEST_JWT_SECRET, { algorithm: 'HS256', subject: 'Alice' });
      const client = await server!.connect();
      client.send('Alice', `auth ${old}`);
      expect(await client.next()).to.include({ type: 'error', code: 'INVALID_TOKEN' });
    });
  });
}
