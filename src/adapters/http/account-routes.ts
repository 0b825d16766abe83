import type { IncomingMessage } from 'node:http';
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { ChangePassword } from '../../application/change-password.js';
import type { DeleteAccount } from '../../application/delete-account.js';
import type { ListedSession, ListSessions } from '../../application/list-sessions.js';
import type { LogOutEverywhere } from '../../application/log-out-everywhere.js';
import type { Login } from '../../application/login.js';
import type { RefreshSession } from '../../application/refresh-session.js';
import type { Register, Session } from '../../application/register.js';
import type { ReinstateAccount } from '../../application/reinstate-account.js';
import type { RevokeSession } from '../../application/revoke-session.js';
import type { SuspendAccount } from '../../application/suspend-account.js';
import type { Principal, VerifyAccess } from '../../application/verify-access.js';
import { isDomainError } from '../../domain/errors.js';
import { deviceOf } from '../../domain/session.js';
import { EdgeError } from './error-status.js';
import { clearRefreshCookie, refreshCookieOf, setRefreshCookie } from './refresh-cookie.js';

export interface AccountUseCases {
  register: Register;
  login: Login;
  verifyAccess: VerifyAccess;
  refreshSession: RefreshSession;
  listSessions: ListSessions;
  revokeSession: RevokeSession;
  logOutEverywhere: LogOutEverywhere;
  changePassword: ChangePassword;
  deleteAccount: DeleteAccount;
  suspendAccount: SuspendAccount;
  reinstateAccount: ReinstateAccount;
}

export interface AccountRouteOptions {
  /** Spends a budget or refuses with 429 (the same budgets as /api/login: every password check spends them). */
  throttle: (budget: 'loginPerAccount' | 'loginPerAddress' | 'registerPerAddress', key: string, what: string) => Promise<void>;
  clientAddress: (request: IncomingMessage) => string;
  /** The request came over https, to this server or to a trusted proxy: the refresh cookie is Secure. */
  isHttps: (request: IncomingMessage) => boolean;
  /** Reads `{"username", "password"}`, or refuses with INVALID_FORMAT. */
  credentialsFrom: (body: unknown) => { username: string; password: string };
}

/** The answer of a refresh session's login, registration or refresh; the refresh credential goes in the cookie, never here. */
const refreshSessionBody = ({ token, username, expiresAt, sessionId, refresh }: Session) => ({
  token,
  username,
  expiresAt: expiresAt.toISOString(),
  sessionId,
  refreshExpiresAt: refresh?.expiresAt.toISOString(),
});

const sessionEntry = ({ session, current }: ListedSession) => ({
  id: session.id,
  current,
  kind: session.kind,
  createdAt: session.createdAt.toISOString(),
  lastSeenAt: session.lastSeenAt.toISOString(),
  expiresAt: session.expiresAt.toISOString(),
  userAgent: session.device.userAgent,
  address: session.device.address,
});

/** String fields of a JSON object body, or INVALID_FORMAT naming them. */
function stringFields<Name extends string>(body: unknown, names: readonly Name[]): Record<Name, string> {
  const record = (typeof body === 'object' && body !== null && !Array.isArray(body) ? body : {}) as Record<string, unknown>;
  if (names.some((name) => typeof record[name] !== 'string')) {
    throw new EdgeError(400, 'INVALID_FORMAT', `body must be a JSON object with string fields ${names.map((name) => `"${name}"`).join(', ')}`);
  }
  return record as Record<Name, string>;
}

/**
 * Sessions and accounts (docs/protocol.md, "Sessions and accounts"). Every
 * route but the logins and the refresh takes `Authorization: Bearer
 * <token>`, checked against the store on each request.
 */
export function addAccountRoutes(router: Router, useCases: AccountUseCases, options: AccountRouteOptions): void {
  const { throttle, clientAddress, isHttps } = options;
  const device = (ctx: Context) => deviceOf(ctx.get('user-agent'), clientAddress(ctx.req));
  const principal = async (ctx: Context): Promise<Principal> => {
    const match = /^Bearer +([^ ]+) *$/i.exec(ctx.get('authorization'));
    if (!match) {
      ctx.set('WWW-Authenticate', 'Bearer');
      throw new EdgeError(401, 'NOT_AUTHENTICATED', 'send the token as "Authorization: Bearer <token>"');
    }
    return useCases.verifyAccess.execute({ token: match[1] as string });
  };
  /** A password is about to be compared: the same budgets a login spends. */
  const throttlePasswordCheck = async (ctx: Context, username: string) => {
    await throttle('loginPerAddress', clientAddress(ctx.req), 'password checks from your address');
    await throttle('loginPerAccount', username.toLowerCase(), 'password checks for this account');
  };
  const answerRefreshSession = (ctx: Context, session: Session) => {
    if (session.refresh) setRefreshCookie(ctx, session.refresh.token, session.refresh.expiresAt, isHttps(ctx.req));
    ctx.set('Cache-Control', 'no-store');
    ctx.body = refreshSessionBody(session);
  };

  router.post('/account', async (ctx) => {
    const credentials = options.credentialsFrom(ctx.request.body);
    await throttle('registerPerAddress', clientAddress(ctx.req), 'registrations from your address');
    ctx.status = 201;
    answerRefreshSession(ctx, await useCases.register.execute({ ...credentials, device: device(ctx), kind: 'refresh' }));
  });
  router.get('/account', async (ctx) => {
    const { user } = await principal(ctx);
    ctx.body = { username: user.username, role: user.role };
  });
  router.post('/account/password', async (ctx) => {
    const who = await principal(ctx);
    const { currentPassword, newPassword } = stringFields(ctx.request.body, ['currentPassword', 'newPassword']);
    await throttlePasswordCheck(ctx, who.user.username);
    await useCases.changePassword.execute({ principal: who, currentPassword, newPassword });
    ctx.status = 204;
  });
  router.post('/account/delete', async (ctx) => {
    const who = await principal(ctx);
    const { password } = stringFields(ctx.request.body, ['password']);
    await throttlePasswordCheck(ctx, who.user.username);
    await useCases.deleteAccount.execute({ principal: who, password });
    clearRefreshCookie(ctx, isHttps(ctx.req));
    ctx.status = 204;
  });

  router.post('/sessions', async (ctx) => {
    const credentials = options.credentialsFrom(ctx.request.body);
    await throttlePasswordCheck(ctx, credentials.username);
    ctx.status = 201;
    answerRefreshSession(ctx, await useCases.login.execute({ ...credentials, device: device(ctx), kind: 'refresh' }));
  });
  router.post('/sessions/refresh', async (ctx) => {
    const refreshToken = refreshCookieOf(ctx);
    if (refreshToken === undefined) throw new EdgeError(401, 'INVALID_REFRESH', 'no refresh credential: log in with POST /api/sessions');
    try {
      answerRefreshSession(ctx, await useCases.refreshSession.execute({ refreshToken }));
    } catch (error) {
      // A credential that will never work again is forgotten by the browser.
      if (isDomainError(error) && ['INVALID_REFRESH', 'REFRESH_REUSED', 'SESSION_REVOKED'].includes(error.code)) clearRefreshCookie(ctx, isHttps(ctx.req));
      throw error;
    }
  });
  router.get('/sessions', async (ctx) => {
    const who = await principal(ctx);
    ctx.body = { sessions: (await useCases.listSessions.execute({ principal: who })).map(sessionEntry) };
  });
  router.delete('/sessions', async (ctx) => {
    const who = await principal(ctx);
    await useCases.logOutEverywhere.execute({ principal: who });
    clearRefreshCookie(ctx, isHttps(ctx.req));
    ctx.status = 204;
  });
  router.delete('/sessions/:id', async (ctx) => {
    const who = await principal(ctx);
    const sessionId = ctx.params.id as string;
    await useCases.revokeSession.execute({ principal: who, sessionId });
    if (sessionId === who.session.id) clearRefreshCookie(ctx, isHttps(ctx.req));
    ctx.status = 204;
  });

  router.post('/users/:username/suspend', async (ctx) => {
    const { user } = await principal(ctx);
    await useCases.suspendAccount.execute({ actor: user, username: ctx.params.username as string });
    ctx.status = 204;
  });
  router.post('/users/:username/reinstate', async (ctx) => {
    const { user } = await principal(ctx);
    await useCases.reinstateAccount.execute({ actor: user, username: ctx.params.username as string });
    ctx.status = 204;
  });
}
