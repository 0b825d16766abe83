import type { Knex } from 'knex';
import type { UserRepository } from '../../application/ports.js';
import { DomainError } from '../../domain/errors.js';
import type { User } from '../../domain/user.js';
import { rethrowDatabaseFailure, translateDatabaseFailure } from './database-failure.js';

const UNIQUE_VIOLATION = '23505';

interface UserRow {
  id: number | string;
  username: string;
  password_hash: string;
}

const toUser = (row: UserRow): User => ({ id: Number(row.id), username: row.username, passwordHash: row.password_hash });

export class KnexUserRepository implements UserRepository {
  constructor(private readonly db: Knex) {}

  async create({ username, passwordHash }: Omit<User, 'id'>): Promise<User> {
    try {
      const [row] = await this.db<UserRow>('users').insert({ username, password_hash: passwordHash }).returning(['id', 'username', 'password_hash']);
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
      .first('id', 'username', 'password_hash')
      .catch(rethrowDatabaseFailure);
    return row && toUser(row);
  }
}
