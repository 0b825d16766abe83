import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import type { Middleware } from 'koa';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
};

type Encoding = 'br' | 'gzip';

const brotliAsync = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

const COMPRESS: Record<Encoding, (bytes: Buffer) => Promise<Buffer>> = {
  br: (bytes) => brotliAsync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
  gzip: (bytes) => gzipAsync(bytes, { level: 9 }),
};

interface StaticFile {
  type: string;
  etag: string;
  identity: Buffer;
  /** Each encoding's bytes (undefined where they are not smaller), made at the first request that takes it. */
  encoded: Map<Encoding, Promise<Buffer | undefined>>;
}

function load(path: string, type: string): StaticFile {
  const identity = readFileSync(path);
  return { type, etag: `"${createHash('sha256').update(identity).digest('base64url').slice(0, 27)}"`, identity, encoded: new Map() };
}

/**
 * Compressed once per file and encoding, at its first request, on libuv's
 * threads: at start it cost every process ~300 ms of CPU (brotli's best
 * quality, ~300 KB), paid again by every server that never serves a page,
 * and a compression on the event loop would hold up the chat meanwhile.
 * Requests that come while it runs wait for the same result.
 */
function encodedAs(file: StaticFile, encoding: Encoding): Promise<Buffer | undefined> {
  let encoded = file.encoded.get(encoding);
  if (!encoded) {
    encoded = COMPRESS[encoding](file.identity).then(
      (bytes) => (bytes.length < file.identity.length ? bytes : undefined),
      () => undefined,
    );
    file.encoded.set(encoding, encoded);
  }
  return encoded;
}

/**
 * Serves the web client from memory. The files are read once at start, so a
 * request path is only ever a key in a map and cannot reach the disk. Each
 * answer is revalidated (no-cache) against its ETag, so a reload costs a 304
 * per file, and goes brotli- or gzip-compressed to a browser that takes it.
 */
export function staticFiles(directory: string): Middleware {
  const files = new Map<string, StaticFile>();
  for (const name of readdirSync(directory)) {
    const type = CONTENT_TYPES[extname(name)];
    if (type) files.set(`/${name}`, load(join(directory, name), type));
  }
  const index = files.get('/index.html');
  if (index) files.set('/', index);

  return async (ctx, next) => {
    const file = ctx.method === 'GET' || ctx.method === 'HEAD' ? files.get(ctx.path) : undefined;
    if (!file) {
      await next();
      return;
    }
    ctx.set('Cache-Control', 'no-cache');
    ctx.set('ETag', file.etag);
    ctx.set('Vary', 'Accept-Encoding');
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Content-Security-Policy', "default-src 'self'; connect-src 'self' ws: wss:; frame-ancestors 'none'");
    if (ctx.get('If-None-Match') === file.etag) {
      ctx.status = 304;
      return;
    }
    ctx.type = file.type;
    const encoding = ctx.acceptsEncodings('br', 'gzip', 'identity');
    const compressed = encoding === 'br' || encoding === 'gzip' ? await encodedAs(file, encoding) : undefined;
    if (compressed) ctx.set('Content-Encoding', encoding as string);
    ctx.body = compressed ?? file.identity;
  };
}
