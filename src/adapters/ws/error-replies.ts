import { isDomainError, type ErrorCode } from '../../domain/errors.js';

export type WireErrorCode = ErrorCode | 'INTERNAL';

/**
 * The WebSocket edge's one table from domain code to what the connection
 * does besides sending the error frame (whose code is the domain code).
 * Exhaustive, so a new domain code does not compile until this edge decides.
 * Codes only registration raises are here too: they get a frame, never a crash.
 */
const EFFECT: Record<ErrorCode, 'none' | 'unauthorize'> = {
  INVALID_USERNAME: 'none',
  INVALID_PASSWORD: 'none',
  USERNAME_TAKEN: 'none',
  INVALID_CREDENTIALS: 'none',
  INVALID_TOKEN: 'none',
  TOKEN_EXPIRED: 'unauthorize',
  USERNAME_MISMATCH: 'none',
  NOT_AUTHENTICATED: 'none',
  EMPTY_MESSAGE: 'none',
  MESSAGE_TOO_LONG: 'none',
  INVALID_FORMAT: 'none',
  UNAVAILABLE: 'none',
  BUSY: 'none',
  INVALID_ROOM: 'none',
  UNKNOWN_ROOM: 'none',
  NOT_A_MEMBER: 'none',
  TOO_MANY_ROOMS: 'none',
  INVALID_CLIENT_ID: 'none',
};

export interface ErrorReply {
  code: WireErrorCode;
  message: string;
  unauthorize: boolean;
  /** Set when the failure was not deliberate: log it, tell the client nothing of it. */
  unexpected?: unknown;
}

export function errorReply(error: unknown): ErrorReply {
  if (isDomainError(error)) {
    return { code: error.code, message: error.message, unauthorize: EFFECT[error.code] === 'unauthorize' };
  }
  return { code: 'INTERNAL', message: 'the server could not handle this frame', unauthorize: false, unexpected: error };
}
