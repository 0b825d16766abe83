import type { Knex } from 'knex';
import type { UserRepository } from '../../application/ports.js';
import { DomainError } from '../../domain/errors.js';
import type { NewUser, Role, User } from '../../domain/user.js';
import { rethrowDatabaseFailure, translateDatabaseFailure } from './database-failure.js';

const UNIQUE_VIOLATION = '23505';

interface UserRow {
  id: number | string;
  username: string;
  password_hash: string | null;
  role: Role;
  suspended_at: Date | string | null;
  deleted_at: Date | string | null;
}

const COLUMNS = ['id', 'username', 'password_hash', 'role', 'suspended_at', 'deleted_at'] as const;

const toUser = (row: UserRow): User => ({
  id: Number(row.id),
  username: row.username,
  passwordHash: row.password_hash ?? undefined,
  role: row.role,
  ...(row.suspended_at === null ? {} : { suspendedAt: new Date(row.suspended_at) }),
  ...(row.deleted_at === null ? {} : { deletedAt: new Date(row.deleted_at) }),
});

export class KnexUserRepository implements UserRepository {
  constructor(private readonly db: Knex) {}

  async create({ username, passwordHash }: NewUser): Promise<User> {
    try {
      const [row] = await this.db<UserRow>('users')
        .insert({ username, password_hash: passwordHash })
        .returning([...COLUMNS]);
      return toUser(row as UserRow);
    } catch (error) {
      // The unique index on lower(username) decides races that a read-before-write would lose.
      if ((error as { code?: unknown }).code === UNIQUE_VIOLATION) {
        throw new DomainError('USERNAME_TAKEN', `username "${username}" is taken`);
      }
      throw translateDatabaseFailure(error);
    }
  }

  async findByUsername(username: string): Promise<User | undefined> {
    const row = await this.db<UserRow>('users')
      .whereRaw('lower(username) = lower(?)', [username])
      .first(...COLUMNS)
      .catch(rethrowDatabaseFailure);
    return row && toUser(row);
  }

  async findById(id: number): Promise<User | undefined> {
    const row = await this.db<UserRow>('users')
      .where({ id })
      .first(...COLUMNS)
      .catch(rethrowDatabaseFailure);
    return row && toUser(row);
  }

  async setPasswordHash(id: number, passwordHash: string): Promise<void> {
    await this.update(id, { password_hash: passwordHash });
  }

  async setRole(id: number, role: Role): Promise<void> {
    await this.update(id, { role });
  }

  async setSuspended(id: number, at: Date | undefined): Promise<void> {
    await this.update(id, { suspended_at: at ?? null });
  }

  async markDeleted(id: number, at: Date): Promise<void> {
    await this.update(id, { password_hash: null, deleted_at: at });
  }

  private async update(id: number, changes: Partial<UserRow>): Promise<void> {
    await this.db<UserRow>('users').where({ id }).update(changes).catch(rethrowDatabaseFailure);
  }
}
