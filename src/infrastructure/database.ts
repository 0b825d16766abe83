import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import knex, { type Knex } from 'knex';
import ClientPgLite from 'knex-pglite';
import pg from 'pg';
import type { Logger } from '../application/ports.js';
import { migrationSource } from './migrations/index.js';

const CONNECT_TIMEOUT_MS = 1500;
/** A query unanswered this long is given up: a partitioned network answers nothing, not even a reset. */
const QUERY_TIMEOUT_MS = 1500;

/**
 * knex-pglite 0.14 tells knex a DELETE was a "DEL", so knex hands back the
 * driver's whole result instead of the row count it gives on PostgreSQL:
 * `removed === 0` was never true on the embedded database. Named as
 * PostgreSQL names it, the count comes back on both.
 */
class EmbeddedClient extends ClientPgLite {
  processResponse(obj: QueryResult, runner: unknown): unknown {
    return (ClientPgLite.prototype as unknown as ResponseProcessor).processResponse.call(
      this,
      obj.method === 'del' ? { ...obj, method: 'delete' } : obj,
      runner,
    );
  }
}
/** What knex's clients have and its types leave out. */
interface QueryResult {
  method?: string;
}
interface ResponseProcessor {
  processResponse(obj: QueryResult, runner: unknown): unknown;
}

export interface DatabaseOptions {
  /** A postgres:// URL, or undefined for the embedded PostgreSQL under dataDir. */
  url: string | undefined;
  dataDir: string;
  /** Tables live in this schema; tests use a fresh one per run. */
  schema?: string;
  /** Where knex's own warnings go (failed connection attempts, for instance); default: knex's console output. */
  logger?: Logger;
  /** Migrations may run long (an index on a big table): no query timeout for them. */
  forMigrations?: boolean;
}

/** A pg client as the pool sees it: enough to tell a connection that still waits for an answer. */
interface PooledPgClient {
  readyForQuery?: boolean;
  connection?: { stream?: { destroy(): void } };
}

export function knexConfig({ url, dataDir, schema, logger, forMigrations }: DatabaseOptions): Knex.Config {
  const common = {
    ...(logger ? { log: knexLog(logger) } : {}),
    migrations: { migrationSource, ...(schema ? { schemaName: schema } : {}) },
    ...(schema ? { searchPath: [schema] } : {}),
  };
  if (url) {
    return {
      client: 'pg',
      connection: {
        connectionString: url,
        connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
        ...(forMigrations ? {} : { query_timeout: QUERY_TIMEOUT_MS }),
      },
      pool: {
        min: 0,
        max: 10,
        // A connection whose query timed out still waits for that answer: never hand it out again, and
        // reset it, so that a statement still in its send buffer cannot run late, after the network heals.
        validate: (client: PooledPgClient) => {
          if (client.readyForQuery) return true;
          client.connection?.stream?.destroy();
          return false;
        },
      },
      // Fail fast when the database is gone, so clients hear UNAVAILABLE instead of waiting a minute.
      acquireConnectionTimeout: CONNECT_TIMEOUT_MS,
      ...common,
    };
  }
  // PGlite is PostgreSQL compiled to WebAssembly, in this process: one connection.
  const directory = resolve(dataDir, 'pglite');
  // PGlite wants its directory to exist; creating it here serves the server and the knex CLI alike.
  mkdirSync(directory, { recursive: true });
  return { client: EmbeddedClient, dialect: 'postgres', connection: { filename: directory }, ...common } as Knex.Config;
}

export async function openDatabase(options: DatabaseOptions): Promise<Knex> {
  const db = knex(knexConfig(options));
  // PGlite has one connection and no timeouts: it migrates through the same instance.
  const migrator = options.url ? knex(knexConfig({ ...options, forMigrations: true })) : db;
  const turn = options.url ? await migrationTurn(options.url, options.schema) : undefined;
  try {
    if (options.schema) await migrator.raw('CREATE SCHEMA IF NOT EXISTS ??', [options.schema]);
    await migrator.migrate.latest();
  } finally {
    await turn?.end();
    if (migrator !== db) await migrator.destroy();
  }
  return db;
}

/**
 * Nodes that start at the same moment on a new database take turns to
 * migrate it: knex looks for its own tables and then creates them, so two
 * first starts at once both tried, and one failed. A session advisory lock
 * per schema, held on a connection of its own until the migrations are done.
 */
async function migrationTurn(url: string, schema: string | undefined): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [`chat-server migrations ${schema ?? 'public'}`]);
  } catch (error) {
    await client.end();
    throw error;
  }
  return client;
}

function knexLog(logger: Logger): Knex.Config['log'] {
  const detail = (message: unknown) => ({ detail: message instanceof Error ? message.message : String(message) });
  return {
    warn: (message: unknown) => logger.warn('database', detail(message)),
    error: (message: unknown) => logger.error('database', detail(message)),
    deprecate: (method: string, alternative: string) => logger.warn('database', { deprecated: method, alternative }),
    debug: () => undefined,
  };
}
