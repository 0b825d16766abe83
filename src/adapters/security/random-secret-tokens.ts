import { createHash, randomBytes } from 'node:crypto';
import type { SecretTokens } from '../../application/ports.js';

/** 32 random bytes: beyond guessing, so one fast digest (no salt, no bcrypt) is all the store needs. */
const TOKEN_BYTES = 32;
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** Refresh credentials: 32 random bytes in base64url; the store keeps their SHA-256, never them. */
export class RandomSecretTokens implements SecretTokens {
  issue(): { token: string; digest: string } {
    const token = randomBytes(TOKEN_BYTES).toString('base64url');
    return { token, digest: sha256(token) };
  }

  digest(token: string): string | undefined {
    return TOKEN_PATTERN.test(token) ? sha256(token) : undefined;
  }
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
