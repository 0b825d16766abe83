import { DomainError } from '../domain/errors.js';
import { assertValidPassword } from '../domain/user.js';
import type { PasswordCheck } from './password-check.js';
import type { Clock, PasswordHasher, Revocations, SessionRepository, UserRepository } from './ports.js';
import type { Principal } from './verify-access.js';

export interface ChangePasswordInput {
  principal: Principal;
  currentPassword: string;
  newPassword: string;
}

/**
 * A new password, given the current one; every other session ends (a
 * thief's included), the one that asked stays. The current password costs
 * one comparison, right or wrong.
 */
export class ChangePassword {
  constructor(
    private readonly users: UserRepository,
    private readonly check: PasswordCheck,
    private readonly passwords: PasswordHasher,
    private readonly sessions: SessionRepository,
    private readonly revocations: Revocations,
    private readonly clock: Clock,
  ) {}

  async execute({ principal, currentPassword, newPassword }: ChangePasswordInput): Promise<void> {
    const { user, session } = principal;
    assertValidPassword(newPassword);
    if (!(await this.check.matches(user, currentPassword))) {
      throw new DomainError('WRONG_PASSWORD', 'the current password is not right');
    }
    await this.users.setPasswordHash(user.id, await this.passwords.hash(newPassword));
    const ended = await this.sessions.end(user.id, 'all', this.clock.now(), 'password_changed', session.id);
    this.revocations.publish({ sessionIds: ended, reason: 'password_changed' });
  }
}
