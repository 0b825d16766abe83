import bcrypt from 'bcrypt';
import type { PasswordHasher } from '../../application/ports.js';

/** The async calls run on libuv's thread pool, off the event loop. */
export class BcryptPasswordHasher implements PasswordHasher {
  constructor(private readonly cost: number) {}

  hash(password: string): Promise<string> {
    return bcrypt.hash(password, this.cost);
  }

  verify(password: string, hash: string): Promise<boolean> {
    return bcrypt.compare(password, hash);
  }
}
