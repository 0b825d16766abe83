import { DomainError } from '../../domain/errors.js';

/**
 * Node socket errors and SQLSTATEs that mean "the database is out of reach",
 * not "this query is wrong". EMFILE and ENFILE too: a process out of file
 * descriptors cannot open a connection to it, which is an outage, not a fault.
 */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EMFILE',
  'ENFILE',
  '57P01',
  '57P02',
  '57P03',
  '53300',
]);

export function isUnreachable(error: unknown): boolean {
  const { code, name, message } = (error ?? {}) as { code?: unknown; name?: unknown; message?: unknown };
  return (
    (typeof code === 'string' && (UNREACHABLE_CODES.has(code) || code.startsWith('08'))) ||
    name === 'KnexTimeoutError' ||
    // "timeout expired": pg's connect timeout, when it fires on a TCP connection that nothing answers (a partition).
    (typeof message === 'string' && /Connection terminated|connection timeout|not queryable|Query read timeout|^timeout expired$/i.test(message))
  );
}

/** Adapters translate both ways: an outage becomes the domain's UNAVAILABLE, anything else stays a fault. */
export function translateDatabaseFailure(error: unknown): unknown {
  return isUnreachable(error) ? new DomainError('UNAVAILABLE', 'the database is unavailable; try again shortly') : error;
}

/** For a query's .catch(): rethrows the failure, translated. */
export function rethrowDatabaseFailure(error: unknown): never {
  throw translateDatabaseFailure(error);
}
