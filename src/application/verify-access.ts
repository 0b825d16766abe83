import { DomainError } from '../domain/errors.js';
import { isSessionActive, type LoginSession } from '../domain/session.js';
import { sameUsername, type User } from '../domain/user.js';
import type { Clock, SessionRepository, TokenService, UserRepository } from './ports.js';

/** Who an account request comes from: the user, and the session its token names. */
export interface Principal {
  readonly user: User;
  readonly session: LoginSession;
}

/** A session's "last seen" is written at most this often by the requests it makes. */
const TOUCH_EVERY_MS = 60_000;

/**
 * The bearer token of an account request: genuine, unexpired, and naming a
 * session that is active now. Read from the store on every request, so a
 * revocation holds at once on every node.
 */
export class VerifyAccess {
  constructor(
    private readonly tokens: TokenService,
    private readonly sessions: SessionRepository,
    private readonly users: UserRepository,
    private readonly clock: Clock,
  ) {}

  async execute({ token }: { token: string }): Promise<Principal> {
    const identity = this.tokens.verify(token);
    const session = await this.sessions.find(identity.sessionId);
    const user = session && (await this.users.findById(session.userId));
    const now = this.clock.now();
    if (!session || !user || !sameUsername(user.username, identity.username) || !isSessionActive(session, user, now)) {
      throw new DomainError('SESSION_REVOKED', "this token's session has ended; log in again");
    }
    if (now.getTime() - session.lastSeenAt.getTime() >= TOUCH_EVERY_MS) await this.sessions.touch(session.id, now);
    return { user, session };
  }
}
