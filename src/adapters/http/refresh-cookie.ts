import type { Context } from 'koa';

/**
 * The refresh credential of a browser's session travels in this cookie
 * only: HttpOnly, so no script of the page (nor one injected into it) can
 * read it; SameSite=Strict, so no other site's page can make the browser
 * send it; sent to the refresh route alone; Secure whenever the request
 * came over https (directly, or through a trusted proxy that says so).
 */
export const REFRESH_COOKIE = 'chat_refresh';
export const REFRESH_PATH = '/api/sessions/refresh';

export function setRefreshCookie(ctx: Context, token: string, expiresAt: Date, secure: boolean): void {
  const maxAge = Math.max(0, Math.floor((expiresAt.getTime() - Date.now()) / 1000));
  ctx.append('Set-Cookie', cookie(`${REFRESH_COOKIE}=${token}`, maxAge, secure));
}

/** Tells the browser to forget the credential: it names a session that has ended. */
export function clearRefreshCookie(ctx: Context, secure: boolean): void {
  ctx.append('Set-Cookie', cookie(`${REFRESH_COOKIE}=`, 0, secure));
}

export const refreshCookieOf = (ctx: Context): string | undefined => ctx.cookies.get(REFRESH_COOKIE) || undefined;

const cookie = (pair: string, maxAge: number, secure: boolean): string =>
  `${pair}; Path=${REFRESH_PATH}; Max-Age=${maxAge}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
