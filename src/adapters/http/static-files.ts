import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import type { Middleware } from 'koa';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
};

interface StaticFile {
  type: string;
  etag: string;
  /** The bytes as they are, and compressed, where that is smaller. */
  identity: Buffer;
  br: Buffer | undefined;
  gzip: Buffer | undefined;
}

/** Compressed once, at start: a file served many times is not compressed on every request. */
function load(path: string, type: string): StaticFile {
  const identity = readFileSync(path);
  const smaller = (compressed: Buffer) => (compressed.length < identity.length ? compressed : undefined);
  return {
    type,
    etag: `"${createHash('sha256').update(identity).digest('base64url').slice(0, 27)}"`,
    identity,
    br: smaller(brotliCompressSync(identity, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } })),
    gzip: smaller(gzipSync(identity, { level: 9 })),
  };
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
    const compressed = encoding === 'br' ? file.br : encoding === 'gzip' ? file.gzip : undefined;
    if (compressed) ctx.set('Content-Encoding', encoding as string);
    ctx.body = compressed ?? file.identity;
  };
}
