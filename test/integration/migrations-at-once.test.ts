import { expect } from 'chai';
import { openDatabase } from '../../src/infrastructure/database.js';
import { POSTGRESQL_ONLY, type DatabaseTarget } from '../support/databases.js';

describe('Nodes starting at the same moment on a new PostgreSQL schema', function () {
  let target: DatabaseTarget | undefined;
  before(async function () {
    target = await (POSTGRESQL_ONLY[0] as (typeof POSTGRESQL_ONLY)[number]).prepare(this);
  });
  after(async () => {
    if (target) await (POSTGRESQL_ONLY[0] as (typeof POSTGRESQL_ONLY)[number]).dispose(target);
  });

  it('all start: they take turns to migrate it, and it is migrated once', async () => {
    const open = () => openDatabase({ url: target!.url, dataDir: target!.dataDir, schema: target!.schema! });
    // Before they took turns, two of the three failed: knex created its own tables in each.
    const started = await Promise.allSettled([open(), open(), open()]);
    const failures = started.flatMap((result) => (result.status === 'rejected' ? [String(result.reason)] : []));
    for (const result of started) if (result.status === 'fulfilled') await result.value.destroy();
    expect(failures).to.deep.equal([]);
    const check = await openDatabase({ url: target!.url, dataDir: target!.dataDir, schema: target!.schema! });
    try {
      const names = (await check('knex_migrations').select('name')).map(({ name }: { name: string }) => name);
      expect(names).to.have.length(new Set(names).size).and.to.include('007-search-index-after-commit');
    } finally {
      await check.destroy();
    }
  });
});
