import type { Knex } from 'knex';

/**
 * The search index leaves the commit path. The GIN index on messages was
 * updated by every append while it held the message_log lock, so every
 * writer on every node waited for it: PostgreSQL's CPU per stored message
 * doubled, and now and then one INSERT merged the index's 4 MB pending list.
 *
 * Now the words of each message are kept in message_search, filled after
 * commit, in batches, by index_messages(), which every node calls; a search
 * reads messages above search_log's watermark directly (they are the newest)
 * and the index below it. Ids commit in order (message_log's lock), so
 * everything up to the highest committed id is there to index.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.raw('DROP INDEX messages_search');
  await db.schema.raw(`CREATE TABLE message_search (id bigint PRIMARY KEY, words tsvector NOT NULL)`);
  await db.schema.raw(`CREATE TABLE search_log (only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row), indexed_up_to bigint NOT NULL)`);
  // 'simple': no language's stemming, so any language is found as written; prefix queries find word forms.
  // Without positions (strip): a search asks for words, never phrases, and the rows are a sixth smaller.
  await db.schema.raw(`INSERT INTO message_search (id, words) SELECT id, strip(to_tsvector('simple', text)) FROM messages WHERE change IS NULL`);
  await db.schema.raw(`INSERT INTO search_log (indexed_up_to) SELECT coalesce(max(id), 0) FROM messages`);
  // Built after the bulk insert: one sort instead of a row at a time.
  await db.schema.raw(`CREATE INDEX message_search_words ON message_search USING gin (words)`);
  await db.schema.raw(`
    CREATE FUNCTION index_messages(p_batch integer) RETURNS bigint
    LANGUAGE plpgsql AS $$
    DECLARE
      done bigint;
      up_to bigint;
    BEGIN
      -- Nothing new: answered without a lock, so that idle nodes asking often cost nothing.
      SELECT indexed_up_to INTO done FROM search_log;
      IF NOT EXISTS (SELECT 1 FROM messages WHERE id > done) THEN RETURN 0; END IF;
      -- One indexer at a time, whichever node: the others find the row taken and leave it.
      SELECT indexed_up_to INTO done FROM search_log FOR UPDATE SKIP LOCKED;
      IF NOT FOUND THEN RETURN 0; END IF;
      SELECT max(id) INTO up_to FROM (SELECT id FROM messages WHERE id > done ORDER BY id LIMIT p_batch) batch;
      IF up_to IS NULL THEN RETURN 0; END IF;
      INSERT INTO message_search (id, words)
        SELECT id, strip(to_tsvector('simple', text)) FROM messages WHERE id > done AND id <= up_to AND change IS NULL
        ON CONFLICT (id) DO UPDATE SET words = excluded.words;
      -- An edit or a deletion changed its message's text in the commit that stored it: its words are read again.
      INSERT INTO message_search (id, words)
        SELECT m.id, strip(to_tsvector('simple', m.text)) FROM messages m
        WHERE m.id IN (SELECT target_id FROM messages WHERE id > done AND id <= up_to AND target_id IS NOT NULL)
        ON CONFLICT (id) DO UPDATE SET words = excluded.words;
      UPDATE search_log SET indexed_up_to = up_to;
      RETURN up_to - done;
    END
    $$`);
}

export async function down(db: Knex): Promise<void> {
  await db.schema.raw('DROP FUNCTION index_messages(integer)');
  await db.schema.raw('DROP TABLE search_log');
  await db.schema.raw('DROP TABLE message_search');
  await db.schema.raw(`CREATE INDEX messages_search ON messages USING gin (to_tsvector('simple', text))`);
}
