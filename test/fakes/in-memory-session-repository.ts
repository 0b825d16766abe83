import type { RefreshCredential, SessionRepository } from '../../src/application/ports.js';
import { isSessionActive, type EndReason, type LoginSession } from '../../src/domain/session.js';
import type { InMemoryUserRepository } from './in-memory-user-repository.js';

interface StoredCredential {
  digest: string;
  sessionId: string;
  replacedAt?: Date;
}

/** Sessions in maps, ids `s1`, `s2`, ...; whether one is active is isSessionActive over the users given. */
export class InMemorySessionRepository implements SessionRepository {
  readonly sessions = new Map<string, LoginSession>();
  readonly credentials = new Map<string, StoredCredential>();
  /** Every inactiveAmong call's ids: what a node asked the store. */
  readonly asked: string[][] = [];
  private nextId = 1;

  constructor(private readonly users: InMemoryUserRepository) {}

  async create(session: Omit<LoginSession, 'id' | 'endedAt' | 'endReason'>, refreshDigest?: string): Promise<LoginSession> {
    return this.add(session, refreshDigest);
  }

  /** For tests that need a session at once. */
  add(session: Omit<LoginSession, 'id' | 'endedAt' | 'endReason'> & { id?: string }, refreshDigest?: string): LoginSession {
    const stored: LoginSession = { ...session, id: session.id ?? `s${this.nextId++}` };
    this.sessions.set(stored.id, stored);
    if (refreshDigest !== undefined) this.credentials.set(refreshDigest, { digest: refreshDigest, sessionId: stored.id });
    return stored;
  }

  async find(id: string): Promise<LoginSession | undefined> {
    return this.sessions.get(id);
  }

  async listOpen(userId: number, now: Date): Promise<LoginSession[]> {
    return [...this.sessions.values()]
      .filter((session) => session.userId === userId && session.endedAt === undefined && session.expiresAt > now)
      .sort((a, b) => b.lastSeenAt.getTime() - a.lastSeenAt.getTime());
  }

  async touch(id: string, at: Date): Promise<void> {
    const session = this.sessions.get(id);
    if (session) this.sessions.set(id, { ...session, lastSeenAt: at });
  }

  async end(userId: number, ids: readonly string[] | 'all', at: Date, reason: EndReason, except?: string): Promise<string[]> {
    const ended: string[] = [];
    for (const session of this.sessions.values()) {
      if (session.userId !== userId || session.endedAt !== undefined || session.expiresAt <= at || session.id === except) continue;
      if (ids !== 'all' && !ids.includes(session.id)) continue;
      this.sessions.set(session.id, { ...session, endedAt: at, endReason: reason });
      ended.push(session.id);
    }
    return ended;
  }

  async inactiveAmong(ids: readonly string[], now: Date): Promise<Array<{ id: string; reason: EndReason }>> {
    this.asked.push([...ids]);
    return ids.flatMap((id) => {
      const session = this.sessions.get(id);
      const user = session && this.users.byId(session.userId);
      if (session && isSessionActive(session, user, now)) return [];
      const reason = session?.endReason ?? (user?.deletedAt ? 'account_deleted' : user?.suspendedAt ? 'suspended' : 'revoked');
      return [{ id, reason }];
    });
  }

  async findRefresh(digest: string): Promise<RefreshCredential | undefined> {
    const credential = this.credentials.get(digest);
    if (!credential) return undefined;
    const current = [...this.credentials.values()].find((c) => c.sessionId === credential.sessionId && c.replacedAt === undefined);
    return { ...credential, ...(current ? { current: current.digest } : {}) };
  }

  async replaceRefresh(retire: string, next: string, at: Date, expiresAt: Date): Promise<boolean> {
    const credential = this.credentials.get(retire);
    if (!credential || credential.replacedAt !== undefined) return false;
    credential.replacedAt = at;
    this.credentials.set(next, { digest: next, sessionId: credential.sessionId });
    const session = this.sessions.get(credential.sessionId);
    if (session && session.endedAt === undefined) this.sessions.set(session.id, { ...session, expiresAt, lastSeenAt: at });
    return true;
  }

  async prune(before: Date): Promise<number> {
    let pruned = 0;
    for (const session of [...this.sessions.values()]) {
      const over = Math.min(session.expiresAt.getTime(), (session.endedAt ?? session.expiresAt).getTime());
      if (over >= before.getTime()) continue;
      this.sessions.delete(session.id);
      for (const [digest, credential] of this.credentials) if (credential.sessionId === session.id) this.credentials.delete(digest);
      pruned += 1;
    }
    return pruned;
  }
}
