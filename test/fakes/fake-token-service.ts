import type { Clock, TokenService } from '../../src/application/ports.js';
import { DomainError } from '../../src/domain/errors.js';
import type { Identity } from '../../src/domain/user.js';

const TOKEN = /^token:([^:]+):([0-9]+)$/;

/** Readable tokens, `token:<username>:<expMillis>`, expiring by the given clock. */
export class FakeTokenService implements TokenService {
  constructor(
    private readonly clock: Clock,
    private readonly ttlMillis = 60 * 60 * 1000,
  ) {}

  issue(username: string): { token: string; expiresAt: Date } {
    const expiresAt = new Date(this.clock.now().getTime() + this.ttlMillis);
    return { token: `token:${username}:${expiresAt.getTime()}`, expiresAt };
  }

  verify(token: string): Identity {
    const match = TOKEN.exec(token);
    const [, username, exp] = match ?? [];
    // Expired at exp itself, as jsonwebtoken decides.
    if (username === undefined || exp === undefined || Number(exp) <= this.clock.now().getTime()) {
      throw new DomainError('INVALID_TOKEN', 'token is not valid');
    }
    return { username, expiresAt: new Date(Number(exp)) };
  }

  foundIn(text: string): boolean {
    return /token:[^:\s]+:[0-9]+/.test(text);
  }
}
