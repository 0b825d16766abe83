import type { UserRepository } from '../../src/application/ports.js';
import { DomainError } from '../../src/domain/errors.js';
import type { NewUser, Role, User } from '../../src/domain/user.js';

/** Names are compared lower-cased, as the Knex repository's unique index on lower(username) does; deleted users keep theirs. */
export class InMemoryUserRepository implements UserRepository {
  private readonly users = new Map<string, User>();
  private nextId = 1;

  async create(user: NewUser): Promise<User> {
    return this.add(user);
  }

  /** For tests that need a user at once. */
  add({ username, passwordHash }: NewUser): User {
    const key = username.toLowerCase();
    if (this.users.has(key)) {
      throw new DomainError('USERNAME_TAKEN', `username "${username}" is taken`);
    }
    const user: User = { id: this.nextId++, username, passwordHash, role: 'member' };
    this.users.set(key, user);
    return user;
  }

  async findByUsername(username: string): Promise<User | undefined> {
    return this.users.get(username.toLowerCase());
  }

  async findById(id: number): Promise<User | undefined> {
    return this.byId(id);
  }

  async setPasswordHash(id: number, passwordHash: string): Promise<void> {
    this.change(id, { passwordHash });
  }

  async setRole(id: number, role: Role): Promise<void> {
    this.change(id, { role });
  }

  async setSuspended(id: number, at: Date | undefined): Promise<void> {
    const { suspendedAt: _, ...rest } = this.existing(id);
    this.users.set(rest.username.toLowerCase(), at === undefined ? rest : { ...rest, suspendedAt: at });
  }

  async markDeleted(id: number, at: Date): Promise<void> {
    this.change(id, { passwordHash: undefined, deletedAt: at });
  }

  /** For fakes and tests that look without waiting. */
  byId(id: number): User | undefined {
    return [...this.users.values()].find((user) => user.id === id);
  }

  private change(id: number, changes: Partial<User>): void {
    const user = this.existing(id);
    this.users.set(user.username.toLowerCase(), { ...user, ...changes });
  }

  private existing(id: number): User {
    const user = this.byId(id);
    if (!user) throw new Error(`no user ${id}`);
    return user;
  }
}
