import { createSecretKey, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { TokenService, TokenSubject } from '../../application/ports.js';
import { DomainError } from '../../domain/errors.js';
import type { Identity } from '../../domain/user.js';

const ALGORITHM = 'HS256';
/**
 * Where a token may sit inside other text: its header always begins with
 * `eyJ` (`{"` in base64url), and an HS256 signature is exactly 43 characters,
 * so letters glued on either side do not hide it.
 */
const EMBEDDED_TOKEN = /eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}/g;

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

  foundIn(text: string): boolean {
    // Most texts hold no `eyJ` at all: one indexOf, and nothing more.
    if (!text.includes('eyJ')) return false;
    for (const [candidate] of text.matchAll(EMBEDDED_TOKEN)) {
      try {
        jwt.verify(candidate, this.secret, { algorithms: [ALGORITHM], ignoreExpiration: true });
        return true;
      } catch {
        // Not one of ours: look further.
      }
    }
    return false;
  }
}
