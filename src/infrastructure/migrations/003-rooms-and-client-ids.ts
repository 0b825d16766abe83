import type { Knex } from 'knex';

/**
 * Rooms, client ids, and ids that are dense and committed in order.
 *
 * Every write takes the one row of message_log FOR UPDATE and numbers its
 * messages from it, so ids are handed out and committed in one order on
 * every node, without holes: a fan-out that sees id n knows ids below n are
 * committed, and can fetch whatever it missed.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.raw(`CREATE TABLE rooms (name text PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT now())`);
  await db.schema.raw(`INSERT INTO rooms (name) VALUES ('general')`);
  // No foreign key to rooms: it ran a query per message, as costly as the
  // insert, and guarded nothing the application does not (only members post,
  // and joining creates the room).
  await db.schema.raw(`ALTER TABLE messages ADD COLUMN room text NOT NULL DEFAULT 'general'`);
  await db.schema.raw(`ALTER TABLE messages ADD COLUMN client_id text`);
  // The constraint is what makes a retried send exactly-once, however late the retry.
  await db.schema.raw(`CREATE UNIQUE INDEX messages_client_id_unique ON messages (username, client_id) WHERE client_id IS NOT NULL`);
  // Serves a room's latest page and paging before or after an id.
  await db.schema.raw(`CREATE INDEX messages_room_id ON messages (room, id)`);
  await db.schema.raw(`CREATE TABLE message_log (only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row), last_id bigint NOT NULL)`);
  await db.schema.raw(`INSERT INTO message_log (last_id) SELECT coalesce(max(id), 0) FROM messages`);
  // Most batches carry no client id (clients of the original protocol never
  // send one): they take a plain numbered INSERT whose plan PL/pgSQL keeps.
  // A batch with client ids checks them through EXECUTE, planned for the
  // table as it is now: a plan kept from when the table was small hashed the
  // whole table on every call (the ingest benchmark fell to 6,500 msg/s).
  await db.schema.raw(`
    CREATE FUNCTION append_messages(p_room text[], p_username text[], p_text text[], p_created_at timestamptz[], p_client_id text[])
    RETURNS TABLE (input_ord bigint, message_id bigint, is_new boolean)
    LANGUAGE plpgsql AS $$
    DECLARE
      head bigint;
    BEGIN
      -- Held until commit: the next writer, on any node, numbers after this one.
      SELECT message_log.last_id INTO head FROM message_log FOR UPDATE;
      IF cardinality(array_remove(p_client_id, NULL)) = 0 THEN
        RETURN QUERY
          INSERT INTO messages (id, room, username, text, created_at)
          SELECT head + u.ord, u.room, u.username, u.text, u.created_at
          FROM unnest(p_room, p_username, p_text, p_created_at) WITH ORDINALITY AS u(room, username, text, created_at, ord)
          RETURNING messages.id - head, messages.id, true;
      ELSE
        RETURN QUERY EXECUTE $query$
          WITH input AS (
            SELECT u.ord, u.room, u.username, u.text, u.created_at, u.client_id,
                   CASE WHEN u.client_id IS NULL THEN NULL
                        ELSE (SELECT m.id FROM messages m WHERE m.username = u.username AND m.client_id = u.client_id)
                   END AS existing
            FROM unnest($2, $3, $4, $5, $6) WITH ORDINALITY AS u(room, username, text, created_at, client_id, ord)
          ), numbered AS (
            SELECT i.*, $1 + row_number() OVER (ORDER BY i.ord) AS new_id FROM input i WHERE i.existing IS NULL
          ), inserted AS (
            INSERT INTO messages (id, room, username, text, created_at, client_id)
            SELECT n.new_id, n.room, n.username, n.text, n.created_at, n.client_id FROM numbered n
            RETURNING messages.id
          )
          SELECT n.ord, n.new_id, true FROM numbered n
          UNION ALL
          SELECT i.ord, i.existing, false FROM input i WHERE i.existing IS NOT NULL
        $query$ USING head, p_room, p_username, p_text, p_created_at, p_client_id;
      END IF;
      UPDATE message_log SET last_id = greatest(head, (SELECT coalesce(max(messages.id), 0) FROM messages));
    END
    $$`);
}

export async function down(db: Knex): Promise<void> {
  await db.schema.raw('DROP FUNCTION append_messages');
  await db.schema.raw('DROP TABLE message_log');
  await db.schema.raw('DROP INDEX messages_room_id');
  await db.schema.raw('DROP INDEX messages_client_id_unique');
  await db.schema.raw('ALTER TABLE messages DROP COLUMN client_id');
  await db.schema.raw('ALTER TABLE messages DROP COLUMN room');
  await db.schema.raw('DROP TABLE rooms');
}
