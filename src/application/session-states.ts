import type { EndReason } from '../domain/session.js';
import type { Clock, Revocation, Revocations, SessionRepository } from './ports.js';

export type SessionState = 'active' | 'ended';

/** How often, at most, a session's "last seen" is written for the connections it authorizes. */
const TOUCH_EVERY_MS = 60_000;

interface Known {
  /** Forgotten after this (ms): the latest token seen for it expires then, and no other can be verified. */
  until: number;
  /** When its "last seen" was last written from here (ms). */
  touchedAt: number;
}

/**
 * Which login sessions are active, as this node knows: the view that `auth`
 * reads synchronously, so that a connection's frames keep their order. The
 * store is the source of truth: a session not known here is read from it
 * (once, however many connections ask at the same time). Revocations from
 * every node keep the view current as they happen; `recheck`, run every
 * SESSION_CHECK_INTERVAL, reads the state of every session known active
 * here again, which bounds how long a revocation that was lost on the way
 * (Redis down) goes unheard.
 *
 * Only sessions whose tokens were seen here are remembered, each until the
 * latest of those tokens expires, so memory follows the connections.
 */
export class SessionStates {
  private readonly active = new Map<string, Known>();
  /** Ended sessions, until their last token seen here expires: a token of one is refused without a query. */
  private readonly ended = new Map<string, number>();
  private readonly loading = new Map<string, Promise<SessionState>>();
  private readonly listeners = new Set<(ended: ReadonlySet<string>, revocation: Revocation) => void>();

  constructor(
    private readonly sessions: SessionRepository,
    revocations: Revocations,
    private readonly clock: Clock,
  ) {
    revocations.subscribe(
      (revocation) => this.revoked(revocation),
      () => void this.recheck().catch(() => undefined),
    );
  }

  /** What this node knows of the session now; undefined when only the store can tell. */
  state(sessionId: string): SessionState | undefined {
    if (this.ended.has(sessionId)) return 'ended';
    return this.active.has(sessionId) ? 'active' : undefined;
  }

  /** Reads the session's state from the store, remembering it until `until` (the token's expiry). */
  load(sessionId: string, until: Date): Promise<SessionState> {
    let loading = this.loading.get(sessionId);
    if (!loading) {
      loading = this.sessions.inactiveAmong([sessionId], this.clock.now()).then(
        (inactive): SessionState => {
          this.loading.delete(sessionId);
          // A revocation heard while the store was read wins over what was read before it.
          if (inactive.length > 0 || this.ended.has(sessionId)) {
            this.ended.set(sessionId, Math.max(until.getTime(), this.ended.get(sessionId) ?? 0));
            return 'ended';
          }
          // Never touched from here: the first connection it authorizes writes its "last seen".
          this.active.set(sessionId, { until: until.getTime(), touchedAt: Number.NEGATIVE_INFINITY });
          return 'active';
        },
        (error: unknown) => {
          this.loading.delete(sessionId);
          throw error;
        },
      );
      this.loading.set(sessionId, loading);
    }
    return loading;
  }

  /**
   * A token of this active session authorized a connection: remembered at
   * least until the token expires, and its "last seen" written now and then
   * (a failure to write it is not the connection's concern).
   */
  used(sessionId: string, until: Date): void {
    const known = this.active.get(sessionId);
    if (!known) return;
    known.until = Math.max(known.until, until.getTime());
    const now = this.clock.now();
    if (now.getTime() - known.touchedAt < TOUCH_EVERY_MS) return;
    known.touchedAt = now.getTime();
    this.sessions.touch(sessionId, now).catch(() => undefined);
  }

  /** Hears every session that ends while known here (ChatSessions unauthorizes its connections). Returns the unsubscribe. */
  subscribe(listener: (ended: ReadonlySet<string>, revocation: Revocation) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Asks the store about every session known active here, and ends those it
   * says are not; forgets what is past its time. Rejects when the store
   * cannot be reached (the next run tries again).
   */
  async recheck(): Promise<void> {
    const now = this.clock.now().getTime();
    for (const [id, known] of this.active) if (known.until <= now) this.active.delete(id);
    for (const [id, until] of this.ended) if (until <= now) this.ended.delete(id);
    if (this.active.size === 0) return;
    const inactive = await this.sessions.inactiveAmong([...this.active.keys()], this.clock.now());
    const byReason = new Map<EndReason, string[]>();
    for (const { id, reason } of inactive) byReason.set(reason, [...(byReason.get(reason) ?? []), id]);
    for (const [reason, sessionIds] of byReason) this.revoked({ sessionIds, reason });
  }

  /** How many sessions are remembered, active or ended: for tests that it stays bounded. */
  get size(): number {
    return this.active.size + this.ended.size;
  }

  private revoked(revocation: Revocation): void {
    const ended = new Set<string>();
    for (const id of revocation.sessionIds) {
      const known = this.active.get(id);
      if (!known && !this.loading.has(id)) continue;
      this.active.delete(id);
      // A session being loaded has no token expiry known yet: load() sets it.
      this.ended.set(id, known?.until ?? this.clock.now().getTime() + TOUCH_EVERY_MS);
      ended.add(id);
    }
    if (ended.size === 0) return;
    for (const listener of this.listeners) listener(ended, revocation);
  }
}
