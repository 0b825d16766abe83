/**
 * The databases the bench runs against, prepared before a server starts and
 * never measured: an empty scratch database per scenario, and message tables
 * pre-filled with N rows for `history`, built once by INSERT ... SELECT
 * generate_series and reused by later runs (a marker records a finished fill,
 * so an interrupted one is redone rather than trusted).
 *
 * PostgreSQL: databases chat_bench (scratch) and chat_bench_h<N> (pre-filled)
 * on the server at --pg-url. Embedded: PGlite data directories under the
 * bench's data directory; a fresh PGlite directory takes seconds of initdb in
 * WebAssembly, so one migrated template is kept and copied.
 * The tables always come from the server's own migrations (openDatabase).
 */
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Knex } from 'knex';
import pg from 'pg';
import { openDatabase as openWorkingTreeDatabase } from '../src/infrastructure/database.js';
import { resetTables } from '../test/support/databases.js';

/** Opens and migrates a database the way the server under test does (its own src/infrastructure/database.ts). */
export type OpenDatabase = typeof openWorkingTreeDatabase;

export type DbKind = 'postgres' | 'embedded';

export interface DbTarget {
  kind: DbKind;
  /** What the server gets: DATABASE_URL, or DATA_DIR for the embedded database. */
  env: Record<string, string>;
  /** PostgreSQL database name (for CPU accounting and settings), if any. */
  pgDatabase: string | undefined;
}

export const SCRATCH_DATABASE = 'chat_bench';
const FORBIDDEN_DATABASES = new Set(['test', 'postgres', 'template0', 'template1']);
const MARKER_TABLE = 'bench_prefill';
const MARKER_FILE = '.bench-prefill.json';
const TEMPLATE_MARKER = '.bench-template';
/** The advisory lock one bench run holds on a PostgreSQL server ("chat" in ASCII). */
const BENCH_LOCK_KEY = 0x63686174;

export function rowsLabel(rows: number): string {
  if (rows % 1_000_000 === 0) return `${rows / 1_000_000}m`;
  if (rows % 1000 === 0) return `${rows / 1000}k`;
  return String(rows);
}

export class BenchDatabases {
  constructor(
    /** postgres://user@host:port (any database part is replaced). */
    private readonly pgBaseUrl: string,
    /** Where embedded databases are kept. */
    private readonly dataRoot: string,
    private readonly log: (line: string) => void,
    /** The measured server's migrations: with --server-rev, that commit's, not the working tree's. */
    private readonly openDatabase: OpenDatabase = openWorkingTreeDatabase,
  ) {}

  pgUrl(database: string): string {
    if (FORBIDDEN_DATABASES.has(database)) throw new Error(`the bench never uses the database "${database}"`);
    const url = new URL(this.pgBaseUrl);
    url.pathname = `/${database}`;
    return url.toString();
  }

  /**
   * An empty, migrated database for one scenario. A scenario that keeps two
   * deployments apart at once asks for a second one by its suffix
   * (PostgreSQL only: `chat_bench_<suffix>`).
   */
  async scratch(kind: DbKind, suffix?: string): Promise<DbTarget> {
    if (kind === 'postgres') {
      const name = suffix === undefined ? SCRATCH_DATABASE : `${SCRATCH_DATABASE}_${suffix}`;
      await this.ensurePgDatabase(name);
      const db = await this.openDatabase({ url: this.pgUrl(name), dataDir: this.dataRoot });
      try {
        await resetTables(db);
      } finally {
        await db.destroy();
      }
      return this.pgTarget(name);
    }
    if (suffix !== undefined) throw new Error('a second scratch database is PostgreSQL only');
    const dir = join(this.dataRoot, 'embedded', 'scratch');
    await this.copyTemplate(dir);
    return { kind, env: { DATA_DIR: dir }, pgDatabase: undefined };
  }

  /** A database holding `rows` messages, reused when an earlier run already filled it. */
  async prefilled(kind: DbKind, rows: number): Promise<DbTarget> {
    const label = rowsLabel(rows);
    if (kind === 'postgres') {
      const name = `${SCRATCH_DATABASE}_h${label}`;
      await this.ensurePgDatabase(name);
      // A pre-fill statement takes seconds: without the server's query timeout, as for migrations.
      const db = await this.openDatabase({ url: this.pgUrl(name), dataDir: this.dataRoot, forMigrations: true });
      try {
        const marker = await db.raw<{ rows: Array<{ present: string | null }> }>(`SELECT to_regclass('${MARKER_TABLE}') AS present`);
        const present = marker.rows[0]?.present;
        const filled = present
          ? Number((await db.raw<{ rows: Array<{ rows: number | string }> }>(`SELECT rows FROM ${MARKER_TABLE}`)).rows[0]?.rows ?? -1)
          : -1;
        if (filled === rows) {
          this.log(`prefill: reusing PostgreSQL database ${name} (${rows.toLocaleString('en')} messages)`);
        } else {
          await db.raw(`DROP TABLE IF EXISTS ${MARKER_TABLE}`);
          await fill(db, rows, 1_000_000, this.log, `PostgreSQL ${name}`);
          await db.raw(`CREATE TABLE ${MARKER_TABLE} (rows bigint NOT NULL, filled_at timestamptz NOT NULL DEFAULT now())`);
          await db.raw(`INSERT INTO ${MARKER_TABLE} (rows) VALUES (?)`, [rows]);
        }
      } finally {
        await db.destroy();
      }
      return this.pgTarget(name);
    }
    const dir = join(this.dataRoot, 'embedded', `h${label}`);
    const markerPath = join(dir, MARKER_FILE);
    if (existsSync(markerPath) && (JSON.parse(readFileSync(markerPath, 'utf8')) as { rows: number }).rows === rows) {
      this.log(`prefill: reusing embedded database ${dir} (${rows.toLocaleString('en')} messages)`);
    } else {
      await this.copyTemplate(dir);
      const db = await this.openDatabase({ url: undefined, dataDir: dir });
      try {
        // PGlite's WebAssembly heap is bounded: smaller statements.
        await fill(db, rows, 250_000, this.log, `embedded ${dir}`);
      } finally {
        await db.destroy();
      }
      writeFileSync(markerPath, JSON.stringify({ rows, filledAt: new Date().toISOString() }));
    }
    return { kind, env: { DATA_DIR: dir }, pgDatabase: undefined };
  }

  /**
   * Takes the bench's lock on this PostgreSQL server (a session advisory lock
   * in chat_bench), waiting at most `waitSeconds` for another bench run to
   * finish. Two runs at once would share chat_bench: one's TRUNCATE empties
   * the other's users, and their messages take ids from the same log, so each
   * run's connections see gaps. Held until release() or the process exits.
   */
  async lock(waitSeconds: number): Promise<{ release(): Promise<void> }> {
    await this.ensurePgDatabase(SCRATCH_DATABASE);
    const client = new pg.Client({ connectionString: this.pgUrl(SCRATCH_DATABASE), connectionTimeoutMillis: 5000 });
    await client.connect();
    const deadline = performance.now() + waitSeconds * 1000;
    let said = false;
    for (;;) {
      const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [BENCH_LOCK_KEY]);
      if (rows[0]?.locked) return { release: () => client.end() };
      if (performance.now() > deadline) {
        await client.end();
        throw new Error(
          `another bench run has held the bench databases for over ${waitSeconds} s (pg_locks: advisory lock ${BENCH_LOCK_KEY} in ${SCRATCH_DATABASE})`,
        );
      }
      if (!said) this.log(`another bench run is using the bench databases on this PostgreSQL; waiting up to ${waitSeconds} s for it to finish`);
      said = true;
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  }

  /** Server version and the durability settings that bear on ingest. */
  async postgresInfo(): Promise<{ version: string; synchronousCommit: string; fsync: string }> {
    await this.ensurePgDatabase(SCRATCH_DATABASE);
    const client = new pg.Client({ connectionString: this.pgUrl(SCRATCH_DATABASE), connectionTimeoutMillis: 5000 });
    await client.connect();
    try {
      const setting = async (name: string) => String((await client.query<Record<string, string>>(`SHOW ${name}`)).rows[0]?.[name] ?? '?');
      return { version: await setting('server_version'), synchronousCommit: await setting('synchronous_commit'), fsync: await setting('fsync') };
    } finally {
      await client.end();
    }
  }

  private pgTarget(name: string): DbTarget {
    return { kind: 'postgres', env: { DATABASE_URL: this.pgUrl(name) }, pgDatabase: name };
  }

  private async ensurePgDatabase(name: string): Promise<void> {
    // CREATE DATABASE has to be said from some other database: the maintenance one.
    const adminUrl = new URL(this.pgBaseUrl);
    adminUrl.pathname = '/postgres';
    const admin = new pg.Client({ connectionString: adminUrl.toString(), connectionTimeoutMillis: 5000 });
    await admin.connect();
    try {
      const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (exists.rowCount === 0) {
        this.log(`creating PostgreSQL database ${name}`);
        await admin.query(`CREATE DATABASE "${name}"`);
      }
    } finally {
      await admin.end();
    }
  }

  /** A migrated, empty PGlite directory at `dir`, copied from the kept template. */
  private async copyTemplate(dir: string): Promise<void> {
    const template = join(this.dataRoot, 'embedded', 'template');
    if (!existsSync(join(template, TEMPLATE_MARKER))) {
      this.log('creating the embedded template database (PGlite initdb, once)');
      rmSync(template, { recursive: true, force: true });
      mkdirSync(template, { recursive: true });
      const db = await this.openDatabase({ url: undefined, dataDir: template });
      await db.destroy();
      writeFileSync(join(template, TEMPLATE_MARKER), new Date().toISOString());
    }
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    cpSync(template, dir, { recursive: true });
    rmSync(join(dir, TEMPLATE_MARKER), { force: true });
  }
}

/**
 * `rows` messages of about 100 characters from 1000 authors, one second
 * apart, in statements of `batch` rows; then VACUUM ANALYZE so that the first
 * timed reads do not pay for hint bits and statistics.
 */
async function fill(db: Knex, rows: number, batch: number, log: (line: string) => void, what: string): Promise<void> {
  const started = performance.now();
  await db.raw('TRUNCATE messages RESTART IDENTITY');
  // One statement per batch, each its own transaction: bounded memory, visible progress.
  for (let from = 1; from <= rows; from += batch) {
    const to = Math.min(rows, from + batch - 1);
    await db.raw(
      `INSERT INTO messages (username, text, created_at)
         SELECT 'user' || (g % 1000), 'prefilled message number ' || g || ' ' || repeat('.', 70),
                timestamptz '2026-01-01 00:00:00+00' + make_interval(secs => g)
         FROM generate_series(?::bigint, ?::bigint) AS g`,
      [from, to],
    );
    log(`prefill ${what}: ${to.toLocaleString('en')} / ${rows.toLocaleString('en')} rows (${((performance.now() - started) / 1000).toFixed(0)} s)`);
  }
  // Writers number messages from the log's head (migration 003): it must follow the bulk insert.
  await db.raw('UPDATE message_log SET last_id = (SELECT coalesce(max(id), 0) FROM messages)');
  // Searched through the index, as a server that kept up with them would have it (migration 007; older revisions index on insert).
  if ((await db.raw<{ rows: Array<{ present: string | null }> }>(`SELECT to_regclass('search_log') AS present`)).rows[0]?.present) {
    await db.raw('TRUNCATE message_search');
    await db.raw('UPDATE search_log SET indexed_up_to = 0');
    for (let indexed = 0, covered = batch; covered > 0 && indexed < rows; indexed += covered) {
      covered = Number((await db.raw<{ rows: Array<{ covered: string }> }>('SELECT index_messages(?) AS covered', [batch])).rows[0]?.covered ?? 0);
      log(
        `prefill ${what}: ${(indexed + covered).toLocaleString('en')} / ${rows.toLocaleString('en')} rows indexed for search (${((performance.now() - started) / 1000).toFixed(0)} s)`,
      );
    }
    await db.raw('VACUUM ANALYZE message_search');
  }
  await db.raw('VACUUM ANALYZE messages');
  log(`prefill ${what}: done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
