import { DomainError } from '../domain/errors.js';
import { isAcceptablePassword, USERNAME_PATTERN } from '../domain/user.js';
import type { PasswordHasher, TokenService, UserRepository } from './ports.js';
import type { Credentials, Session } from './register.js';

export class Login {
  private dummyHash: Promise<string> | undefined;

  constructor(
    private readonly users: UserRepository,
    private readonly passwords: PasswordHasher,
    private readonly tokens: TokenService,
  ) {}

  async execute({ username, password }: Credentials): Promise<Session> {
    // A name registration could never have accepted is nobody's; not asking the
    // database also keeps Unicode case folding (İ, K) from matching ASCII names.
    const user = USERNAME_PATTERN.test(username) ? await this.users.findByUsername(username) : undefined;
    // An unknown user costs one hash comparison too, so response time does not
    // tell which accounts exist.
    const hash = user?.passwordHash ?? (await this.hashToCompareAgainst());
    const matches = await this.passwords.verify(password, hash);
    // bcrypt ignores bytes past 72, so a longer password would match a prefix.
    if (!user || !matches || !isAcceptablePassword(password)) {
      throw new DomainError('INVALID_CREDENTIALS', 'unknown username or wrong password');
    }
    return { username: user.username, ...this.tokens.issue(user.username) };
  }

  private hashToCompareAgainst(): Promise<string> {
    this.dummyHash ??= this.passwords.hash('not a password of anyone').catch((error: unknown) => {
      // A failure is not kept: the next unknown-user login tries again.
      this.dummyHash = undefined;
      throw error;
    });
    return this.dummyHash;
  }
}
