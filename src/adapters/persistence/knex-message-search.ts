import type { Knex } from 'knex';
import type { MessageSearch, SearchQuery } from '../../application/ports.js';
import type { Message } from '../../domain/message.js';
import { rethrowDatabaseFailure } from './database-failure.js';
import { messageColumns, toMessage, type MessageRow } from './message-rows.js';

/** Messages read newest first before the index is asked: a word most messages hold is found among them. */
const NEWEST_SCANNED = 2000;

/**
 * PostgreSQL's full-text search over the messages a user may read, on the
 * GIN index of to_tsvector('simple', text): every term, as a word or the
 * start of one, newest first.
 *
 * The planner cannot tell a rare word from a common one here (it assumes
 * half a percent of the rows for any word it has no statistics of), so it
 * reads the primary key backwards and tests every row: instant for a word in
 * most messages, minutes for a word in none. So the search is done in two
 * steps that are each cheap where the other is not: the newest messages are
 * tested directly, and if they do not fill the page, the rest is found
 * through the index alone (bitmap scans forced), then sorted.
 */
export class KnexMessageSearch implements MessageSearch {
  constructor(private readonly db: Knex) {}

  async search({ username, terms, before, limit }: SearchQuery): Promise<Message[]> {
    // Terms are letters and digits only (domain/search.ts): quoted, nothing in them is an operator.
    const tsquery = terms.map((term) => `'${term}':*`).join(' & ');
    const upTo = before ?? Number.MAX_SAFE_INTEGER;
    try {
      const edge = await this.db('messages')
        .where('id', '<', upTo)
        .orderBy('id', 'desc')
        .offset(NEWEST_SCANNED - 1)
        .first<{ id: string | number } | undefined>('id');
      const newestFrom = edge === undefined ? 0 : Number(edge.id);
      const newest = await this.matching(this.db, { tsquery, username, from: newestFrom, upTo, limit });
      if (newest.length >= limit || newestFrom === 0) return newest.map(toMessage);
      const older = await this.db.transaction(async (trx) => {
        await trx.raw('SET LOCAL enable_indexscan = off');
        await trx.raw('SET LOCAL enable_seqscan = off');
        // Starting parallel workers costs more than the few rows the index hands back.
        await trx.raw('SET LOCAL max_parallel_workers_per_gather = 0');
        return this.matching(trx, { tsquery, username, from: 0, upTo: newestFrom, limit: limit - newest.length });
      });
      return [...newest, ...older].map(toMessage);
    } catch (error) {
      return rethrowDatabaseFailure(error);
    }
  }

  /** Messages with ids in [from, upTo) holding every term, that the user may read, newest first. */
  private async matching(
    db: Knex | Knex.Transaction,
    q: { tsquery: string; username: string; from: number; upTo: number; limit: number },
  ): Promise<MessageRow[]> {
    const rows = await db('messages as m')
      .select(messageColumns(db, 'm'))
      .leftJoin('rooms as r', 'r.name', 'm.room')
      .whereRaw(`to_tsvector('simple', m.text) @@ to_tsquery('simple', ?)`, [q.tsquery])
      // Messages as they are now: an edit's text is found in its message, a deleted one has none.
      .whereNull('m.change')
      .andWhere('m.id', '>=', q.from)
      .andWhere('m.id', '<', q.upTo)
      .where((readable) => {
        // Public rooms (and rooms whose record was pruned, which were public), or the user's own.
        readable
          .whereRaw(`coalesce(r.kind, 'public') = 'public'`)
          .orWhereExists(db('room_members as rm').select(db.raw('1')).whereRaw('rm.room = m.room').andWhere('rm.username', q.username));
      })
      .orderBy('m.id', 'desc')
      .limit(q.limit);
    return rows as MessageRow[];
  }
}
