import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { RefreshCredential, SessionRepository } from '../../application/ports.js';
import type { EndReason, LoginSession, SessionKind } from '../../domain/session.js';
import { rethrowDatabaseFailure } from './database-failure.js';

interface SessionRow {
  id: string;
  user_id: number | string;
  kind: SessionKind;
  created_at: Date | string;
  last_seen_at: Date | string;
  expires_at: Date | string;
  ended_at: Date | string | null;
  end_reason: EndReason | null;
  user_agent: string;
  address: string;
}

/** A "last seen" is written when the stored one is older than this, so a busy session costs no write per request. */
const TOUCH_AFTER_MS = 60_000;

const toSession = (row: SessionRow): LoginSession => ({
  id: row.id,
  userId: Number(row.user_id),
  kind: row.kind,
  createdAt: new Date(row.created_at),
  lastSeenAt: new Date(row.last_seen_at),
  expiresAt: new Date(row.expires_at),
  ...(row.ended_at === null ? {} : { endedAt: new Date(row.ended_at) }),
  ...(row.end_reason === null ? {} : { endReason: row.end_reason }),
  device: { userAgent: row.user_agent, address: row.address },
});

/** 128 random bits: an id cannot be guessed, and says nothing of how many sessions exist. */
const newSessionId = (): string => randomBytes(16).toString('base64url');

export class KnexSessionRepository implements SessionRepository {
  constructor(private readonly db: Knex) {}

  async create(session: Omit<LoginSession, 'id' | 'endedAt' | 'endReason'>, refreshDigest?: string): Promise<LoginSession> {
    const row = {
      id: newSessionId(),
      user_id: session.userId,
      kind: session.kind,
      created_at: session.createdAt,
      last_seen_at: session.lastSeenAt,
      expires_at: session.expiresAt,
      user_agent: session.device.userAgent,
      address: session.device.address,
    };
    await this.db
      .transaction(async (trx) => {
        await trx('sessions').insert(row);
        if (refreshDigest !== undefined) {
          await trx('refresh_credentials').insert({ digest: refreshDigest, session_id: row.id, created_at: session.createdAt });
        }
      })
      .catch(rethrowDatabaseFailure);
    return { ...session, id: row.id };
  }

  async find(id: string): Promise<LoginSession | undefined> {
    const row = await this.db<SessionRow>('sessions').where({ id }).first().catch(rethrowDatabaseFailure);
    return row && toSession(row);
  }

  async listOpen(userId: number, now: Date): Promise<LoginSession[]> {
    const rows: SessionRow[] = await this.db<SessionRow>('sessions')
      .where({ user_id: userId })
      .whereNull('ended_at')
      .where('expires_at', '>', now)
      .orderBy([
        { column: 'last_seen_at', order: 'desc' },
        { column: 'created_at', order: 'desc' },
      ])
      .catch(rethrowDatabaseFailure);
    return rows.map(toSession);
  }

  async touch(id: string, at: Date): Promise<void> {
    await this.db('sessions')
      .where({ id })
      .where('last_seen_at', '<', new Date(at.getTime() - TOUCH_AFTER_MS))
      .update({ last_seen_at: at })
      .catch(rethrowDatabaseFailure);
  }

  async end(userId: number, ids: readonly string[] | 'all', at: Date, reason: EndReason, except?: string): Promise<string[]> {
    if (ids !== 'all' && ids.length === 0) return [];
    let query = this.db<SessionRow>('sessions').where({ user_id: userId }).whereNull('ended_at').where('expires_at', '>', at);
    if (ids !== 'all') query = query.whereIn('id', [...ids]);
    if (except !== undefined) query = query.whereNot({ id: except });
    const rows: Array<{ id: string }> = await query.update({ ended_at: at, end_reason: reason }).returning('id').catch(rethrowDatabaseFailure);
    return rows.map(({ id }) => id);
  }

  async inactiveAmong(ids: readonly string[], now: Date): Promise<Array<{ id: string; reason: EndReason }>> {
    if (ids.length === 0) return [];
    // isSessionActive, for many sessions in one statement: an id with no row is inactive too.
    const { rows } = await this.db
      .raw<{ rows: Array<{ id: string; end_reason: EndReason | null; suspended: boolean; deleted: boolean }> }>(
        `SELECT asked.id, s.end_reason, u.suspended_at IS NOT NULL AS suspended, u.deleted_at IS NOT NULL AS deleted
         FROM unnest(?::text[]) AS asked(id)
         LEFT JOIN sessions s ON s.id = asked.id
         LEFT JOIN users u ON u.id = s.user_id
         WHERE s.id IS NULL OR s.ended_at IS NOT NULL OR s.expires_at <= ? OR u.suspended_at IS NOT NULL OR u.deleted_at IS NOT NULL`,
        [[...ids], now],
      )
      .catch(rethrowDatabaseFailure);
    return rows.map((row) => ({
      id: row.id,
      reason: row.end_reason ?? (row.deleted ? 'account_deleted' : row.suspended ? 'suspended' : 'revoked'),
    }));
  }

  async findRefresh(digest: string): Promise<RefreshCredential | undefined> {
    const { rows } = await this.db
      .raw<{ rows: Array<{ digest: string; session_id: string; replaced_at: Date | string | null; current: string | null }> }>(
        `SELECT r.digest, r.session_id, r.replaced_at, c.digest AS current
         FROM refresh_credentials r
         LEFT JOIN refresh_credentials c ON c.session_id = r.session_id AND c.replaced_at IS NULL
         WHERE r.digest = ?`,
        [digest],
      )
      .catch(rethrowDatabaseFailure);
    const row = rows[0];
    if (!row) return undefined;
    return {
      digest: row.digest,
      sessionId: row.session_id,
      ...(row.replaced_at === null ? {} : { replacedAt: new Date(row.replaced_at) }),
      ...(row.current === null ? {} : { current: row.current }),
    };
  }

  async replaceRefresh(retire: string, next: string, at: Date, expiresAt: Date): Promise<boolean> {
    return this.db
      .transaction(async (trx) => {
        // The row lock makes a second rotation of the same credential wait, then find it rotated.
        const retired: Array<{ session_id: string }> = await trx('refresh_credentials')
          .where({ digest: retire })
          .whereNull('replaced_at')
          .update({ replaced_at: at })
          .returning('session_id');
        const sessionId = retired[0]?.session_id;
        if (sessionId === undefined) return false;
        await trx('refresh_credentials').insert({ digest: next, session_id: sessionId, created_at: at });
        await trx('sessions').where({ id: sessionId }).whereNull('ended_at').update({ expires_at: expiresAt, last_seen_at: at });
        return true;
      })
      .catch(rethrowDatabaseFailure);
  }

  async prune(before: Date): Promise<number> {
    // Counted from RETURNING: PGlite's driver does not report a DELETE's row count.
    const removed: Array<{ id: string }> = await this.db<SessionRow>('sessions')
      .whereRaw('least(expires_at, coalesce(ended_at, expires_at)) < ?', [before])
      .delete()
      .returning('id')
      .catch(rethrowDatabaseFailure);
    return removed.length;
  }
}
