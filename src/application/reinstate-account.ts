import type { User } from '../domain/user.js';
import type { UserRepository } from './ports.js';
import { accountToModerate, type Actor } from './suspend-account.js';

/** Lifts a suspension: the user may log in again (its ended sessions stay ended). */
export class ReinstateAccount {
  constructor(private readonly users: UserRepository) {}

  async execute({ actor, username }: { actor: Actor; username: string }): Promise<User> {
    const user = await accountToModerate(this.users, actor, username);
    if (user.suspendedAt !== undefined) await this.users.setSuspended(user.id, undefined);
    return user;
  }
}
