import Router from '@koa/router';
import Koa from 'koa';
import bodyParser from 'koa-bodyparser';
import type { Login } from '../../application/login.js';
import type { Logger } from '../../application/ports.js';
import type { Credentials, Register, Session } from '../../application/register.js';
import { httpErrorReply } from './error-status.js';
import { staticFiles } from './static-files.js';

export const BODY_LIMIT = '16kb';

export interface HttpUseCases {
  register: Register;
  login: Login;
}

export interface HttpAppOptions {
  webClientDirectory: string;
}

class BadRequest extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function credentialsFrom(body: unknown): Credentials {
  const { username, password } = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  if (typeof username !== 'string' || typeof password !== 'string' || Array.isArray(body)) {
    throw new BadRequest(400, 'INVALID_FORMAT', 'body must be a JSON object with string fields "username" and "password"');
  }
  return { username, password };
}

const sessionBody = ({ username, token, expiresAt }: Session) => ({ token, username, expiresAt: expiresAt.toISOString() });

export function createHttpApp(useCases: HttpUseCases, logger: Logger, options: HttpAppOptions): Koa {
  const app = new Koa();
  const router = new Router({ prefix: '/api' });

  router.post('/reg', async (ctx) => {
    ctx.status = 201;
    ctx.body = sessionBody(await useCases.register.execute(credentialsFrom(ctx.request.body)));
  });
  router.post('/login', async (ctx) => {
    ctx.body = sessionBody(await useCases.login.execute(credentialsFrom(ctx.request.body)));
  });

  app.use(async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body == null) {
        throw new BadRequest(404, 'NOT_FOUND', `nothing at ${ctx.method} ${ctx.path}`);
      }
      if (ctx.status === 405 && ctx.body == null) {
        throw new BadRequest(405, 'METHOD_NOT_ALLOWED', `${ctx.path} does not take ${ctx.method}; allowed: ${ctx.response.get('Allow')}`);
      }
    } catch (error) {
      const reply = error instanceof BadRequest ? error : httpErrorReply(error);
      if ('unexpected' in reply && reply.unexpected !== undefined) {
        logger.error('request failed', { method: ctx.method, path: ctx.path, error: reply.unexpected });
      }
      ctx.status = reply.status;
      ctx.body = { error: { code: reply.code, message: reply.message } };
    }
  });
  app.use(staticFiles(options.webClientDirectory));
  app.use(async (ctx, next) => {
    if (ctx.path.startsWith('/api/') && ctx.method === 'POST' && ctx.is('application/json') === false) {
      throw new BadRequest(415, 'UNSUPPORTED_MEDIA_TYPE', 'send the body as JSON with Content-Type: application/json');
    }
    await next();
  });
  app.use(bodyParser({ enableTypes: ['json'], jsonLimit: BODY_LIMIT, strict: true }));
  app.use(router.routes());
  app.use(router.allowedMethods({ throw: false }));
  return app;
}
