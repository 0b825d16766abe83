import type { Duplex } from 'node:stream';

const REASON_PHRASES: Record<number, string> = {
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  408: 'Request Timeout',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  503: 'Service Unavailable',
};

export interface HttpRefusal {
  status: keyof typeof REASON_PHRASES;
  code: string;
  message: string;
  /** Seconds; only for refusals that lift with time. */
  retryAfter?: number;
}

/**
 * An HTTP error written straight on a socket that Koa never sees (a refused
 * upgrade, a request the parser rejected, a socket over its address's
 * limit), with the same JSON body as every other error, and closed.
 */
export function refuseOnSocket(socket: Duplex, { status, code, message, retryAfter }: HttpRefusal): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify({ error: { code, message } });
  socket.end(
    `HTTP/1.1 ${status} ${REASON_PHRASES[status] ?? 'Error'}\r\n` +
      'Connection: close\r\nContent-Type: application/json\r\n' +
      (retryAfter === undefined ? '' : `Retry-After: ${retryAfter}\r\n`) +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
