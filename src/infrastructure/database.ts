import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import knex, { type Knex } from 'knex';
import ClientPgLite from 'knex-pglite';
import type { Logger } from '../application/ports.js';
import { migrationSource } from './migrations/index.js';

const CONNECT_TIMEOUT_MS = 2000;

export interface DatabaseOptions {
  /** A postgres:// URL, or undefined for the embedded PostgreSQL under dataDir. */
  url: string | undefined;
  dataDir: string;
  /** Tables live in this schema; tests use a fresh one per run. */
  schema?: string;
  /** Where knex's own warnings go (failed connection attempts, for instance); default: knex's console output. */
  logger?: Logger;
}

export function knexConfig({ url, dataDir, schema, logger }: DatabaseOptions): Knex.Config {
  const common = {
    ...(logger ? { log: knexLog(logger) } : {}),
    migrations: { migrationSource, ...(schema ? { schemaName: schema } : {}) },
    ...(schema ? { searchPath: [schema] } : {}),
  };
  if (url) {
    return {
      client: 'pg',
      connection: { connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS },
      pool: { min: 0, max: 10 },
      // Fail fast when the database is gone, so clients hear UNAVAILABLE instead of waiting a minute.
      acquireConnectionTimeout: CONNECT_TIMEOUT_MS,
      ...common,
    };
  }
  // PGlite is PostgreSQL compiled to WebAssembly, in this process: one connection.
  const directory = resolve(dataDir, 'pglite');
  // PGlite wants its directory to exist; creating it here serves the server and the knex CLI alike.
  mkdirSync(directory, { recursive: true });
  return { client: ClientPgLite, dialect: 'postgres', connection: { filename: directory }, ...common } as Knex.Config;
}

export async function openDatabase(options: DatabaseOptions): Promise<Knex> {
  const db = knex(knexConfig(options));
  if (options.schema) await db.raw('CREATE SCHEMA IF NOT EXISTS ??', [options.schema]);
  await db.migrate.latest();
  return db;
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
