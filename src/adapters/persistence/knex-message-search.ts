import type { Knex } from 'knex';
import type { MessageSearch, SearchQuery } from '../../application/ports.js';
import type { Message } from '../../domain/message.js';
import { rethrowDatabaseFailure } from './database-failure.js';
import { messageColumns, toMessage, type MessageRow } from './message-rows.js';

/** Messages read newest first before the index is asked: a word most messages hold is found among them. */
const NEWEST_SCANNED = 2000;

/**
 * PostgreSQL's full-text search over the messages a user may read: every
 * term, as a word or the start of one, newest first, in a message's text as
 * it is now (an edit's text is found in its message, a deleted one has none).
 *
 * The words are indexed after commit (migration 007, SearchIndexer), so the
 * search is done in two steps that are each cheap where the other is not.
 * First the newest messages, and every message the indexer has not reached,
 * are tested directly: a word most messages hold fills the page there. Then,
 * if the page is not full, the rest is found through the GIN index alone
 * (bitmap scans forced: the planner cannot tell a rare word from a common one
 * and would read the primary key backwards testing every row, minutes for a
 * word in none), each hit tested again against the text as it is now, since
 * an edit's new words reach the index a moment after it commits.
 */
export class KnexMessageSearch implements MessageSearch {
  constructor(
    private readonly db: Knex,
    private readonly newestScanned = NEWEST_SCANNED,
  ) {}

  async search({ username, terms, before, limit }: SearchQuery): Promise<Message[]> {
    // Terms are letters and digits only (domain/search.ts): quoted, nothing in them is an operator.
    const tsquery = terms.map((term) => `'${term}':*`).join(' & ');
    const upTo = before ?? Number.MAX_SAFE_INTEGER;
    try {
      const bounds = await this.db.raw<{ rows: Array<{ indexed: string | number; edge: string | number | null }> }>(
        `SELECT (SELECT indexed_up_to FROM search_log) AS indexed,
                (SELECT id FROM messages WHERE id < ? ORDER BY id DESC OFFSET ? LIMIT 1) AS edge`,
        [upTo, this.newestScanned - 1],
      );
      const { indexed, edge } = bounds.rows[0] ?? { indexed: 0, edge: null };
      const directFrom = Math.min(edge === null ? 0 : Number(edge), Number(indexed) + 1);
      const newest = await this.direct({ tsquery, username, from: directFrom, upTo, limit });
      if (newest.length >= limit || directFrom === 0) return newest.map(toMessage);
      const older = await this.db.transaction(async (trx) => {
        await trx.raw('SET LOCAL enable_indexscan = off');
        await trx.raw('SET LOCAL enable_seqscan = off');
        // Starting parallel workers costs more than the few rows the index hands back.
        await trx.raw('SET LOCAL max_parallel_workers_per_gather = 0');
        return this.indexed(trx, { tsquery, username, upTo: directFrom, limit: limit - newest.length });
      });
      return [...newest, ...older].map(toMessage);
    } catch (error) {
      return rethrowDatabaseFailure(error);
    }
  }

  /** Messages with ids in [from, upTo) whose text holds every term. */
  private async direct(q: { tsquery: string; username: string; from: number; upTo: number; limit: number }): Promise<MessageRow[]> {
    return (await this.readable(this.db, this.db('messages as m'), q.username)
      .whereRaw(`to_tsvector('simple', m.text) @@ to_tsquery('simple', ?)`, [q.tsquery])
      .andWhere('m.id', '>=', q.from)
      .andWhere('m.id', '<', q.upTo)
      .orderBy('m.id', 'desc')
      .limit(q.limit)) as MessageRow[];
  }

  /** Messages with ids below upTo that the index says hold every term, and whose text still does. */
  private async indexed(db: Knex.Transaction, q: { tsquery: string; username: string; upTo: number; limit: number }): Promise<MessageRow[]> {
    return (await this.readable(db, db('message_search as s').join('messages as m', 'm.id', 's.id'), q.username)
      .whereRaw(`s.words @@ to_tsquery('simple', ?)`, [q.tsquery])
      .whereRaw(`to_tsvector('simple', m.text) @@ to_tsquery('simple', ?)`, [q.tsquery])
      .andWhere('s.id', '<', q.upTo)
      .orderBy('s.id', 'desc')
      .limit(q.limit)) as MessageRow[];
  }

  /** Chat messages (not changes) of the rooms the user may read, from a query naming messages `m`. */
  private readable(db: Knex | Knex.Transaction, from: Knex.QueryBuilder, username: string): Knex.QueryBuilder {
    return from
      .select(messageColumns(db, 'm'))
      .leftJoin('rooms as r', 'r.name', 'm.room')
      .whereNull('m.change')
      .where((readable) => {
        // Public rooms (and rooms whose record was pruned, which were public), or the user's own.
        readable
          .whereRaw(`coalesce(r.kind, 'public') = 'public'`)
          .orWhereExists(db('room_members as rm').select(db.raw('1')).whereRaw('rm.room = m.room').andWhere('rm.username', username));
      });
  }
}
