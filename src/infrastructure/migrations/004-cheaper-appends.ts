import type { Knex } from 'knex';
import { APPEND_MESSAGES_V1 } from './003-rooms-and-client-ids.js';

/**
 * Appends cost a sixth of their throughput after migration 003 (the ingest
 * benchmark fell from 39,000 to 6,500 messages/s); measured in PostgreSQL:
 *
 * - PL/pgSQL keeps a generic plan, made while the table was small, for the
 *   check of repeated client ids: it went on hashing the whole table on every
 *   call as the table grew. Planning each call afresh (force_custom_plan) and
 *   looking a client id up only when there is one (the common message has
 *   none) make the check an index probe or nothing.
 * - The foreign key from messages to rooms ran a query per message, as much
 *   as the insert itself. A message can only be posted to a room its sender
 *   joined, and joining creates the room, so the key guarded nothing the
 *   application does not; it goes.
 */
/** The second version of the writers' function; migration 005 replaces it, and puts it back when undone. */
export const APPEND_MESSAGES_V2 = `
    CREATE OR REPLACE FUNCTION append_messages(p_room text[], p_username text[], p_text text[], p_created_at timestamptz[], p_client_id text[])
    RETURNS TABLE (input_ord bigint, message_id bigint, is_new boolean)
    LANGUAGE plpgsql
    SET plan_cache_mode = force_custom_plan
    AS $$
    DECLARE
      head bigint;
    BEGIN
      -- Held until commit: the next writer, on any node, numbers after this one.
      SELECT message_log.last_id INTO head FROM message_log FOR UPDATE;
      RETURN QUERY
        WITH input AS (
          SELECT u.ord, u.room, u.username, u.text, u.created_at, u.client_id,
                 CASE WHEN u.client_id IS NULL THEN NULL
                      ELSE (SELECT m.id FROM messages m WHERE m.username = u.username AND m.client_id = u.client_id)
                 END AS existing
          FROM unnest(p_room, p_username, p_text, p_created_at, p_client_id)
            WITH ORDINALITY AS u(room, username, text, created_at, client_id, ord)
        ), numbered AS (
          SELECT i.*, head + row_number() OVER (ORDER BY i.ord) AS new_id FROM input i WHERE i.existing IS NULL
        ), inserted AS (
          INSERT INTO messages (id, room, username, text, created_at, client_id)
          SELECT n.new_id, n.room, n.username, n.text, n.created_at, n.client_id FROM numbered n
          RETURNING messages.id
        )
        SELECT n.ord, n.new_id, true FROM numbered n
        UNION ALL
        SELECT i.ord, i.existing, false FROM input i WHERE i.existing IS NOT NULL;
      UPDATE message_log SET last_id = greatest(head, (SELECT coalesce(max(messages.id), 0) FROM messages));
    END
    $$`;

export async function up(db: Knex): Promise<void> {
  await db.schema.raw('ALTER TABLE messages DROP CONSTRAINT IF EXISTS messages_room_fkey');
  await db.schema.raw(APPEND_MESSAGES_V2);
}

export async function down(db: Knex): Promise<void> {
  await db.schema.raw('DROP FUNCTION append_messages');
  await db.schema.raw(APPEND_MESSAGES_V1);
  await db.schema.raw('ALTER TABLE messages ADD CONSTRAINT messages_room_fkey FOREIGN KEY (room) REFERENCES rooms (name)');
}
