import type { Knex } from 'knex';
import type { MembershipRepository, RoomMember } from '../../application/ports.js';
import { DEFAULT_ROOM, UNREAD_COUNT_MAX, type Conversation, type MemberRole, type RoomKind } from '../../domain/room.js';
import { rethrowDatabaseFailure } from './database-failure.js';

interface ConversationRow {
  room: string;
  kind: RoomKind;
  title: string | null;
  role: MemberRole | null;
  read_up_to: number | string | null;
  last_id: number | string | null;
  unread: number | string;
  other: string | null;
}

/**
 * Who belongs to which room, in which role, read up to where: the
 * room_members table. Counts use the (room, id) index, and stop at
 * UNREAD_COUNT_MAX, so a list costs the same however much is unread.
 */
export class KnexMembershipRepository implements MembershipRepository {
  constructor(private readonly db: Knex) {}

  async roleOf(room: string, username: string): Promise<MemberRole | undefined> {
    const row = await this.db('room_members').where({ room, username }).first<{ role: MemberRole } | undefined>('role').catch(rethrowDatabaseFailure);
    return row?.role;
  }

  async members(room: string): Promise<RoomMember[]> {
    return this.db<RoomMember & { room: string; joined_at: Date }>('room_members')
      .where({ room })
      .orderBy([{ column: 'joined_at' }, { column: 'username' }])
      .select('username', 'role')
      .catch(rethrowDatabaseFailure);
  }

  async add(room: string, username: string, role: MemberRole): Promise<boolean> {
    const inserted = await this.db('room_members')
      .insert({ room, username, role })
      .onConflict(['room', 'username'])
      .ignore()
      .returning('username')
      .catch(rethrowDatabaseFailure);
    return inserted.length > 0;
  }

  async remove(room: string, username: string): Promise<boolean> {
    return this.db
      .transaction(async (trx) => {
        const removed = await trx('room_members').where({ room, username }).delete();
        if (removed === 0) return false;
        // A private room keeps an owner while it has members: the earliest to join becomes one.
        const owner = await trx('room_members').where({ room, role: 'owner' }).first<{ username: string } | undefined>('username');
        if (!owner) {
          const heir = trx('room_members')
            .where({ room })
            .orderBy([{ column: 'joined_at' }, { column: 'username' }])
            .first('username');
          await trx('room_members')
            .where({ room })
            .whereIn('username', heir)
            .whereExists(trx('rooms').select(trx.raw('1')).where({ name: room, kind: 'private' }))
            .update({ role: 'owner' });
        }
        return true;
      })
      .catch(rethrowDatabaseFailure);
  }

  async setRole(room: string, username: string, role: MemberRole): Promise<void> {
    await this.db('room_members').where({ room, username }).update({ role }).catch(rethrowDatabaseFailure);
  }

  async markRead(username: string, room: string, id: number): Promise<number> {
    // general has no member rows until someone marks it read; any readable public room likewise.
    const { rows } = await this.db
      .raw<{ rows: Array<{ read_up_to: number | string }> }>(
        `INSERT INTO room_members (room, username, role, read_up_to) VALUES (?, ?, 'member', ?)
         ON CONFLICT (room, username) DO UPDATE SET read_up_to = greatest(room_members.read_up_to, excluded.read_up_to)
         RETURNING read_up_to`,
        [room, username, id],
      )
      .catch(rethrowDatabaseFailure);
    return Number(rows[0]?.read_up_to ?? id);
  }

  async conversations(username: string): Promise<Conversation[]> {
    const { rows } = await this.db
      .raw<{ rows: ConversationRow[] }>(
        `WITH mine AS (
           SELECT room, role, read_up_to FROM room_members WHERE username = ?
           UNION ALL
           SELECT ?, NULL, 0 WHERE NOT EXISTS (SELECT 1 FROM room_members WHERE username = ? AND room = ?)
         )
         SELECT r.name AS room, r.kind, r.title, mine.role, mine.read_up_to,
           (SELECT max(m.id) FROM messages m WHERE m.room = r.name AND m.change IS NULL) AS last_id,
           (SELECT count(*) FROM (SELECT 1 FROM messages m WHERE m.room = r.name AND m.id > mine.read_up_to AND m.username <> ?
                                  AND m.change IS NULL AND m.deleted_at IS NULL LIMIT ${UNREAD_COUNT_MAX}) AS u) AS unread,
           (SELECT o.username FROM room_members o WHERE r.kind = 'direct' AND o.room = r.name AND o.username <> ? LIMIT 1) AS other
         FROM mine JOIN rooms r ON r.name = mine.room
         ORDER BY last_id DESC NULLS LAST, r.name`,
        [username, DEFAULT_ROOM, username, DEFAULT_ROOM, username, username],
      )
      .catch(rethrowDatabaseFailure);
    return rows.map(toConversation);
  }

  async directsOf(username: string, limit: number): Promise<string[]> {
    const { rows } = await this.db
      .raw<{ rows: Array<{ room: string }> }>(
        `SELECT rm.room FROM room_members rm JOIN rooms r ON r.name = rm.room AND r.kind = 'direct'
         WHERE rm.username = ?
         ORDER BY (SELECT max(m.id) FROM messages m WHERE m.room = rm.room) DESC NULLS LAST
         LIMIT ?`,
        [username, limit],
      )
      .catch(rethrowDatabaseFailure);
    return rows.map(({ room }) => room);
  }
}

function toConversation(row: ConversationRow): Conversation {
  return {
    room: row.room,
    kind: row.kind,
    ...(row.kind === 'private' && row.title !== null ? { title: row.title } : {}),
    ...(row.kind === 'private' && row.role !== null ? { role: row.role } : {}),
    ...(row.kind === 'direct' && row.other !== null ? { with: row.other } : {}),
    lastId: Number(row.last_id ?? 0),
    readUpTo: Number(row.read_up_to ?? 0),
    unread: Number(row.unread),
  };
}
