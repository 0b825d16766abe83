import { isAcceptablePassword, type User } from '../domain/user.js';
import type { PasswordHasher } from './ports.js';

/**
 * Whether a password is a user's, at the cost of exactly one hash
 * comparison whatever the case: an unknown user, a deleted one (no hash)
 * and a wrong password all take as long as the right one, so the time of
 * an answer tells nothing its content does not.
 */
export class PasswordCheck {
  private dummyHash: Promise<string> | undefined;

  constructor(private readonly passwords: PasswordHasher) {}

  async matches(user: User | undefined, password: string): Promise<boolean> {
    const hash = user?.passwordHash ?? (await this.hashToCompareAgainst());
    const matches = await this.passwords.verify(password, hash);
    // bcrypt ignores bytes past 72, so a longer password would match a prefix.
    return user?.passwordHash !== undefined && matches && isAcceptablePassword(password);
  }

  private hashToCompareAgainst(): Promise<string> {
    this.dummyHash ??= this.passwords.hash('not a password of anyone').catch((error: unknown) => {
      // A failure is not kept: the next check tries again.
      this.dummyHash = undefined;
      throw error;
    });
    return this.dummyHash;
  }
}
