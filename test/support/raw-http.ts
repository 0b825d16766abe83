import net from 'node:net';

export interface RawHttpReply {
  /** Undefined when the server closed without answering. */
  status: number | undefined;
  headers: Record<string, string>;
  body: string;
  /** The body parsed as JSON, when it is JSON. */
  json: any;
}

/**
 * Writes one HTTP request byte for byte on a bare TCP socket, so that it can
 * lie about its framing (Content-Length, chunk sizes, encodings) in ways
 * fetch refuses to, and reads the first response.
 */
export function rawHttp(
  baseUrl: string,
  request: string | Buffer,
  options: { halfClose?: boolean; timeoutMs?: number; localAddress?: string } = {},
): Promise<RawHttpReply> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = net.connect({ port: Number(url.port), host: url.hostname, ...(options.localAddress ? { localAddress: options.localAddress } : {}) }, () => {
      socket.write(request);
      if (options.halfClose) socket.end();
    });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete answer within ${options.timeoutMs ?? 3000} ms: ${Buffer.concat(chunks).toString('latin1').slice(0, 200)}`));
    }, options.timeoutMs ?? 3000);
    const finish = () => {
      clearTimeout(timer);
      resolve(parseFirstResponse(Buffer.concat(chunks)));
    };
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('close', finish);
    socket.on('error', () => undefined);
  });
}

/** A POST with the given headers (Host, Connection: close and, unless given, Content-Length are added). */
export function rawPost(baseUrl: string, path: string, headers: Record<string, string>, body: string | Buffer = ''): Promise<RawHttpReply> {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  const lines = [`POST ${path} HTTP/1.1`, `Host: ${new URL(baseUrl).host}`, 'Connection: close'];
  const names = Object.keys(headers).map((name) => name.toLowerCase());
  if (!names.includes('content-length') && !names.includes('transfer-encoding')) lines.push(`Content-Length: ${bytes.length}`);
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  return rawHttp(baseUrl, Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`), bytes]));
}

/** Chunked transfer coding of `body` in one chunk, with `sizeClaim` written as the chunk size when given. */
export function chunked(body: string, sizeClaim?: string): string {
  return `${sizeClaim ?? Buffer.byteLength(body).toString(16)}\r\n${body}\r\n0\r\n\r\n`;
}

function parseFirstResponse(bytes: Buffer): RawHttpReply {
  const end = bytes.indexOf('\r\n\r\n');
  if (end === -1) return { status: undefined, headers: {}, body: '', json: undefined };
  const [statusLine = '', ...headerLines] = bytes.subarray(0, end).toString('latin1').split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const length = Number(headers['content-length'] ?? bytes.length - end - 4);
  const body = bytes.subarray(end + 4, end + 4 + length).toString();
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    json = undefined;
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body, json };
}
