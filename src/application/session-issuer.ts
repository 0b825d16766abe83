import type { Device, SessionKind } from '../domain/session.js';
import type { User } from '../domain/user.js';
import type { Clock, SecretTokens, SessionPolicy, SessionRepository, TokenService } from './ports.js';

/** What a login, a registration or a refresh answers. */
export interface IssuedSession {
  username: string;
  /** A token session's one token, or a refresh session's access token. */
  token: string;
  expiresAt: Date;
  sessionId: string;
  /** A refresh session's new refresh credential: for the client's cookie, never for its scripts. */
  refresh?: { token: string; expiresAt: Date };
}

/** Opens login sessions and issues their tokens: what logging in and registering share, and refreshing in part. */
export class SessionIssuer {
  constructor(
    private readonly sessions: SessionRepository,
    private readonly tokens: TokenService,
    private readonly secrets: SecretTokens,
    private readonly clock: Clock,
    private readonly policy: SessionPolicy,
  ) {}

  /**
   * A `token` session lives as long as its one token (TOKEN_TTL); a
   * `refresh` session until it goes REFRESH_TTL without a refresh, its
   * access tokens ACCESS_TOKEN_TTL each.
   */
  async open(user: User, device: Device, kind: SessionKind): Promise<IssuedSession> {
    const now = this.clock.now();
    const base = { userId: user.id, kind, createdAt: now, lastSeenAt: now, device };
    if (kind === 'token') {
      const expiresAt = after(now, this.policy.tokenTtlSeconds);
      const session = await this.sessions.create({ ...base, expiresAt });
      return { username: user.username, sessionId: session.id, ...this.tokens.issue({ username: user.username, sessionId: session.id }, expiresAt) };
    }
    const refresh = this.secrets.issue();
    const expiresAt = after(now, this.policy.refreshTtlSeconds);
    const session = await this.sessions.create({ ...base, expiresAt }, refresh.digest);
    return { ...this.access(user.username, session.id, expiresAt), refresh: { token: refresh.token, expiresAt } };
  }

  /** An access token of a refresh session, never outliving the session. */
  access(username: string, sessionId: string, sessionEnds: Date): IssuedSession {
    const expiresAt = new Date(Math.min(after(this.clock.now(), this.policy.accessTtlSeconds).getTime(), sessionEnds.getTime()));
    return { username, sessionId, ...this.tokens.issue({ username, sessionId }, expiresAt) };
  }
}

const after = (now: Date, seconds: number): Date => new Date(now.getTime() + seconds * 1000);
