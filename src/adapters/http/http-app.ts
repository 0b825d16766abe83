import type { IncomingMessage } from 'node:http';
import Router from '@koa/router';
import Koa, { type Context } from 'koa';
import bodyParser from 'koa-bodyparser';
import type { Login } from '../../application/login.js';
import { NO_METRICS, type ChatLimits, type ChatMetrics, type Logger, type RateLimiter } from '../../application/ports.js';
import { TITLE_MAX_CHARACTERS } from '../../domain/room.js';
import { SEARCH_PAGE_MAX, SEARCH_QUERY_MAX_CHARACTERS } from '../../domain/search.js';
import type { Credentials, Register, Session } from '../../application/register.js';
import { deviceOf } from '../../domain/session.js';
import { addAccountRoutes, type AccountUseCases } from './account-routes.js';
import { EdgeError, httpErrorReply } from './error-status.js';
import { opsRouter, type OpsOptions } from './ops-routes.js';
import { staticFiles } from './static-files.js';

export const BODY_LIMIT = '16kb';
const BODY_LIMIT_BYTES = 16 * 1024;

export interface HttpUseCases {
  register: Register;
  login: Login;
  /** Sessions and accounts: the routes of account-routes.ts. */
  accounts: Omit<AccountUseCases, 'register' | 'login'>;
}

export interface HttpThrottles {
  loginPerAccount: RateLimiter;
  loginPerAddress: RateLimiter;
  registerPerAddress: RateLimiter;
}

export interface HttpAppOptions {
  webClientDirectory: string;
  throttles: HttpThrottles;
  /** What /readyz checks and /metrics serves; without it /readyz checks nothing and there is no /metrics. */
  ops?: OpsOptions;
  /** Told the code of every error reply. */
  metrics?: ChatMetrics;
  /** Who a request comes from (the peer, or the client behind a trusted proxy). */
  clientAddress: (request: IncomingMessage) => string;
  /** What GET /api/limits tells clients, so that they can say a limit before the server refuses. */
  limits: ChatLimits;
  /** Whether a request came over https (to this server, or to a trusted proxy): the refresh cookie is Secure then. */
  isHttps: (request: IncomingMessage) => boolean;
}

function credentialsFrom(body: unknown): Credentials {
  const { username, password } = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  if (typeof username !== 'string' || typeof password !== 'string' || Array.isArray(body)) {
    throw new EdgeError(400, 'INVALID_FORMAT', 'body must be a JSON object with string fields "username" and "password"');
  }
  return { username, password };
}

/** Spends one unit of `key`'s budget, or refuses with 429 and when to come back. */
async function throttle(budget: RateLimiter, key: string, what: string): Promise<void> {
  const retryAfterSeconds = await budget.take(key);
  if (retryAfterSeconds > 0) {
    throw new EdgeError(429, 'RATE_LIMITED', `too many ${what}; try again in ${retryAfterSeconds} s`, retryAfterSeconds);
  }
}

const sessionBody = ({ username, token, expiresAt }: Session) => ({ token, username, expiresAt: expiresAt.toISOString() });

export function createHttpApp(useCases: HttpUseCases, logger: Logger, options: HttpAppOptions): Koa {
  const app = new Koa();
  const router = new Router({ prefix: '/api' });
  const { throttles } = options;
  const metrics = options.metrics ?? NO_METRICS;

  // The device goes to the session list; the answer stays the original protocol's, field for field.
  const device = (ctx: Context) => deviceOf(ctx.get('user-agent'), options.clientAddress(ctx.req));
  router.post('/reg', async (ctx) => {
    const credentials = credentialsFrom(ctx.request.body);
    await throttle(throttles.registerPerAddress, options.clientAddress(ctx.req), 'registrations from your address');
    ctx.status = 201;
    ctx.body = sessionBody(await useCases.register.execute({ ...credentials, device: device(ctx) }));
  });
  router.get('/limits', (ctx) => {
    const { messageMaxCharacters, historyMax, roomsPerConnection } = options.limits;
    ctx.body = {
      messageMax: messageMaxCharacters,
      historyMax,
      roomsPerConnection,
      titleMax: TITLE_MAX_CHARACTERS,
      searchQueryMax: SEARCH_QUERY_MAX_CHARACTERS,
      searchPageMax: SEARCH_PAGE_MAX,
    };
  });
  router.post('/login', async (ctx) => {
    const credentials = credentialsFrom(ctx.request.body);
    await throttle(throttles.loginPerAddress, options.clientAddress(ctx.req), 'logins from your address');
    await throttle(throttles.loginPerAccount, credentials.username.toLowerCase(), 'logins to this account');
    ctx.body = sessionBody(await useCases.login.execute({ ...credentials, device: device(ctx) }));
  });
  addAccountRoutes(
    router,
    { register: useCases.register, login: useCases.login, ...useCases.accounts },
    {
      throttle: (budget, key, what) => throttle(throttles[budget], key, what),
      clientAddress: options.clientAddress,
      isHttps: options.isHttps,
      credentialsFrom,
    },
  );

  app.use(async (ctx, next) => {
    try {
      await next();
      refuseUnanswered(ctx);
    } catch (error) {
      const reply = httpErrorReply(error);
      if (reply.unexpected !== undefined) {
        logger.error('request failed', { method: ctx.method, path: ctx.path, error: reply.unexpected });
      }
      metrics.httpErrorSent(reply.code);
      ctx.status = reply.status;
      if (reply.retryAfterSeconds !== undefined) ctx.set('Retry-After', String(reply.retryAfterSeconds));
      ctx.body = { error: { code: reply.code, message: reply.message } };
    }
  });
  const ops = opsRouter(options.ops ?? { readiness: [] });
  app.use(ops.routes());
  app.use(ops.allowedMethods({ throw: false }));
  app.use(staticFiles(options.webClientDirectory));
  app.use(async (ctx, next) => {
    // ctx.is() is null without a body (answered as INVALID_FORMAT below) and false for another type;
    // an empty body (Content-Length: 0, as fetch sends a POST without one) has no type to be wrong.
    if (ctx.path.startsWith('/api/') && ctx.method === 'POST') {
      if (ctx.is('application/json') === false && ctx.request.length !== 0) {
        throw new EdgeError(415, 'UNSUPPORTED_MEDIA_TYPE', 'send the body as JSON with Content-Type: application/json');
      }
      // The body parser truncates a length to 32 bits (2^32 reads as 0) and would wait for the body: refuse it now.
      if (Number(ctx.get('content-length')) > BODY_LIMIT_BYTES) {
        // The body is never read: what follows on this connection is not a request.
        ctx.set('Connection', 'close');
        throw new EdgeError(413, 'PAYLOAD_TOO_LARGE', 'request body must be at most 16 KiB');
      }
      // Bytes in another charset would be decoded as UTF-8 with replacement characters.
      const charset = ctx.request.charset;
      if (charset && !/^utf-?8$/i.test(charset)) {
        throw new EdgeError(415, 'UNSUPPORTED_MEDIA_TYPE', 'send the body as UTF-8 JSON');
      }
    }
    await next();
  });
  app.use(bodyParser({ enableTypes: ['json'], jsonLimit: BODY_LIMIT, strict: true }));
  app.use(router.routes());
  app.use(router.allowedMethods({ throw: false }));
  return app;
}

/** Koa leaves unmatched requests as bodiless 404/405/501; every error here has a JSON body. */
function refuseUnanswered(ctx: Context): void {
  if (ctx.body != null) return;
  if (ctx.status === 404) throw new EdgeError(404, 'NOT_FOUND', `nothing at ${ctx.method} ${ctx.path}`);
  if (ctx.status === 501) throw new EdgeError(501, 'NOT_IMPLEMENTED', `this server does not implement ${ctx.method}`);
  if (ctx.status === 405) {
    throw new EdgeError(405, 'METHOD_NOT_ALLOWED', `${ctx.path} does not take ${ctx.method}; allowed: ${ctx.response.get('Allow')}`);
  }
}
