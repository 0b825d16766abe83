import { DomainError } from '../domain/errors.js';
import type { PasswordCheck } from './password-check.js';
import type { Clock, Revocations, SessionRepository, UserRepository } from './ports.js';
import type { Principal } from './verify-access.js';

/**
 * Deletes the owner's account, given its password: every session ends, the
 * password is forgotten, and the name stays taken (no registration can
 * take it over to speak as the deleted user). Its messages stay, under its
 * name (docs/protocol.md says why).
 */
export class DeleteAccount {
  constructor(
    private readonly users: UserRepository,
    private readonly check: PasswordCheck,
    private readonly sessions: SessionRepository,
    private readonly revocations: Revocations,
    private readonly clock: Clock,
  ) {}

  async execute({ principal, password }: { principal: Principal; password: string }): Promise<void> {
    const { user } = principal;
    if (!(await this.check.matches(user, password))) throw new DomainError('WRONG_PASSWORD', 'the password is not right');
    const now = this.clock.now();
    await this.users.markDeleted(user.id, now);
    const ended = await this.sessions.end(user.id, 'all', now, 'account_deleted');
    this.revocations.publish({ sessionIds: ended, reason: 'account_deleted' });
  }
}
