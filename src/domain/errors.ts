/**
 * Every failure a use case can report on purpose. Codes are part of the wire
 * contract: edges map them to replies, clients may switch on them, so a code
 * is never renamed.
 */
export type ErrorCode =
  | 'INVALID_USERNAME'
  | 'INVALID_PASSWORD'
  | 'USERNAME_TAKEN'
  | 'INVALID_CREDENTIALS'
  | 'INVALID_TOKEN'
  | 'TOKEN_EXPIRED'
  | 'USERNAME_MISMATCH'
  | 'NOT_AUTHENTICATED'
  | 'EMPTY_MESSAGE'
  | 'MESSAGE_TOO_LONG'
  | 'INVALID_FORMAT'
  | 'UNAVAILABLE'
  | 'BUSY'
  | 'INVALID_ROOM'
  | 'UNKNOWN_ROOM'
  | 'NOT_A_MEMBER'
  | 'TOO_MANY_ROOMS'
  | 'INVALID_CLIENT_ID'
  | 'RATE_LIMITED'
  | 'NOT_AN_OWNER'
  | 'UNKNOWN_USER'
  | 'INVALID_TITLE'
  | 'INVALID_SEARCH'
  | 'TOKEN_IN_MESSAGE'
  | 'INVALID_COMMAND'
  | 'SESSION_REVOKED'
  | 'ACCOUNT_SUSPENDED'
  | 'INVALID_REFRESH'
  | 'REFRESH_REUSED'
  | 'WRONG_PASSWORD'
  | 'UNKNOWN_SESSION'
  | 'NOT_ADMINISTRATOR'
  | 'UNKNOWN_MESSAGE'
  | 'NOT_THE_AUTHOR';

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** For a refusal that lifts with time (RATE_LIMITED): when to try again. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const isDomainError = (error: unknown): error is DomainError => error instanceof DomainError;
