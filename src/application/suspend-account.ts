import { DomainError } from '../domain/errors.js';
import type { User } from '../domain/user.js';
import type { Clock, Revocations, SessionRepository, UserRepository } from './ports.js';

/** Who acts: an administrator's own account over HTTP, or the operator at the command line. */
export type Actor = User | 'operator';

/** The account named, if it exists and was not deleted; refused unless the actor is an administrator or the operator. */
export async function accountToModerate(users: UserRepository, actor: Actor, username: string): Promise<User> {
  if (actor !== 'operator' && actor.role !== 'administrator') {
    throw new DomainError('NOT_ADMINISTRATOR', 'only an administrator may do this');
  }
  const user = await users.findByUsername(username);
  if (!user || user.deletedAt !== undefined) throw new DomainError('UNKNOWN_USER', `there is no user "${username}"`);
  return user;
}

/** Suspends an account: every session ends at once, on every node, and logins are refused with ACCOUNT_SUSPENDED until it is reinstated. */
export class SuspendAccount {
  constructor(
    private readonly users: UserRepository,
    private readonly sessions: SessionRepository,
    private readonly revocations: Revocations,
    private readonly clock: Clock,
  ) {}

  async execute({ actor, username }: { actor: Actor; username: string }): Promise<User> {
    const user = await accountToModerate(this.users, actor, username);
    const now = this.clock.now();
    // Suspended before its sessions end: a login racing with this cannot open one that outlives it.
    if (user.suspendedAt === undefined) await this.users.setSuspended(user.id, now);
    const ended = await this.sessions.end(user.id, 'all', now, 'suspended');
    this.revocations.publish({ sessionIds: ended, reason: 'suspended' });
    return user;
  }
}
