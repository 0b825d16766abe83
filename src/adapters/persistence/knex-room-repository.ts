import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { RoomRepository } from '../../application/ports.js';
import { DEFAULT_ROOM, DIRECT_PREFIX, PRIVATE_PREFIX, type RoomKind } from '../../domain/room.js';
import { rethrowDatabaseFailure } from './database-failure.js';

/** Past this many, rooms are looked up instead of remembered: creating rooms must not grow memory without end. */
const MAX_KNOWN = 10_000;
const UNIQUE_VIOLATION = '23505';
/** 16 characters of a-z0-9 (80 bits): a private room's name cannot be guessed. */
const NAME_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

const serverName = (prefix: string): string => prefix + [...randomBytes(16)].map((byte) => NAME_ALPHABET[byte % 36]).join('');

/**
 * A room's kind never changes, a room that holds a message is never
 * deleted, and one removed unused comes back when joined, so a room seen
 * once may be remembered: after the first look, joins and history requests
 * of a known room cost no query.
 */
export class KnexRoomRepository implements RoomRepository {
  private readonly known = new Map<string, RoomKind>();

  constructor(private readonly db: Knex) {}

  async ensure(name: string): Promise<void> {
    if (this.known.has(name)) return;
    await this.db('rooms').insert({ name }).onConflict('name').ignore().catch(rethrowDatabaseFailure);
    // Another kind under this name (never: public names are refused the server's prefixes) would be read below.
    await this.kindOf(name);
  }

  async exists(name: string): Promise<boolean> {
    if (this.known.has(name)) return true;
    // A room pruned while someone was still in it, who then posted, exists through its messages.
    const { rows } = await this.db
      .raw<{ rows: Array<{ kind: RoomKind | null; used: boolean }> }>(
        'SELECT (SELECT kind FROM rooms WHERE name = ?) AS kind, EXISTS (SELECT 1 FROM messages WHERE room = ?) AS used',
        [name, name],
      )
      .catch(rethrowDatabaseFailure);
    const row = rows[0];
    if (row?.kind) this.remember(name, row.kind);
    else if (row?.used) this.remember(name, 'public');
    return Boolean(row?.kind ?? row?.used);
  }

  async kindOf(name: string): Promise<RoomKind | undefined> {
    const known = this.known.get(name);
    if (known) return known;
    const row = await this.db('rooms').where({ name }).first<{ kind: RoomKind } | undefined>('kind').catch(rethrowDatabaseFailure);
    if (row) this.remember(name, row.kind);
    return row?.kind;
  }

  async removeUnused(createdBefore: Date): Promise<number> {
    const removed = await this.db('rooms')
      .where('created_at', '<', createdBefore)
      .where({ kind: 'public' })
      .whereNot({ name: DEFAULT_ROOM })
      .whereNotExists(this.db('messages').select(this.db.raw('1')).whereRaw('messages.room = rooms.name'))
      .delete()
      .catch(rethrowDatabaseFailure);
    if (removed > 0) this.known.clear();
    return removed;
  }

  async createPrivate(title: string, owner: string): Promise<string> {
    const name = serverName(PRIVATE_PREFIX);
    await this.db
      .transaction(async (trx) => {
        await trx('rooms').insert({ name, kind: 'private', title });
        await trx('room_members').insert({ room: name, username: owner, role: 'owner' });
      })
      .catch(rethrowDatabaseFailure);
    this.remember(name, 'private');
    return name;
  }

  async openDirect(a: string, b: string): Promise<{ room: string; created: boolean }> {
    const [first, second] = [a, b].sort((x, y) => (x.toLowerCase() < y.toLowerCase() ? -1 : 1)) as [string, string];
    const pair = { user_a: first.toLowerCase(), user_b: second.toLowerCase() };
    const existing = await this.db<{ room: string }>('direct_rooms').where(pair).first('room').catch(rethrowDatabaseFailure);
    if (existing) return { room: existing.room, created: false };
    const name = serverName(DIRECT_PREFIX);
    try {
      await this.db.transaction(async (trx) => {
        await trx('rooms').insert({ name, kind: 'direct' });
        await trx('direct_rooms').insert({ ...pair, room: name });
        await trx('room_members').insert([
          { room: name, username: first, role: 'member' },
          { room: name, username: second, role: 'member' },
        ]);
      });
    } catch (error) {
      // The other user opened it at the same moment: theirs is the one.
      if ((error as { code?: unknown }).code !== UNIQUE_VIOLATION) rethrowDatabaseFailure(error);
      return this.openDirect(a, b);
    }
    this.remember(name, 'direct');
    return { room: name, created: true };
  }

  /** For when the store changed behind the server's back (a restore, a test emptying tables). */
  forget(): void {
    this.known.clear();
  }

  private remember(name: string, kind: RoomKind): void {
    if (this.known.size < MAX_KNOWN) this.known.set(name, kind);
  }
}
