import { DomainError } from '../domain/errors.js';
import type { Identity } from '../domain/user.js';
import type { MembershipRepository, UserRepository } from './ports.js';

/** The identity, or NOT_AUTHENTICATED: private conversations are for users. */
export function requireUser(identity: Identity | undefined): Identity {
  if (!identity) throw new DomainError('NOT_AUTHENTICATED', 'send "auth <token>" first: this is for logged-in users');
  return identity;
}

/** Only an owner of a private room invites, removes others and promotes (public rooms and direct conversations have no owners). */
export async function requireOwner(members: MembershipRepository, room: string, username: string): Promise<void> {
  if ((await members.roleOf(room, username)) !== 'owner') {
    throw new DomainError('NOT_AN_OWNER', `only an owner of a private room may do this in "${room}"`);
  }
}

/** The user as registered, or UNKNOWN_USER. */
export async function requireUserNamed(users: UserRepository, username: string): Promise<string> {
  const user = typeof username === 'string' ? await users.findByUsername(username) : undefined;
  if (!user) throw new DomainError('UNKNOWN_USER', `there is no user "${String(username)}"`);
  return user.username;
}
