import { DomainError } from '../domain/errors.js';
import { sameUsername, type Identity } from '../domain/user.js';
import type { TokenService } from './ports.js';
import type { SessionState, SessionStates } from './session-states.js';

export interface AuthenticateInput {
  token: string;
  /** The name the frame claims; it must be the token's. */
  username: string;
}

/**
 * Synchronous whenever it can be: a connection's frames are handled in
 * arrival order, and a message sent right after `auth` must see the
 * connection authorized. The token is checked at once; its session's state
 * is known at once when this node has seen the session before (a reconnect,
 * a second tab), and otherwise read from the store: then the answer is a
 * promise, and the connection holds its later frames until it settles.
 */
export class Authenticate {
  constructor(
    private readonly tokens: TokenService,
    private readonly sessions: SessionStates,
  ) {}

  execute({ token, username }: AuthenticateInput): Identity | Promise<Identity> {
    const identity = this.tokens.verify(token);
    if (!sameUsername(identity.username, username)) {
      throw new DomainError('USERNAME_MISMATCH', `this token belongs to another user, not "${username}"`);
    }
    const known = this.sessions.state(identity.sessionId);
    if (known !== undefined) return this.admit(identity, known);
    return this.sessions.load(identity.sessionId, identity.expiresAt).then((state) => this.admit(identity, state));
  }

  private admit(identity: Identity, state: SessionState): Identity {
    if (state === 'ended') {
      throw new DomainError('SESSION_REVOKED', "this token's session has ended (logged out, password changed, or account suspended); log in again");
    }
    this.sessions.used(identity.sessionId, identity.expiresAt);
    return identity;
  }
}
