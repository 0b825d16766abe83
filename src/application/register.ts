import { assertValidPassword, assertValidUsername } from '../domain/user.js';
import type { PasswordHasher, TokenService, UserRepository } from './ports.js';

export interface Credentials {
  username: string;
  password: string;
}

export interface Session {
  username: string;
  token: string;
  expiresAt: Date;
}

export class Register {
  constructor(
    private readonly users: UserRepository,
    private readonly passwords: PasswordHasher,
    private readonly tokens: TokenService,
  ) {}

  async execute({ username, password }: Credentials): Promise<Session> {
    assertValidUsername(username);
    assertValidPassword(password);
    const user = await this.users.create({ username, passwordHash: await this.passwords.hash(password) });
    return { username: user.username, ...this.tokens.issue(user.username) };
  }
}
