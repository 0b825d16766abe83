import type { Knex } from 'knex';
import { DATABASE_KINDS, openTestDatabase, resetTables, type DatabaseTarget, type TestDatabaseKind } from './databases.js';

/**
 * Runs one integration suite on each database kind ("<title> on postgresql",
 * then on embedded): the database opened once for the suite and its tables
 * emptied before each test. `db()` is that database, in a test or a hook.
 */
export function describeOnEachKnexDatabase(title: string, suite: (db: () => Knex, kind: TestDatabaseKind) => void): void {
  for (const kind of DATABASE_KINDS) {
    describe(`${title} on ${kind.name}`, function () {
      let target: DatabaseTarget | undefined;
      let opened: Knex | undefined;
      const db = (): Knex => {
        if (!opened) throw new Error('database not open');
        return opened;
      };

      before(async function () {
        target = await kind.prepare(this);
        opened = await openTestDatabase(target);
      });
      after(async () => {
        await opened?.destroy();
        if (target) await kind.dispose(target);
      });
      beforeEach(() => resetTables(db()));

      suite(db, kind);
    });
  }
}
