import { isDomainError, type ErrorCode } from '../../domain/errors.js';

export type WireErrorCode = ErrorCode | 'INTERNAL';

/**
 * The WebSocket edge's one table from domain code to error frame. Exhaustive,
 * so a new domain code does not compile until this edge decides its reply.
 * Codes that only registration can raise still get a frame, never a crash.
 */
const REPLIES: Record<ErrorCode, { code: WireErrorCode; dropsAuthorization: boolean }> = {
  INVALID_USERNAME: { code: 'INVALID_USERNAME', dropsAuthorization: false },
  INVALID_PASSWORD: { code: 'INVALID_PASSWORD', dropsAuthorization: false },
  USERNAME_TAKEN: { code: 'USERNAME_TAKEN', dropsAuthorization: false },
  INVALID_CREDENTIALS: { code: 'INVALID_CREDENTIALS', dropsAuthorization: false },
  INVALID_TOKEN: { code: 'INVALID_TOKEN', dropsAuthorization: false },
  TOKEN_EXPIRED: { code: 'TOKEN_EXPIRED', dropsAuthorization: true },
  USERNAME_MISMATCH: { code: 'USERNAME_MISMATCH', dropsAuthorization: false },
  NOT_AUTHENTICATED: { code: 'NOT_AUTHENTICATED', dropsAuthorization: false },
  EMPTY_MESSAGE: { code: 'EMPTY_MESSAGE', dropsAuthorization: false },
  MESSAGE_TOO_LONG: { code: 'MESSAGE_TOO_LONG', dropsAuthorization: false },
  INVALID_FORMAT: { code: 'INVALID_FORMAT', dropsAuthorization: false },
  UNAVAILABLE: { code: 'UNAVAILABLE', dropsAuthorization: false },
};

export interface ErrorReply {
  code: WireErrorCode;
  message: string;
  dropsAuthorization: boolean;
  /** Set when the failure was not deliberate: log it, tell the client nothing of it. */
  unexpected?: unknown;
}

export function errorReply(error: unknown): ErrorReply {
  if (isDomainError(error)) return { ...REPLIES[error.code], message: error.message };
  return { code: 'INTERNAL', message: 'the server could not handle this frame', dropsAuthorization: false, unexpected: error };
}
