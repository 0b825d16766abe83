import type { Knex } from 'knex';

/**
 * Private rooms, direct conversations, who belongs to which room, read
 * markers, and full-text search. Existing rooms stay public; nobody is a
 * member of anything until they join again, which costs them no message.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.raw(`ALTER TABLE rooms ADD COLUMN kind text NOT NULL DEFAULT 'public' CHECK (kind IN ('public', 'private', 'direct'))`);
  await db.schema.raw(`ALTER TABLE rooms ADD COLUMN title text`);
  // Usernames as registered (tokens carry that spelling), so equality is enough.
  await db.schema.raw(`
    CREATE TABLE room_members (
      room text NOT NULL REFERENCES rooms (name) ON DELETE CASCADE,
      username text NOT NULL,
      role text NOT NULL CHECK (role IN ('owner', 'member')),
      joined_at timestamptz NOT NULL DEFAULT now(),
      read_up_to bigint NOT NULL DEFAULT 0,
      PRIMARY KEY (room, username)
    )`);
  await db.schema.raw(`CREATE INDEX room_members_username ON room_members (username)`);
  // One direct conversation per pair, whichever of the two opens it: the pair is stored in lower case, in order.
  await db.schema.raw(`
    CREATE TABLE direct_rooms (
      user_a text NOT NULL,
      user_b text NOT NULL,
      room text NOT NULL UNIQUE REFERENCES rooms (name) ON DELETE CASCADE,
      PRIMARY KEY (user_a, user_b),
      CHECK (user_a < user_b)
    )`);
  // 'simple': no language's stemming, so any language is found as written; prefix queries find word forms.
  await db.schema.raw(`CREATE INDEX messages_search ON messages USING gin (to_tsvector('simple', text))`);
}

export async function down(db: Knex): Promise<void> {
  await db.schema.raw('DROP INDEX messages_search');
  await db.schema.raw('DROP TABLE direct_rooms');
  await db.schema.raw('DROP TABLE room_members');
  await db.schema.raw('ALTER TABLE rooms DROP COLUMN title');
  await db.schema.raw('ALTER TABLE rooms DROP COLUMN kind');
}
