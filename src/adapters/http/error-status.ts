import { isDomainError, type ErrorCode } from '../../domain/errors.js';

/**
 * The HTTP edge's one table from domain code to status. Exhaustive, so a new
 * domain code does not compile until this edge decides its status.
 */
const STATUS: Record<ErrorCode, number> = {
  INVALID_USERNAME: 400,
  INVALID_PASSWORD: 400,
  INVALID_FORMAT: 400,
  EMPTY_MESSAGE: 400,
  MESSAGE_TOO_LONG: 400,
  USERNAME_MISMATCH: 400,
  INVALID_CREDENTIALS: 401,
  INVALID_TOKEN: 401,
  TOKEN_EXPIRED: 401,
  NOT_AUTHENTICATED: 401,
  USERNAME_TAKEN: 409,
  UNAVAILABLE: 503,
  BUSY: 503,
  // Chat codes: no HTTP route raises them today; the table decides anyway.
  INVALID_ROOM: 400,
  INVALID_CLIENT_ID: 400,
  UNKNOWN_ROOM: 404,
  NOT_A_MEMBER: 403,
  TOO_MANY_ROOMS: 409,
  RATE_LIMITED: 429,
  NOT_AN_OWNER: 403,
  UNKNOWN_USER: 404,
  INVALID_TITLE: 400,
  INVALID_SEARCH: 400,
  TOKEN_IN_MESSAGE: 400,
  INVALID_COMMAND: 400,
  SESSION_REVOKED: 401,
  ACCOUNT_SUSPENDED: 403,
  INVALID_REFRESH: 401,
  REFRESH_REUSED: 401,
  WRONG_PASSWORD: 403,
  UNKNOWN_SESSION: 404,
  NOT_ADMINISTRATOR: 403,
  UNKNOWN_MESSAGE: 404,
  NOT_THE_AUTHOR: 403,
};

export interface HttpErrorReply {
  status: number;
  code: string;
  message: string;
  retryAfterSeconds?: number;
  /** Set when the failure was not deliberate: log it, tell the client nothing of it. */
  unexpected?: unknown;
}

const INVALID_JSON = { status: 400, code: 'INVALID_JSON', message: 'request body must be a valid JSON object' };

/** Errors the body parser (co-body, raw-body) raises on purpose, by their http-errors type. */
const PARSER_ERRORS: Record<string, Omit<HttpErrorReply, 'unexpected'>> = {
  'entity.parse.failed': INVALID_JSON,
  'entity.too.large': { status: 413, code: 'PAYLOAD_TOO_LARGE', message: 'request body must be at most 16 KiB' },
  'encoding.unsupported': { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: 'request body encoding is not supported' },
  'charset.unsupported': { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: 'request body must be UTF-8' },
  'request.size.invalid': { status: 400, code: 'INVALID_JSON', message: 'request body is shorter than its Content-Length' },
  'request.aborted': { status: 400, code: 'INVALID_JSON', message: 'request body was cut short' },
};

/** A refusal decided by the HTTP edge itself (format, media type, throttles), not by a use case. */
export class EdgeError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

/** How long a client should wait after a 503 BUSY / UNAVAILABLE before trying again. */
const RETRY_AFTER_UNAVAILABLE_SECONDS = 1;

export function httpErrorReply(error: unknown): HttpErrorReply {
  if (error instanceof EdgeError) {
    const { status, code, message, retryAfterSeconds } = error;
    return { status, code, message, ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}) };
  }
  if (isDomainError(error)) {
    const status = STATUS[error.code];
    const retryAfterSeconds = error.retryAfterSeconds ?? (status === 503 ? RETRY_AFTER_UNAVAILABLE_SECONDS : undefined);
    return { status, code: error.code, message: error.message, ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }) };
  }
  const type = (error as { type?: unknown } | null)?.type;
  const parserError = typeof type === 'string' ? PARSER_ERRORS[type] : undefined;
  if (parserError) return parserError;
  // co-body marks its JSON.parse failures (also for "__proto__" keys and non-object JSON) this way.
  if (error instanceof SyntaxError && (error as { status?: unknown }).status === 400) return INVALID_JSON;
  const { status, code } = (error ?? {}) as { status?: unknown; code?: unknown };
  // inflation refuses an unknown Content-Encoding with a bare 415; zlib fails on a body that does not decode.
  if (status === 415) return { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: 'request body encoding is not supported' };
  if (typeof code === 'string' && /^(Z_|ERR__ERROR_)/.test(code)) {
    return { ...INVALID_JSON, message: 'request body could not be decompressed' };
  }
  return { status: 500, code: 'INTERNAL', message: 'the server could not handle this request', unexpected: error };
}
