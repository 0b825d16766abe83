import { DomainError } from '../domain/errors.js';
import { isSessionActive } from '../domain/session.js';
import type { Clock, RefreshCredential, Revocations, SecretTokens, SessionPolicy, SessionRepository, UserRepository } from './ports.js';
import type { IssuedSession, SessionIssuer } from './session-issuer.js';

/**
 * A credential rotated out less than this long ago is taken once more: the
 * answer that carried its successor was lost, or two tabs refreshed at once.
 */
export const REFRESH_GRACE_MS = 10_000;
/** Rotations lost to simultaneous requests before giving up (each loss means another request just succeeded). */
const ATTEMPTS = 3;

const invalid = () => new DomainError('INVALID_REFRESH', 'this refresh credential is not valid; log in again');

/**
 * Renews a refresh session: a new access token, and the refresh credential
 * rotated (the presented one retired, a new one issued, the session's end
 * moved REFRESH_TTL ahead). Credentials of a session form a family: one
 * that was rotated out and comes back later is a copy in someone else's
 * hands, or the owner's after someone else used the copy — either way the
 * session is ended, for both.
 */
export class RefreshSession {
  constructor(
    private readonly sessions: SessionRepository,
    private readonly users: UserRepository,
    private readonly secrets: SecretTokens,
    private readonly issuer: SessionIssuer,
    private readonly revocations: Revocations,
    private readonly clock: Clock,
    private readonly policy: SessionPolicy,
  ) {}

  async execute({ refreshToken }: { refreshToken: string }): Promise<IssuedSession> {
    const digest = this.secrets.digest(refreshToken);
    if (digest === undefined) throw invalid();
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const credential = await this.sessions.findRefresh(digest);
      if (!credential) throw invalid();
      const session = await this.sessions.find(credential.sessionId);
      const user = session && (await this.users.findById(session.userId));
      const now = this.clock.now();
      if (!session || !user || !isSessionActive(session, user, now)) {
        throw new DomainError('SESSION_REVOKED', 'this session has ended; log in again');
      }
      const retire = retiring(credential, now);
      if (retire === undefined) {
        const ended = await this.sessions.end(user.id, [session.id], now, 'refresh_reused');
        this.revocations.publish({ sessionIds: ended, reason: 'refresh_reused' });
        throw new DomainError(
          'REFRESH_REUSED',
          'this refresh credential was already used, so a copy of it may be in other hands: the session is ended; log in again',
        );
      }
      const next = this.secrets.issue();
      const expiresAt = new Date(now.getTime() + this.policy.refreshTtlSeconds * 1000);
      if (await this.sessions.replaceRefresh(retire, next.digest, now, expiresAt)) {
        return { ...this.issuer.access(user.username, session.id, expiresAt), refresh: { token: next.token, expiresAt } };
      }
      // Another request rotated it first: decide again on what that left.
    }
    throw invalid();
  }
}

/** The credential to rotate out for this one, or undefined when presenting it is a reuse. */
function retiring(credential: RefreshCredential, now: Date): string | undefined {
  if (credential.replacedAt === undefined) return credential.digest;
  const recent = now.getTime() - credential.replacedAt.getTime() < REFRESH_GRACE_MS;
  return recent ? credential.current : undefined;
}
