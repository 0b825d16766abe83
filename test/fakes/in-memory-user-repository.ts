import type { UserRepository } from '../../src/application/ports.js';
import { DomainError } from '../../src/domain/errors.js';
import type { User } from '../../src/domain/user.js';

/** Names are compared lower-cased, as the Knex repository's unique index on lower(username) does. */
export class InMemoryUserRepository implements UserRepository {
  private readonly users = new Map<string, User>();
  private nextId = 1;

  async create({ username, passwordHash }: Omit<User, 'id'>): Promise<User> {
    const key = username.toLowerCase();
    if (this.users.has(key)) {
      throw new DomainError('USERNAME_TAKEN', `username "${username}" is taken`);
    }
    const user: User = { id: this.nextId++, username, passwordHash };
    this.users.set(key, user);
    return user;
  }

  async findByUsername(username: string): Promise<User | undefined> {
    return this.users.get(username.toLowerCase());
  }
}
