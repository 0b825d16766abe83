import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import knex, { type Knex } from 'knex';
import ClientPgLite from 'knex-pglite';
import { migrationSource } from './migrations/index.js';

export interface DatabaseOptions {
  /** A postgres:// URL, or undefined for the embedded PostgreSQL under dataDir. */
  url: string | undefined;
  dataDir: string;
  /** Tables live in this schema; tests use a fresh one per run. */
  schema?: string;
}

export function knexConfig({ url, dataDir, schema }: DatabaseOptions): Knex.Config {
  const common = {
    migrations: { migrationSource, ...(schema ? { schemaName: schema } : {}) },
    ...(schema ? { searchPath: [schema] } : {}),
  };
  if (url) {
    return { client: 'pg', connection: url, pool: { min: 0, max: 10 }, ...common };
  }
  // PGlite is PostgreSQL compiled to WebAssembly, in this process: one connection.
  const directory = resolve(dataDir, 'pglite');
  return { client: ClientPgLite, dialect: 'postgres', connection: { filename: directory }, ...common } as Knex.Config;
}

export async function openDatabase(options: DatabaseOptions): Promise<Knex> {
  if (!options.url) mkdirSync(resolve(options.dataDir, 'pglite'), { recursive: true });
  const db = knex(knexConfig(options));
  if (options.schema) await db.raw('CREATE SCHEMA IF NOT EXISTS ??', [options.schema]);
  await db.migrate.latest();
  return db;
}
