import type { PasswordHasher } from '../../src/application/ports.js';

const PREFIX = 'hashed:';
/** bcrypt reads only this many bytes; the fake does the same so Login's length check is exercised. */
const BCRYPT_BYTES = 72;

const significantBytes = (password: string): Buffer => Buffer.from(password, 'utf8').subarray(0, BCRYPT_BYTES);

/** hash = 'hashed:' + password; counts calls so timing-equalizing comparisons can be asserted. */
export class FakePasswordHasher implements PasswordHasher {
  hashCalls = 0;
  verifyCalls = 0;

  async hash(password: string): Promise<string> {
    this.hashCalls++;
    return PREFIX + password;
  }

  async verify(password: string, hash: string): Promise<boolean> {
    this.verifyCalls++;
    return hash.startsWith(PREFIX) && significantBytes(password).equals(significantBytes(hash.slice(PREFIX.length)));
  }
}
