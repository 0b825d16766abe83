import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { Middleware } from 'koa';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
};

interface StaticFile {
  body: Buffer;
  type: string;
}

/**
 * Serves the web client from memory. The files are read once at start, so a
 * request path is only ever a key in a map and cannot reach the disk.
 */
export function staticFiles(directory: string): Middleware {
  const files = new Map<string, StaticFile>();
  for (const name of readdirSync(directory)) {
    const type = CONTENT_TYPES[extname(name)];
    if (type) files.set(`/${name}`, { body: readFileSync(join(directory, name)), type });
  }
  const index = files.get('/index.html');
  if (index) files.set('/', index);

  return async (ctx, next) => {
    const file = ctx.method === 'GET' || ctx.method === 'HEAD' ? files.get(ctx.path) : undefined;
    if (!file) {
      await next();
      return;
    }
    ctx.type = file.type;
    ctx.set('Cache-Control', 'no-cache');
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Content-Security-Policy', "default-src 'self'; connect-src 'self' ws: wss:; frame-ancestors 'none'");
    ctx.body = file.body;
  };
}
