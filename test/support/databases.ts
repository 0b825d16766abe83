import { accessSync, constants, cpSync, mkdtempSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Knex } from 'knex';
import pg from 'pg';
import { DEFAULT_ROOM } from '../../src/domain/room.js';
import { openDatabase } from '../../src/infrastructure/database.js';

/** The CI machine's PostgreSQL; override with TEST_DATABASE_URL. */
export const POSTGRES_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** In CI the PostgreSQL suites must run: an unreachable server fails them instead of skipping. */
const POSTGRES_REQUIRED = process.env.CI === 'true' || process.env.REQUIRE_POSTGRES === '1';

/** Where one test suite keeps its data: a fresh schema, or a fresh embedded database. */
export interface DatabaseTarget {
  url: string | undefined;
  dataDir: string;
  schema: string | undefined;
}

export interface TestDatabaseKind {
  name: 'postgresql' | 'embedded';
  /**
   * Skips the suite (or fails it, in CI) when the database cannot be had.
   * The embedded one may come migrated already; `empty` asks for nothing in
   * it, for a test that builds an older schema.
   */
  prepare(context: Mocha.Context, options?: { empty?: boolean }): Promise<DatabaseTarget>;
  dispose(target: DatabaseTarget): Promise<void>;
}

let postgresReachable: Promise<boolean> | undefined;

async function canReachPostgres(): Promise<boolean> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

let schemaCounter = 0;

const postgresql: TestDatabaseKind = {
  name: 'postgresql',
  async prepare(context) {
    postgresReachable ??= canReachPostgres();
    if (!(await postgresReachable)) {
      if (POSTGRES_REQUIRED) throw new Error(`PostgreSQL is required but not reachable at ${POSTGRES_URL}`);
      console.warn(`    (skipped: no PostgreSQL at ${POSTGRES_URL}; set TEST_DATABASE_URL)`);
      context.skip();
    }
    schemaCounter += 1;
    return { url: POSTGRES_URL, dataDir: temporaryDirectory(), schema: `test_${process.pid}_${Date.now()}_${schemaCounter}` };
  },
  async dispose({ url, schema, dataDir }) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
    rmSync(dataDir, { recursive: true, force: true });
  },
};

/**
 * An embedded database created and migrated once per test process: a copy
 * of it starts in well under a second, where creating one takes seconds of
 * WebAssembly, and some thirty suites each start one.
 */
let migratedTemplate: Promise<string> | undefined;

async function makeTemplate(): Promise<string> {
  const dataDir = temporaryDirectory();
  process.once('exit', () => rmSync(dataDir, { recursive: true, force: true }));
  const db = await openDatabase({ url: undefined, dataDir });
  await db.destroy();
  return dataDir;
}

/**
 * What a hook that waits for the template may take. Making it takes 2.5 s
 * alone, but once, in CI on Node 24 right after the full suite, two test
 * processes took over 20 s (a hook's usual budget) to make theirs; not seen
 * again in the runs since, and the cause not found.
 */
const TEMPLATE_TIMEOUT_MS = 120_000;

/** The migrated template, with the hook's budget raised while it waits for it (at once when it is made already). */
async function migratedTemplateFor(context: Mocha.Context): Promise<string> {
  const budget = context.timeout();
  const raise = budget > 0 && budget < TEMPLATE_TIMEOUT_MS;
  if (raise) context.timeout(TEMPLATE_TIMEOUT_MS);
  try {
    return await (migratedTemplate ??= makeTemplate());
  } finally {
    // Mocha counts the usual budget again from here, for what the hook does next.
    if (raise) context.timeout(budget);
  }
}

const embedded: TestDatabaseKind = {
  name: 'embedded',
  async prepare(context, { empty = false } = {}) {
    const dataDir = temporaryDirectory();
    if (!empty) cpSync(await migratedTemplateFor(context), dataDir, { recursive: true });
    return { url: undefined, dataDir, schema: undefined };
  },
  async dispose({ dataDir }) {
    rmSync(dataDir, { recursive: true, force: true });
  },
};

export const DATABASE_KINDS: readonly TestDatabaseKind[] = [postgresql, embedded];
/** For suites about the edges, where the database does not change the outcome. */
export const POSTGRESQL_ONLY: readonly TestDatabaseKind[] = [postgresql];

/** Room for every worker's template and suites' copies of the embedded database at once, with a wide margin. */
const SCRATCH_NEEDS_BYTES = 2 * 1024 ** 3;

/**
 * Test data lives in memory where the system keeps a tmpfs for it (Linux's
 * /dev/shm): a copy of the migrated embedded database (40 MB, a thousand
 * files) takes 50 ms there against 550 ms of kernel time on this disk, once
 * per suite, and the embedded database's own writes cost as little. The
 * database code is the same either way: PGlite on a directory. A small one
 * (a container's 64 MB) would fill up: then the disk.
 */
const SCRATCH = ((): string => {
  try {
    accessSync('/dev/shm', constants.W_OK);
    const { bavail, bsize } = statfsSync('/dev/shm');
    if (bavail * bsize >= SCRATCH_NEEDS_BYTES) return '/dev/shm';
  } catch {
    // no tmpfs there: the disk
  }
  return tmpdir();
})();

export function temporaryDirectory(): string {
  return mkdtempSync(join(SCRATCH, 'chat-test-'));
}

export function openTestDatabase(target: DatabaseTarget): Promise<Knex> {
  return openDatabase({ url: target.url, dataDir: target.dataDir, ...(target.schema ? { schema: target.schema } : {}) });
}

/**
 * Empties every table and restarts ids, so each test starts from nothing:
 * message ids come from message_log, not from a sequence, so it is rewound
 * too, and the room every connection starts in is put back.
 *
 * DELETE, not TRUNCATE: on tables of a few rows it is a fraction of a
 * millisecond, where a TRUNCATE of them all took 25-30 ms (new files for
 * every table and index, and every connection's caches of them dropped),
 * once per end-to-end test.
 */
export async function resetTables(db: Knex): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await db.transaction(async (trx) => {
        // Those of them the schema has: the bench resets databases migrated by older revisions too (--server-rev).
        const present = await trx.raw<{ rows: Array<{ name: string }> }>(
          'SELECT name FROM unnest(?::text[]) WITH ORDINALITY AS t(name, ord) WHERE to_regclass(name) IS NOT NULL ORDER BY ord',
          [[...RESET_TABLES]],
        );
        for (const { name } of present.rows) await trx.raw('DELETE FROM ??', [name]);
        for (const name of ['users', 'messages']) await trx.raw(`SELECT setval(pg_get_serial_sequence(?, 'id'), 1, false)`, [name]);
        await trx.raw('INSERT INTO rooms (name) VALUES (?)', [DEFAULT_ROOM]);
        await trx.raw('UPDATE message_log SET last_id = 0');
        if (present.rows.some(({ name }) => name === 'search_log')) await trx.raw('INSERT INTO search_log (indexed_up_to) VALUES (0)');
      });
      return;
    } catch (error) {
      // The server prunes rooms and sessions as it starts, while the first test runs: PostgreSQL may
      // break a deadlock between that and the reset by aborting the reset, which can run again.
      if ((error as { code?: unknown }).code !== DEADLOCK_DETECTED || attempt >= 3) throw error;
    }
  }
}

const DEADLOCK_DETECTED = '40P01';

/**
 * What a test or a bench scenario starts without, each before what it refers
 * to (rooms' members and direct conversations go with their room). search_log
 * first: a node's indexer holds its row while it reads messages, so taking it
 * first waits for the indexer instead of deadlocking with it.
 */
const RESET_TABLES = ['search_log', 'message_search', 'refresh_credentials', 'sessions', 'users', 'messages', 'rooms'] as const;
