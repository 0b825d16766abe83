import type { Knex } from 'knex';
import type { RoomRepository } from '../../application/ports.js';
import { DEFAULT_ROOM } from '../../domain/room.js';
import { rethrowDatabaseFailure } from './database-failure.js';

/** Past this many, rooms are looked up instead of remembered: creating rooms must not grow memory without end. */
const MAX_KNOWN = 10_000;

/**
 * A room that holds a message is never deleted, and one removed unused comes
 * back when joined, so a room seen once may be remembered: after the first
 * look, joins and history requests of a known room cost no query.
 */
export class KnexRoomRepository implements RoomRepository {
  private readonly known = new Set<string>();

  constructor(private readonly db: Knex) {}

  async ensure(name: string): Promise<void> {
    if (this.known.has(name)) return;
    await this.db('rooms').insert({ name }).onConflict('name').ignore().catch(rethrowDatabaseFailure);
    this.remember(name);
  }

  async exists(name: string): Promise<boolean> {
    if (this.known.has(name)) return true;
    // A room pruned while someone was still in it, who then posted, exists through its messages.
    const { rows } = await this.db
      .raw<{ rows: Array<{ found: boolean }> }>(
        'SELECT EXISTS (SELECT 1 FROM rooms WHERE name = ?) OR EXISTS (SELECT 1 FROM messages WHERE room = ?) AS found',
        [name, name],
      )
      .catch(rethrowDatabaseFailure);
    const found = rows[0]?.found === true;
    if (found) this.remember(name);
    return found;
  }

  async removeUnused(createdBefore: Date): Promise<number> {
    const removed = await this.db('rooms')
      .where('created_at', '<', createdBefore)
      .whereNot({ name: DEFAULT_ROOM })
      .whereNotExists(this.db('messages').select(this.db.raw('1')).whereRaw('messages.room = rooms.name'))
      .delete()
      .catch(rethrowDatabaseFailure);
    if (removed > 0) this.known.clear();
    return removed;
  }

  /** For when the store changed behind the server's back (a restore, a test emptying tables). */
  forget(): void {
    this.known.clear();
  }

  private remember(name: string): void {
    if (this.known.size < MAX_KNOWN) this.known.add(name);
  }
}
