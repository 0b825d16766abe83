import { createSecretKey, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { TokenService, TokenSubject } from '../../application/ports.js';
import { DomainError } from '../../domain/errors.js';
import type { Identity } from '../../domain/user.js';

const ALGORITHM = 'HS256';

export class JwtTokenService implements TokenService {
  /** Made once: given a string, jsonwebtoken builds a key object on every call, the bulk of an auth's cost. */
  private readonly secret: KeyObject;

  constructor(secret: string) {
    this.secret = createSecretKey(Buffer.from(secret, 'utf8'));
  }

  /** `sid` names the session; `exp` is in whole seconds, so the expiry is cut to the second. */
  issue({ username, sessionId }: TokenSubject, expiresAt: Date): { token: string; expiresAt: Date } {
    const exp = Math.floor(expiresAt.getTime() / 1000);
    const token = jwt.sign({ exp, sid: sessionId }, this.secret, { algorithm: ALGORITHM, subject: username });
    return { token, expiresAt: new Date(exp * 1000) };
  }

  verify(token: string): Identity {
    let payload: jwt.JwtPayload | string;
    try {
      // Pinning the algorithm refuses "none" and key-confusion tricks.
      payload = jwt.verify(token, this.secret, { algorithms: [ALGORITHM] });
    } catch (error) {
      const expired = error instanceof jwt.TokenExpiredError;
      throw new DomainError('INVALID_TOKEN', expired ? 'token has expired; log in again' : 'token is not valid');
    }
    if (typeof payload === 'string' || typeof payload.sub !== 'string' || typeof payload.exp !== 'number') {
      throw new DomainError('INVALID_TOKEN', 'token is not valid');
    }
    // Tokens from before sessions existed name none, so nothing could revoke them: they are refused.
    const sid: unknown = payload.sid;
    if (typeof sid !== 'string' || sid === '') throw new DomainError('INVALID_TOKEN', 'token names no session; log in again');
    return { username: payload.sub, expiresAt: new Date(payload.exp * 1000), sessionId: sid };
  }
}
