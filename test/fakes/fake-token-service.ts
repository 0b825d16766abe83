import type { Clock, TokenService, TokenSubject } from '../../src/application/ports.js';
import { DomainError } from '../../src/domain/errors.js';
import type { Identity } from '../../src/domain/user.js';

const TOKEN = /^token:([^:]+):([^:]+):([0-9]+)$/;

/** Readable tokens, `token:<username>:<sessionId>:<expMillis>`, expiring by the given clock. */
export class FakeTokenService implements TokenService {
  constructor(
    private readonly clock: Clock,
    private readonly ttlMillis = 60 * 60 * 1000,
  ) {}

  issue({ username, sessionId }: TokenSubject, expiresAt: Date): { token: string; expiresAt: Date } {
    return { token: `token:${username}:${sessionId}:${expiresAt.getTime()}`, expiresAt };
  }

  /** For tests: a token of the session (by default `s-<username>`) expiring the service's ttl from now. */
  issueFor(username: string, sessionId = `s-${username}`): { token: string; expiresAt: Date } {
    return this.issue({ username, sessionId }, new Date(this.clock.now().getTime() + this.ttlMillis));
  }

  verify(token: string): Identity {
    const match = TOKEN.exec(token);
    const [, username, sessionId, exp] = match ?? [];
    // Expired at exp itself, as jsonwebtoken decides.
    if (username === undefined || sessionId === undefined || exp === undefined || Number(exp) <= this.clock.now().getTime()) {
      throw new DomainError('INVALID_TOKEN', 'token is not valid');
    }
    return { username, expiresAt: new Date(Number(exp)), sessionId };
  }

  foundIn(text: string): boolean {
    return /token:[^:\s]+:[^:\s]+:[0-9]+/.test(text);
  }
}
