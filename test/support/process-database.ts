import pg from 'pg';
import { POSTGRESQL_ONLY, type DatabaseTarget } from './databases.js';

export interface StoredMessage {
  id: number;
  username: string;
  text: string;
}

/**
 * A fresh PostgreSQL schema for a server run as its own process
 * (test/support/server-process.ts), which takes its configuration from the
 * environment only: the schema is chosen through DATABASE_URL, as
 * `?options=-c search_path=<schema>`, and the server's migrations create
 * their tables there.
 */
export class ProcessDatabase {
  private constructor(
    readonly target: DatabaseTarget & { url: string; schema: string },
    /** DATABASE_URL for the server process. */
    readonly url: string,
  ) {}

  /** Skips the test (fails it in CI) when PostgreSQL cannot be reached, like the other PostgreSQL suites. */
  static async prepare(context: Mocha.Context): Promise<ProcessDatabase> {
    const target = await (POSTGRESQL_ONLY[0] as (typeof POSTGRESQL_ONLY)[number]).prepare(context);
    const schema = target.schema as string;
    const base = target.url as string;
    const client = new pg.Client({ connectionString: base });
    await client.connect();
    try {
      await client.query(`CREATE SCHEMA "${schema}"`);
    } finally {
      await client.end();
    }
    const url = new URL(base);
    url.searchParams.set('options', `-c search_path=${schema}`);
    return new ProcessDatabase({ ...target, url: base, schema }, url.toString());
  }

  /** The messages table as stored, in id order, read past any server. */
  async messages(): Promise<StoredMessage[]> {
    const client = new pg.Client({ connectionString: this.target.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ id: string; username: string; text: string }>(
        `SELECT id, username, text FROM "${this.target.schema}".messages ORDER BY id`,
      );
      return rows.map((row) => ({ id: Number(row.id), username: row.username, text: row.text }));
    } finally {
      await client.end();
    }
  }

  async dispose(): Promise<void> {
    await (POSTGRESQL_ONLY[0] as (typeof POSTGRESQL_ONLY)[number]).dispose(this.target);
  }
}
