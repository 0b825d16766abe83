import { DomainError } from './errors.js';

export const USERNAME_PATTERN = /^[A-Za-z0-9_.-]{3,32}$/;
export const PASSWORD_MIN_BYTES = 8;
/** bcrypt reads only the first 72 bytes; longer passwords are refused rather than silently cut. */
export const PASSWORD_MAX_BYTES = 72;

/** An administrator may suspend accounts (and, later, delete anyone's message); the operator grants it from the command line. */
export type Role = 'member' | 'administrator';

export interface User {
  readonly id: number;
  /** As the user first wrote it; uniqueness ignores case. A deleted account keeps it, so nobody can take it over. */
  readonly username: string;
  /** None once the account is deleted: nothing can log in to it. */
  readonly passwordHash: string | undefined;
  readonly role: Role;
  /** Suspended by an administrator: its sessions were ended, and logins are refused. */
  readonly suspendedAt?: Date;
  /** Deleted by its owner: a tombstone holding the name. */
  readonly deletedAt?: Date;
}

export interface NewUser {
  readonly username: string;
  readonly passwordHash: string;
}

/** Who a connection speaks for, once a token has proved it. */
export interface Identity {
  readonly username: string;
  readonly expiresAt: Date;
  /** The login session the token belongs to: revoking it ends the identity. */
  readonly sessionId: string;
}

export function assertValidUsername(username: string): void {
  if (!USERNAME_PATTERN.test(username)) {
    throw new DomainError('INVALID_USERNAME', 'username must be 3-32 characters of letters, digits, "_", "." or "-"');
  }
}

/**
 * bcrypt stops at U+0000 (so "a\0b" would equal "a"), and U+FFFD is what
 * undecodable bytes become, so two different passwords could collapse into
 * one: neither is accepted.
 */
// eslint-disable-next-line no-control-regex -- U+0000 is the very character refused
const AMBIGUOUS_CHARACTERS = /[\u0000\ufffd]/;

export function isAcceptablePassword(password: string): boolean {
  const bytes = new TextEncoder().encode(password).length;
  return bytes >= PASSWORD_MIN_BYTES && bytes <= PASSWORD_MAX_BYTES && password.isWellFormed() && !AMBIGUOUS_CHARACTERS.test(password);
}

export function assertValidPassword(password: string): void {
  if (!isAcceptablePassword(password)) {
    throw new DomainError('INVALID_PASSWORD', `password must be ${PASSWORD_MIN_BYTES}-${PASSWORD_MAX_BYTES} bytes of UTF-8, without U+0000 or U+FFFD`);
  }
}

/** Usernames are unique ignoring case, so "Alice" and "alice" are one person. */
export const sameUsername = (a: string, b: string): boolean => a.length === b.length && a.toLowerCase() === b.toLowerCase();
