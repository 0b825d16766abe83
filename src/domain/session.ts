import type { User } from './user.js';

/**
 * A login's session: what a token names, what its owner lists and revokes.
 * `token`: made by the original /api/reg and /api/login, one token for its
 * whole life. `refresh`: made by /api/sessions, short access tokens renewed
 * with a rotating refresh credential.
 */
export type SessionKind = 'token' | 'refresh';

/** Why a session ended before its time; the `reason` of the SESSION_REVOKED frame. */
export type EndReason = 'revoked' | 'logged_out_everywhere' | 'password_changed' | 'account_deleted' | 'suspended' | 'refresh_reused';

/** What the owner is shown to tell sessions apart. */
export interface Device {
  readonly userAgent: string;
  readonly address: string;
}

export interface LoginSession {
  readonly id: string;
  readonly userId: number;
  readonly kind: SessionKind;
  readonly createdAt: Date;
  readonly lastSeenAt: Date;
  /** A refresh session's end moves forward with each refresh; a token session's is its token's. */
  readonly expiresAt: Date;
  readonly endedAt?: Date;
  readonly endReason?: EndReason;
  readonly device: Device;
}

/** Browsers send a few hundred characters at most; anything past this is cut, not refused. */
export const USER_AGENT_MAX = 256;

// eslint-disable-next-line no-control-regex -- control characters are what is taken out
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/g;

/** The device as the owner will see it listed: the user agent cut to size, without control characters. */
export const deviceOf = (userAgent: string | undefined, address: string): Device => ({
  userAgent: [...(userAgent ?? '').replace(CONTROL_CHARACTERS, '')].slice(0, USER_AGENT_MAX).join(''),
  address,
});

/**
 * A session admits its tokens while it was not ended, has not expired, and
 * its user may still log in. Suspending or deleting a user ends its sessions
 * too; the user is checked as well so that a session opened in a race with
 * the suspension cannot outlive it.
 */
export function isSessionActive(session: LoginSession, user: User | undefined, now: Date): boolean {
  return session.endedAt === undefined && session.expiresAt > now && user !== undefined && mayLogIn(user);
}

export const mayLogIn = (user: User): boolean => user.suspendedAt === undefined && user.deletedAt === undefined;
