import type { SecretTokens } from '../../src/application/ports.js';

/** Readable refresh credentials, `secret-1`, `secret-2`, ..., stored as `digest:secret-N`. */
export class SequentialSecretTokens implements SecretTokens {
  private issued = 0;

  issue(): { token: string; digest: string } {
    this.issued += 1;
    const token = `secret-${this.issued}`;
    return { token, digest: `digest:${token}` };
  }

  digest(token: string): string | undefined {
    return /^secret-[0-9]+$/.test(token) ? `digest:${token}` : undefined;
  }
}
