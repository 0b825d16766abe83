import type { Knex } from 'knex';
import type { RoomRepository } from '../../application/ports.js';
import { rethrowDatabaseFailure } from './database-failure.js';

/** Past this many, rooms are looked up instead of remembered: creating rooms must not grow memory without end. */
const MAX_KNOWN = 10_000;

/**
 * Rooms are never deleted, so a room seen once is known for good: after the
 * first look, joins and history requests of a known room cost no query.
 */
export class KnexRoomRepository implements RoomRepository {
  private readonly known = new Set<string>();

  constructor(private readonly db: Knex) {}

  async ensure(name: string): Promise<void> {
    if (this.known.has(name)) return;
    await this.db('rooms')
      .insert({ name })
      .onConflict('name')
      .ignore()
      .catch(rethrowDatabaseFailure);
    this.remember(name);
  }

  async exists(name: string): Promise<boolean> {
    if (this.known.has(name)) return true;
    const row = await this.db('rooms')
      .where({ name })
      .first('name')
      .catch(rethrowDatabaseFailure);
    if (row) this.remember(name);
    return row !== undefined;
  }

  /** For when the store changed behind the server's back (a restore, a test emptying tables). */
  forget(): void {
    this.known.clear();
  }

  private remember(name: string): void {
    if (this.known.size < MAX_KNOWN) this.known.add(name);
  }
}
