import type { Knex } from 'knex';

/**
 * Edits and deletions, stored as rows of messages with ids of their own (so
 * a resuming client learns them from its cursor), applied to the message
 * they change in the same statement that numbers them. A deletion empties
 * the text of the message and of every edit of it: deleted text is gone.
 *
 * append_messages gains two arrays (the change and its target); the fast
 * path of a batch without client ids is the same plain numbered INSERT, and
 * the five-array form calls it without changes.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.raw(`ALTER TABLE messages ADD COLUMN change text CHECK (change IN ('edit', 'delete'))`);
  await db.schema.raw(`ALTER TABLE messages ADD COLUMN target_id bigint`);
  await db.schema.raw(`ALTER TABLE messages ADD COLUMN edited_at timestamptz`);
  await db.schema.raw(`ALTER TABLE messages ADD COLUMN deleted_at timestamptz`);
  // Finds a message's edits when it is deleted.
  await db.schema.raw(`CREATE INDEX messages_target ON messages (target_id) WHERE target_id IS NOT NULL`);
  await db.schema.raw(`DROP FUNCTION append_messages(text[], text[], text[], timestamptz[], text[])`);
  await db.schema.raw(`
    CREATE FUNCTION append_messages(
      p_room text[], p_username text[], p_text text[], p_created_at timestamptz[], p_client_id text[], p_change text[], p_target bigint[]
    )
    RETURNS TABLE (input_ord bigint, message_id bigint, is_new boolean)
    LANGUAGE plpgsql AS $$
    DECLARE
      head bigint;
    BEGIN
      -- Held until commit: the next writer, on any node, numbers after this one.
      SELECT message_log.last_id INTO head FROM message_log FOR UPDATE;
      IF cardinality(array_remove(p_client_id, NULL)) = 0 THEN
        RETURN QUERY
          INSERT INTO messages (id, room, username, text, created_at, change, target_id)
          SELECT head + u.ord, u.room, u.username, u.text, u.created_at, u.change, u.target
          FROM unnest(p_room, p_username, p_text, p_created_at, p_change, p_target)
            WITH ORDINALITY AS u(room, username, text, created_at, change, target, ord)
          RETURNING messages.id - head, messages.id, true;
      ELSE
        RETURN QUERY EXECUTE $query$
          WITH input AS (
            SELECT u.ord, u.room, u.username, u.text, u.created_at, u.client_id, u.change, u.target,
                   CASE WHEN u.client_id IS NULL THEN NULL
                        ELSE (SELECT m.id FROM messages m WHERE m.username = u.username AND m.client_id = u.client_id)
                   END AS existing
            FROM unnest($2, $3, $4, $5, $6, $7, $8) WITH ORDINALITY AS u(room, username, text, created_at, client_id, change, target, ord)
          ), numbered AS (
            SELECT i.*, $1 + row_number() OVER (ORDER BY i.ord) AS new_id FROM input i WHERE i.existing IS NULL
          ), inserted AS (
            INSERT INTO messages (id, room, username, text, created_at, client_id, change, target_id)
            SELECT n.new_id, n.room, n.username, n.text, n.created_at, n.client_id, n.change, n.target FROM numbered n
            RETURNING messages.id
          )
          SELECT n.ord, n.new_id, true FROM numbered n
          UNION ALL
          SELECT i.ord, i.existing, false FROM input i WHERE i.existing IS NOT NULL
        $query$ USING head, p_room, p_username, p_text, p_created_at, p_client_id, p_change, p_target;
      END IF;
      -- Changes apply to their message, in id order within the batch, unless it is deleted already.
      IF cardinality(array_remove(p_change, NULL)) > 0 THEN
        UPDATE messages m SET text = c.text, edited_at = c.created_at
          FROM (SELECT DISTINCT ON (target_id) target_id, text, created_at FROM messages
                WHERE id > head AND change = 'edit' ORDER BY target_id, id DESC) c
          WHERE m.id = c.target_id AND m.change IS NULL AND m.deleted_at IS NULL;
        UPDATE messages m SET text = '', deleted_at = c.created_at
          FROM messages c
          WHERE c.id > head AND c.change = 'delete' AND m.id = c.target_id AND m.change IS NULL AND m.deleted_at IS NULL;
        -- Whatever the order in which they came, no edit of a deleted message keeps its text.
        UPDATE messages e SET text = ''
          FROM messages d
          WHERE e.change = 'edit' AND e.text <> '' AND d.id = e.target_id AND d.deleted_at IS NOT NULL
            AND e.target_id IN (SELECT target_id FROM messages WHERE id > head AND change IS NOT NULL);
      END IF;
      UPDATE message_log SET last_id = greatest(head, (SELECT coalesce(max(messages.id), 0) FROM messages));
    END
    $$`);
  // The five-array form stays, for what stores plain messages (tests, tools, scripts written against it).
  await db.schema.raw(`
    CREATE FUNCTION append_messages(p_room text[], p_username text[], p_text text[], p_created_at timestamptz[], p_client_id text[])
    RETURNS TABLE (input_ord bigint, message_id bigint, is_new boolean)
    LANGUAGE sql AS $$
      SELECT * FROM append_messages(p_room, p_username, p_text, p_created_at, p_client_id, NULL::text[], NULL::bigint[])
    $$`);
}

export async function down(): Promise<void> {
  throw new Error('006-edits-and-deletions cannot be undone: deleted text is gone');
}
