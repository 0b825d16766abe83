import { isDomainError, type ErrorCode } from '../../domain/errors.js';

export type WireErrorCode = ErrorCode | 'INTERNAL';

/**
 * The WebSocket edge's one table from domain code to the code its error
 * frame carries. Exhaustive, so a new domain code does not compile until
 * this edge decides. Codes only the HTTP routes raise cannot come from a
 * frame: if one ever does, it is a fault, logged and answered INTERNAL.
 */
const WIRE_CODE: Record<ErrorCode, WireErrorCode> = {
  INVALID_USERNAME: 'INTERNAL',
  INVALID_PASSWORD: 'INTERNAL',
  USERNAME_TAKEN: 'INTERNAL',
  INVALID_CREDENTIALS: 'INTERNAL',
  BUSY: 'INTERNAL',
  INVALID_TOKEN: 'INVALID_TOKEN',
  TOKEN_EXPIRED: 'TOKEN_EXPIRED',
  USERNAME_MISMATCH: 'USERNAME_MISMATCH',
  NOT_AUTHENTICATED: 'NOT_AUTHENTICATED',
  EMPTY_MESSAGE: 'EMPTY_MESSAGE',
  MESSAGE_TOO_LONG: 'MESSAGE_TOO_LONG',
  INVALID_FORMAT: 'INVALID_FORMAT',
  UNAVAILABLE: 'UNAVAILABLE',
  INVALID_ROOM: 'INVALID_ROOM',
  UNKNOWN_ROOM: 'UNKNOWN_ROOM',
  NOT_A_MEMBER: 'NOT_A_MEMBER',
  TOO_MANY_ROOMS: 'TOO_MANY_ROOMS',
  INVALID_CLIENT_ID: 'INVALID_CLIENT_ID',
  RATE_LIMITED: 'RATE_LIMITED',
  NOT_AN_OWNER: 'NOT_AN_OWNER',
  UNKNOWN_USER: 'UNKNOWN_USER',
  INVALID_TITLE: 'INVALID_TITLE',
  INVALID_SEARCH: 'INVALID_SEARCH',
  TOKEN_IN_MESSAGE: 'TOKEN_IN_MESSAGE',
  INVALID_COMMAND: 'INVALID_COMMAND',
  SESSION_REVOKED: 'SESSION_REVOKED',
  ACCOUNT_SUSPENDED: 'INTERNAL',
  INVALID_REFRESH: 'INTERNAL',
  REFRESH_REUSED: 'INTERNAL',
  WRONG_PASSWORD: 'INTERNAL',
  UNKNOWN_SESSION: 'INTERNAL',
  NOT_ADMINISTRATOR: 'INTERNAL',
  UNKNOWN_MESSAGE: 'UNKNOWN_MESSAGE',
  NOT_THE_AUTHOR: 'NOT_THE_AUTHOR',
};

export interface ErrorReply {
  code: WireErrorCode;
  message: string;
  /** Set when the failure was not deliberate: log it, tell the client nothing of it. */
  unexpected?: unknown;
}

const INTERNAL = 'the server could not handle this frame';

export function errorReply(error: unknown): ErrorReply {
  if (!isDomainError(error)) return { code: 'INTERNAL', message: INTERNAL, unexpected: error };
  const code = WIRE_CODE[error.code];
  return code === 'INTERNAL' ? { code, message: INTERNAL, unexpected: error } : { code, message: error.message };
}
