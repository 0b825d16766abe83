import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { refuseOnSocket } from './http-refusal.js';

export interface ConnectionLimits {
  maxConnections: number;
  maxConnectionsPerAddress: number;
  /** Unset: any Origin. Set: browsers from other origins are refused (cross-site WebSocket hijacking). */
  allowedOrigins: readonly string[] | undefined;
}

export interface UpgradeRefusal {
  status: 400 | 403 | 429 | 503;
  code: 'ORIGIN_NOT_ALLOWED' | 'TOO_MANY_CONNECTIONS' | 'INVALID_HISTORY_QUERY';
  reason: string;
}

/**
 * The cursor a reconnecting client gives in the URL (`/ws?after=1040`) to
 * resume `general`, which every connection is in from its first moment:
 * given there, no live message can come before the catch-up.
 */
export function resumeCursor(url: string): number | undefined | UpgradeRefusal {
  // Most connections have no query at all, and parsing a URL was 1.5% of accepting one.
  if (!url.includes('?')) return undefined;
  const after = new URL(url, 'http://localhost').searchParams.get('after');
  if (after === null) return undefined;
  const value = Number(after);
  if (/^[0-9]{1,16}$/.test(after) && Number.isSafeInteger(value)) return value;
  return { status: 400, code: 'INVALID_HISTORY_QUERY', reason: '"after" must be a message id: a whole number of at least 0' };
}

/** Whether a WebSocket upgrade may proceed; pure, so each rule is testable without sockets. */
export function upgradeRefusal(
  request: IncomingMessage,
  address: string,
  open: number,
  openFromAddress: number,
  limits: ConnectionLimits,
): UpgradeRefusal | undefined {
  if (!originAllowed(request, limits.allowedOrigins)) {
    return { status: 403, code: 'ORIGIN_NOT_ALLOWED', reason: 'this origin may not open a chat connection' };
  }
  if (open >= limits.maxConnections) {
    return { status: 503, code: 'TOO_MANY_CONNECTIONS', reason: 'the server has reached its connection limit; try again later' };
  }
  if (openFromAddress >= limits.maxConnectionsPerAddress) {
    return { status: 429, code: 'TOO_MANY_CONNECTIONS', reason: `too many connections from ${address}` };
  }
  return undefined;
}

/**
 * Clients without an Origin header are not browsers, so not hijackable; the
 * server's own web client has the server's own origin and always passes.
 */
function originAllowed(request: IncomingMessage, allowed: readonly string[] | undefined): boolean {
  const origin = request.headers.origin;
  if (allowed === undefined || origin === undefined) return true;
  if (allowed.includes(origin)) return true;
  try {
    return new URL(origin).host === request.headers.host;
  } catch {
    return false;
  }
}

/** Written on the raw socket: Koa never sees an upgrade request. */
export function refuseUpgrade(socket: Duplex, { status, code, reason }: UpgradeRefusal): void {
  refuseOnSocket(socket, { status, code, message: reason, ...(status === 403 || status === 400 ? {} : { retryAfter: 10 }) });
}
