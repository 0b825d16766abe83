import type { Device, SessionKind } from '../domain/session.js';
import { assertValidPassword, assertValidUsername } from '../domain/user.js';
import type { PasswordHasher, UserRepository } from './ports.js';
import type { IssuedSession, SessionIssuer } from './session-issuer.js';

export interface Credentials {
  username: string;
  password: string;
}

/** Where the login comes from, shown in the owner's list of sessions; and which kind of session it opens (default `token`). */
export interface SessionRequest {
  device?: Device;
  kind?: SessionKind;
}

export type Session = IssuedSession;

export const UNKNOWN_DEVICE: Device = { userAgent: '', address: '' };

export class Register {
  constructor(
    private readonly users: UserRepository,
    private readonly passwords: PasswordHasher,
    private readonly issuer: SessionIssuer,
  ) {}

  async execute({ username, password, device = UNKNOWN_DEVICE, kind = 'token' }: Credentials & SessionRequest): Promise<Session> {
    assertValidUsername(username);
    assertValidPassword(password);
    const user = await this.users.create({ username, passwordHash: await this.passwords.hash(password) });
    return this.issuer.open(user, device, kind);
  }
}
