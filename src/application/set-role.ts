import type { Role, User } from '../domain/user.js';
import type { UserRepository } from './ports.js';
import { accountToModerate } from './suspend-account.js';

/** Makes a user an administrator, or a member again: the operator's, from the command line (`npm run admin`). */
export class SetRole {
  constructor(private readonly users: UserRepository) {}

  async execute({ username, role }: { username: string; role: Role }): Promise<User> {
    const user = await accountToModerate(this.users, 'operator', username);
    if (user.role !== role) await this.users.setRole(user.id, role);
    return { ...user, role };
  }
}
