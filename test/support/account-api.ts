import { TEST_PASSWORD } from './test-server.js';

export interface ApiReply {
  status: number;
  headers: Headers;
  /** The body as sent, for byte-for-byte checks. */
  text: string;
  body: any;
  /** Set-Cookie lines. */
  cookies: string[];
}

export interface CallOptions {
  token?: string;
  /** The refresh credential, sent as the browser would: in the Cookie header. */
  refresh?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

/** The session and account routes of one server node, over real HTTP. */
export class AccountApi {
  constructor(readonly baseUrl: string) {}

  async call(method: string, path: string, { token, refresh, body, headers = {} }: CallOptions = {}): Promise<ApiReply> {
    const response = await fetch(this.baseUrl + path, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
        ...(refresh === undefined ? {} : { cookie: `chat_refresh=${refresh}` }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, text, body: text ? JSON.parse(text) : undefined, cookies: response.headers.getSetCookie() };
  }

  /** The original /api/login: a token session. */
  async login(username: string, password = TEST_PASSWORD, userAgent = 'test'): Promise<{ token: string; sessionId: string }> {
    const reply = await this.call('POST', '/api/login', { body: { username, password }, headers: { 'user-agent': userAgent } });
    if (reply.status !== 200) throw new Error(`login failed: ${reply.text}`);
    return { token: reply.body.token, sessionId: sessionIdOf(reply.body.token) };
  }

  /** POST /api/sessions: a refresh session, its access token and its refresh credential (from the cookie). */
  async openSession(username: string, password = TEST_PASSWORD, userAgent = 'test'): Promise<{ token: string; sessionId: string; refresh: string }> {
    const reply = await this.call('POST', '/api/sessions', { body: { username, password }, headers: { 'user-agent': userAgent } });
    if (reply.status !== 201) throw new Error(`session failed: ${reply.text}`);
    return { token: reply.body.token, sessionId: reply.body.sessionId, refresh: refreshCookieOf(reply) as string };
  }
}

/** The refresh credential a reply's Set-Cookie gives; '' when it clears it; undefined when it sets none. */
export function refreshCookieOf(reply: ApiReply): string | undefined {
  const line = reply.cookies.find((cookie) => cookie.startsWith('chat_refresh='));
  return line === undefined ? undefined : (/^chat_refresh=([^;]*)/.exec(line)?.[1] ?? '');
}

/** The session a token names (its `sid` claim), read without checking the signature. */
export function sessionIdOf(token: string): string {
  const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as { sid?: string };
  return payload.sid ?? '';
}
