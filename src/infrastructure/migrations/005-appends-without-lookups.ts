import type { Knex } from 'knex';
import { APPEND_MESSAGES_V2 } from './004-cheaper-appends.js';

/**
 * Most batches carry no client id (clients of the original protocol never
 * send one), yet every call of append_messages was planned afresh for the
 * client-id check it did not need: a fifth of its time. Such batches now take
 * a plain numbered INSERT whose plan is kept; a batch with client ids runs
 * the check through EXECUTE, which plans it for the table as it is now.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.raw('DROP FUNCTION append_messages');
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
  await db.schema.raw(APPEND_MESSAGES_V2.replace('CREATE OR REPLACE FUNCTION', 'CREATE FUNCTION'));
}
