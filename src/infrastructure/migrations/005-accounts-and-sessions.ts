import type { Knex } from 'knex';

/**
 * Accounts people control (issue #18): login sessions that can be revoked,
 * rotating refresh credentials, roles, suspension and deletion. Existing
 * rows keep their meaning: every user stays a member who may log in with
 * the same password; only tokens issued before this migration, which name
 * no session, stop being accepted.
 */
export async function up(db: Knex): Promise<void> {
  // A deleted account keeps its row, so its name stays taken, but no password.
  await db.schema.raw(`ALTER TABLE users ALTER COLUMN password_hash DROP NOT NULL`);
  await db.schema.raw(`ALTER TABLE users ADD COLUMN role text NOT NULL DEFAULT 'member' CHECK (role IN ('member', 'administrator'))`);
  await db.schema.raw(`ALTER TABLE users ADD COLUMN suspended_at timestamptz`);
  await db.schema.raw(`ALTER TABLE users ADD COLUMN deleted_at timestamptz`);
  await db.schema.raw(`ALTER TABLE users ADD CONSTRAINT users_deleted_have_no_password CHECK (deleted_at IS NULL OR password_hash IS NULL)`);
  await db.schema.raw(`
    CREATE TABLE sessions (
      id text PRIMARY KEY,
      user_id bigint NOT NULL REFERENCES users (id),
      kind text NOT NULL CHECK (kind IN ('token', 'refresh')),
      created_at timestamptz NOT NULL,
      last_seen_at timestamptz NOT NULL,
      expires_at timestamptz NOT NULL,
      ended_at timestamptz,
      end_reason text,
      user_agent text NOT NULL DEFAULT '',
      address text NOT NULL DEFAULT ''
    )`);
  await db.schema.raw(`CREATE INDEX sessions_user ON sessions (user_id)`);
  // Serves the hourly pruning of sessions long over.
  await db.schema.raw(`CREATE INDEX sessions_over ON sessions (least(expires_at, coalesce(ended_at, expires_at)))`);
  await db.schema.raw(`
    CREATE TABLE refresh_credentials (
      digest text PRIMARY KEY,
      session_id text NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
      created_at timestamptz NOT NULL,
      replaced_at timestamptz
    )`);
  // One current credential per session: the constraint, not a read, decides two rotations at once.
  await db.schema.raw(`CREATE UNIQUE INDEX refresh_credentials_current ON refresh_credentials (session_id) WHERE replaced_at IS NULL`);
  await db.schema.raw(`CREATE INDEX refresh_credentials_session ON refresh_credentials (session_id)`);
}

export async function down(db: Knex): Promise<void> {
  await db.schema.raw('DROP TABLE refresh_credentials');
  await db.schema.raw('DROP TABLE sessions');
  await db.schema.raw('ALTER TABLE users DROP CONSTRAINT users_deleted_have_no_password');
  // A deleted account keeps its name with a hash nothing matches.
  await db.schema.raw(`UPDATE users SET password_hash = '!' WHERE password_hash IS NULL`);
  await db.schema.raw('ALTER TABLE users ALTER COLUMN password_hash SET NOT NULL');
  await db.schema.raw('ALTER TABLE users DROP COLUMN deleted_at');
  await db.schema.raw('ALTER TABLE users DROP COLUMN suspended_at');
  await db.schema.raw('ALTER TABLE users DROP COLUMN role');
}
