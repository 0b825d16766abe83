import { DomainError } from '../domain/errors.js';
import { mayLogIn } from '../domain/session.js';
import { USERNAME_PATTERN } from '../domain/user.js';
import type { PasswordCheck } from './password-check.js';
import type { UserRepository } from './ports.js';
import { UNKNOWN_DEVICE, type Credentials, type Session, type SessionRequest } from './register.js';
import type { SessionIssuer } from './session-issuer.js';

export class Login {
  constructor(
    private readonly users: UserRepository,
    private readonly passwords: PasswordCheck,
    private readonly issuer: SessionIssuer,
  ) {}

  async execute({ username, password, device = UNKNOWN_DEVICE, kind = 'token' }: Credentials & SessionRequest): Promise<Session> {
    // A name registration could never have accepted is nobody's; not asking the
    // database also keeps Unicode case folding (İ, K) from matching ASCII names.
    const user = USERNAME_PATTERN.test(username) ? await this.users.findByUsername(username) : undefined;
    // Unknown and deleted users cost one hash comparison too, so response time
    // does not tell which accounts exist.
    const matches = await this.passwords.matches(user, password);
    if (!user || !matches) throw new DomainError('INVALID_CREDENTIALS', 'unknown username or wrong password');
    // Told only to whoever knows the password, so it says nothing about other accounts.
    if (!mayLogIn(user)) throw new DomainError('ACCOUNT_SUSPENDED', 'this account is suspended; an administrator can reinstate it');
    return this.issuer.open(user, device, kind);
  }
}
