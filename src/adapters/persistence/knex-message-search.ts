import type { Knex } from 'knex';
import type { MessageSearch, SearchQuery } from '../../application/ports.js';
import type { Message } from '../../domain/message.js';
import { rethrowDatabaseFailure } from './database-failure.js';
import { messageColumns, toMessage, type MessageRow } from './message-rows.js';

/**
 * PostgreSQL's full-text search over the messages a user may read, on the
 * GIN index of to_tsvector('simple', text): every term, as a word or the
 * start of one, newest first. The index finds the candidates; the
 * readability test and the order run on those alone.
 */
export class KnexMessageSearch implements MessageSearch {
  constructor(private readonly db: Knex) {}

  async search({ username, terms, before, limit }: SearchQuery): Promise<Message[]> {
    // Terms are letters and digits only (domain/search.ts): quoted, nothing in them is an operator.
    const query = terms.map((term) => `'${term}':*`).join(' & ');
    const rows = await this.db('messages as m')
      .select(messageColumns(this.db, 'm'))
      .leftJoin('rooms as r', 'r.name', 'm.room')
      .whereRaw(`to_tsvector('simple', m.text) @@ to_tsquery('simple', ?)`, [query])
      .where((readable) => {
        readable
          .whereRaw(`coalesce(r.kind, 'public') = 'public'`)
          .orWhereExists(this.db('room_members as rm').select(this.db.raw('1')).whereRaw('rm.room = m.room').andWhere('rm.username', username));
      })
      .andWhere('m.id', '<', before ?? Number.MAX_SAFE_INTEGER)
      .orderBy('m.id', 'desc')
      .limit(limit)
      .then((found) => found as MessageRow[], rethrowDatabaseFailure);
    return rows.map(toMessage);
  }
}
