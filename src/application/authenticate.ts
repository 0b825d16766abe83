import { DomainError } from '../domain/errors.js';
import { sameUsername, type Identity } from '../domain/user.js';
import type { TokenService } from './ports.js';

export interface AuthenticateInput {
  token: string;
  /** The name the frame claims; it must be the token's. */
  username: string;
}

/**
 * Synchronous on purpose: a connection's frames are handled in arrival order,
 * and a message sent right after `auth` must see the connection authorized.
 */
export class Authenticate {
  constructor(private readonly tokens: TokenService) {}

  execute({ token, username }: AuthenticateInput): Identity {
    const identity = this.tokens.verify(token);
    if (!sameUsername(identity.username, username)) {
      throw new DomainError('USERNAME_MISMATCH', `this token belongs to another user, not "${username}"`);
    }
    return identity;
  }
}
