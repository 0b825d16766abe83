import { expect } from 'chai';
import { AccountApi, refreshCookieOf, sessionIdOf, type ApiReply } from '../support/account-api.js';
import { POSTGRESQL_ONLY } from '../support/databases.js';
import { describeOnEachDatabase } from '../support/each-database.js';
import { TEST_PASSWORD, type TestServer } from '../support/test-server.js';
import type { TestClient } from '../support/ws-client.js';

const NEW_PASSWORD = 'a brand new password';
const ISO = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z';
const JWT = '[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+';

function expectError(reply: ApiReply, status: number, code: string): void {
  expect(reply.status, reply.text).to.equal(status);
  expect(reply.body.error.code).to.equal(code);
  expect(reply.body.error.message).to.be.a('string').and.not.be.empty;
}

/** A connection authorized with `token`, as the original protocol does it. */
async function connectWith(server: TestServer, username: string, token: string): Promise<TestClient> {
  const client = await server.connect();
  await client.auth(username, token);
  return client;
}

/** The next frame must say the connection's session ended, for this reason. */
async function expectRevoked(client: TestClient, reason: string): Promise<void> {
  const frame = await client.next();
  expect(frame).to.deep.include({ type: 'info', code: 'SESSION_REVOKED', reason });
  expect(frame.message).to.be.a('string').and.not.be.empty;
}

/** The connection is unauthorized: a post is refused, nothing stored. */
async function expectUnauthorized(client: TestClient, username: string): Promise<void> {
  client.send(username, 'still here?');
  expect(await client.next()).to.include({ type: 'error', code: 'NOT_AUTHENTICATED' });
}

describeOnEachDatabase('Accounts and sessions', {}, (server) => {
  const api = () => new AccountApi(server().baseUrl);
  const storedTexts = async () => (await server().db('messages').orderBy('id').select('username', 'text')).map((r) => `${r.username}: ${r.text}`);

  describe('the original protocol, byte for byte', () => {
    it('answers /api/reg and /api/login with exactly {"token","username","expiresAt"}, no cookie', async () => {
      const reg = await api().call('POST', '/api/reg', { body: { username: 'Alice', password: TEST_PASSWORD } });
      expect(reg.status).to.equal(201);
      expect(reg.text).to.match(new RegExp(`^\\{"token":"${JWT}","username":"Alice","expiresAt":"${ISO}"\\}$`));
      expect(reg.headers.get('content-type')).to.equal('application/json; charset=utf-8');
      expect(reg.cookies).to.deep.equal([]);
      const login = await api().call('POST', '/api/login', { body: { username: 'alice', password: TEST_PASSWORD } });
      expect(login.status).to.equal(200);
      expect(login.text).to.match(new RegExp(`^\\{"token":"${JWT}","username":"Alice","expiresAt":"${ISO}"\\}$`));
      expect(login.cookies).to.deep.equal([]);
    });

    it('speaks the original WebSocket frames, unchanged, to a client authorized with such a token', async () => {
      const token = await server().register('alice');
      const client = await server().connect();
      const raw: string[] = [];
      client.socket.on('message', (data) => raw.push((data as Buffer).toString()));
      client.send('alice', `auth ${token}`);
      await client.next();
      client.send('alice', 'hello world');
      await client.next();
      client.send('alice', 'history 10');
      await client.next();
      const normalized = raw.map((frame) => frame.replace(new RegExp(ISO, 'g'), 'T'));
      expect(normalized).to.deep.equal([
        '{"type":"info","code":"AUTHENTICATED","message":"authorized as alice"}',
        '{"type":"message","room":"general","id":1,"username":"alice","message":"hello world","createdAt":"T"}',
        '{"type":"history","messages":[{"id":1,"username":"alice","message":"hello world","createdAt":"T"}]}',
      ]);
    });

    it('gives every /api/login its own session, which the token names', async () => {
      await server().register('alice');
      const first = await api().login('alice');
      const second = await api().login('alice');
      expect(first.sessionId).to.be.a('string').and.not.equal(second.sessionId);
      const listed = await api().call('GET', '/api/sessions', { token: first.token });
      const ids = (listed.body.sessions as Array<{ id: string }>).map((s) => s.id);
      expect(ids).to.include.members([first.sessionId, second.sessionId]);
    });
  });

  describe('POST /api/sessions and the refresh cookie', () => {
    it('answers 201 with a short access token, and keeps the refresh credential in an HttpOnly, SameSite=Strict cookie for the refresh route', async () => {
      await server().register('alice');
      const reply = await api().call('POST', '/api/sessions', { body: { username: 'alice', password: TEST_PASSWORD } });
      expect(reply.status, reply.text).to.equal(201);
      expect(Object.keys(reply.body)).to.deep.equal(['token', 'username', 'expiresAt', 'sessionId', 'refreshExpiresAt']);
      expect(sessionIdOf(reply.body.token)).to.equal(reply.body.sessionId);
      const lifetime = new Date(reply.body.expiresAt).getTime() - Date.now();
      expect(lifetime).to.be.within(14 * 60_000, 15 * 60_000);
      expect(new Date(reply.body.refreshExpiresAt).getTime() - Date.now()).to.be.within(29 * 86_400_000, 30 * 86_400_000);
      expect(reply.headers.get('cache-control')).to.equal('no-store');
      const [cookie] = reply.cookies;
      expect(cookie).to.match(/^chat_refresh=[A-Za-z0-9_-]{43}; Path=\/api\/sessions\/refresh; Max-Age=\d+; HttpOnly; SameSite=Strict$/);
      expect(reply.text).not.to.include(refreshCookieOf(reply));
    });

    it('makes the cookie Secure only for requests that came over https, which a client cannot claim by itself', async () => {
      await server().register('alice');
      const reply = await api().call('POST', '/api/sessions', {
        body: { username: 'alice', password: TEST_PASSWORD },
        headers: { 'x-forwarded-proto': 'https' },
      });
      expect(reply.cookies[0]).not.to.include('Secure');
    });

    it('refuses a wrong password as 401 INVALID_CREDENTIALS, setting no cookie', async () => {
      await server().register('alice');
      const reply = await api().call('POST', '/api/sessions', { body: { username: 'alice', password: 'wrong password' } });
      expectError(reply, 401, 'INVALID_CREDENTIALS');
      expect(reply.cookies).to.deep.equal([]);
    });

    it('registers with POST /api/account as a refresh session', async () => {
      const reply = await api().call('POST', '/api/account', { body: { username: 'newbie', password: TEST_PASSWORD } });
      expect(reply.status, reply.text).to.equal(201);
      expect(refreshCookieOf(reply)).to.have.length(43);
      expect((await api().call('GET', '/api/account', { token: reply.body.token })).body).to.deep.equal({ username: 'newbie', role: 'member' });
    });

    it('rotates the credential on every refresh: a new access token for the same session, a new cookie', async () => {
      await server().register('alice');
      const opened = await api().openSession('alice');
      const refreshed = await api().call('POST', '/api/sessions/refresh', { refresh: opened.refresh });
      expect(refreshed.status, refreshed.text).to.equal(200);
      expect(refreshed.body.sessionId).to.equal(opened.sessionId);
      expect(sessionIdOf(refreshed.body.token)).to.equal(opened.sessionId);
      const next = refreshCookieOf(refreshed);
      expect(next).to.have.length(43).and.not.equal(opened.refresh);
      expect((await api().call('POST', '/api/sessions/refresh', { refresh: next })).status).to.equal(200);
    });

    it('ends the session when a rotated-out credential comes back: REFRESH_REUSED, the cookie cleared, its connections told', async () => {
      await server().register('alice');
      const opened = await api().openSession('alice');
      const client = await connectWith(server(), 'alice', opened.token);
      const second = refreshCookieOf(await api().call('POST', '/api/sessions/refresh', { refresh: opened.refresh })) as string;
      // As if the grace for a lost answer (10 s) had passed since the rotation.
      await server()
        .db('refresh_credentials')
        .whereNotNull('replaced_at')
        .update({ replaced_at: new Date(Date.now() - 60_000) });
      const reused = await api().call('POST', '/api/sessions/refresh', { refresh: opened.refresh });
      expectError(reused, 401, 'REFRESH_REUSED');
      expect(refreshCookieOf(reused)).to.equal('');
      await expectRevoked(client, 'refresh_reused');
      await expectUnauthorized(client, 'alice');
      // The holder of the current credential is logged out too, and nothing new was issued.
      const count = await server().db('refresh_credentials').count({ n: '*' });
      expectError(await api().call('POST', '/api/sessions/refresh', { refresh: second }), 401, 'SESSION_REVOKED');
      expect(await server().db('refresh_credentials').count({ n: '*' })).to.deep.equal(count);
      expectError(await api().call('GET', '/api/sessions', { token: opened.token }), 401, 'SESSION_REVOKED');
    });

    it('refuses a refresh without a cookie, or with an unknown one, as 401 INVALID_REFRESH', async () => {
      expectError(await api().call('POST', '/api/sessions/refresh'), 401, 'INVALID_REFRESH');
      expectError(await api().call('POST', '/api/sessions/refresh', { refresh: 'A'.repeat(43) }), 401, 'INVALID_REFRESH');
      expectError(await api().call('POST', '/api/sessions/refresh', { refresh: 'garbage' }), 401, 'INVALID_REFRESH');
    });
  });

  describe('listing and revoking sessions', () => {
    it("lists the owner's sessions with device, address and last seen, marking the current one", async () => {
      await server().register('alice');
      const phone = await api().login('alice', TEST_PASSWORD, 'Phone/1.0');
      const laptop = await api().openSession('alice', TEST_PASSWORD, 'Laptop/2.0');
      const reply = await api().call('GET', '/api/sessions', { token: laptop.token });
      expect(reply.status).to.equal(200);
      const byId = new Map((reply.body.sessions as Array<{ id: string }>).map((s) => [s.id, s]));
      expect(byId.get(phone.sessionId)).to.deep.include({ current: false, kind: 'token', userAgent: 'Phone/1.0', address: '127.0.0.1' });
      expect(byId.get(laptop.sessionId)).to.deep.include({ current: true, kind: 'refresh', userAgent: 'Laptop/2.0', address: '127.0.0.1' });
      for (const session of reply.body.sessions) expect(session.lastSeenAt).to.match(new RegExp(`^${ISO}$`));
    });

    it('revokes another session: its open connection is told at once and unauthorized, its token refused everywhere', async () => {
      await server().register('alice');
      const phone = await api().login('alice', TEST_PASSWORD, 'Phone/1.0');
      const laptop = await api().login('alice', TEST_PASSWORD, 'Laptop/2.0');
      const lost = await connectWith(server(), 'alice', phone.token);
      const kept = await connectWith(server(), 'alice', laptop.token);
      expect((await api().call('DELETE', `/api/sessions/${phone.sessionId}`, { token: laptop.token })).status).to.equal(204);
      await expectRevoked(lost, 'revoked');
      await expectUnauthorized(lost, 'alice');
      lost.send('alice', `auth ${phone.token}`);
      expect(await lost.next()).to.include({ type: 'error', code: 'SESSION_REVOKED' });
      expectError(await api().call('GET', '/api/sessions', { token: phone.token }), 401, 'SESSION_REVOKED');
      // The other session goes on.
      kept.send('alice', 'from the laptop');
      expect(await kept.next()).to.include({ type: 'message', message: 'from the laptop' });
      expect(await storedTexts()).to.deep.equal(['alice: from the laptop']);
      const fresh = await server().connect();
      fresh.send('alice', `auth ${phone.token}`);
      expect(await fresh.next()).to.include({ type: 'error', code: 'SESSION_REVOKED' });
    });

    it("refuses another user's session, or one that does not exist, as 404 UNKNOWN_SESSION, ending nothing", async () => {
      await server().register('alice');
      await server().register('bob');
      const alice = await api().login('alice');
      const bob = await api().login('bob');
      expectError(await api().call('DELETE', `/api/sessions/${bob.sessionId}`, { token: alice.token }), 404, 'UNKNOWN_SESSION');
      expectError(await api().call('DELETE', '/api/sessions/nope', { token: alice.token }), 404, 'UNKNOWN_SESSION');
      expect((await api().call('GET', '/api/sessions', { token: bob.token })).status).to.equal(200);
    });

    it('logs out everywhere: every session of the user ends, the asking one too, and every connection is told', async () => {
      await server().register('alice');
      await server().register('bob');
      const phone = await api().login('alice');
      const laptop = await api().openSession('alice');
      const bob = await api().login('bob');
      const clients = [await connectWith(server(), 'alice', phone.token), await connectWith(server(), 'alice', laptop.token)];
      const bobClient = await connectWith(server(), 'bob', bob.token);
      const reply = await api().call('DELETE', '/api/sessions', { token: laptop.token });
      expect(reply.status).to.equal(204);
      expect(refreshCookieOf(reply)).to.equal('');
      for (const client of clients) await expectRevoked(client, 'logged_out_everywhere');
      expectError(await api().call('POST', '/api/sessions/refresh', { refresh: laptop.refresh }), 401, 'SESSION_REVOKED');
      bobClient.send('bob', 'unaffected');
      expect(await bobClient.next()).to.include({ type: 'message', username: 'bob' });
    });

    it('answers a request without a bearer token 401 NOT_AUTHENTICATED, and a bad one 401 INVALID_TOKEN', async () => {
      const missing = await api().call('GET', '/api/sessions');
      expectError(missing, 401, 'NOT_AUTHENTICATED');
      expect(missing.headers.get('www-authenticate')).to.equal('Bearer');
      expectError(await api().call('GET', '/api/sessions', { token: 'not.a.token' }), 401, 'INVALID_TOKEN');
    });
  });

  describe('changing the password', () => {
    it('needs the current password, ends every other session (its connections told), keeps this one', async () => {
      await server().register('alice');
      const phone = await api().login('alice');
      const laptop = await api().openSession('alice');
      const stolen = await connectWith(server(), 'alice', phone.token);
      const own = await connectWith(server(), 'alice', laptop.token);
      const reply = await api().call('POST', '/api/account/password', {
        token: laptop.token,
        body: { currentPassword: TEST_PASSWORD, newPassword: NEW_PASSWORD },
      });
      expect(reply.status, reply.text).to.equal(204);
      await expectRevoked(stolen, 'password_changed');
      own.send('alice', 'still mine');
      expect(await own.next()).to.include({ type: 'message', message: 'still mine' });
      expect((await api().call('GET', '/api/sessions', { token: laptop.token })).body.sessions).to.have.length(1);
      expectError(await api().call('POST', '/api/login', { body: { username: 'alice', password: TEST_PASSWORD } }), 401, 'INVALID_CREDENTIALS');
      expect((await api().call('POST', '/api/login', { body: { username: 'alice', password: NEW_PASSWORD } })).status).to.equal(200);
    });

    it('refuses a wrong current password as 403 WRONG_PASSWORD, changing nothing and ending nothing', async () => {
      await server().register('alice');
      const phone = await api().login('alice');
      const laptop = await api().login('alice');
      const before = await server().db('users').first('password_hash');
      const reply = await api().call('POST', '/api/account/password', {
        token: laptop.token,
        body: { currentPassword: 'not the password', newPassword: NEW_PASSWORD },
      });
      expectError(reply, 403, 'WRONG_PASSWORD');
      expect(await server().db('users').first('password_hash')).to.deep.equal(before);
      expect((await api().call('GET', '/api/sessions', { token: phone.token })).status).to.equal(200);
    });

    it('refuses a new password that breaks the rules as 400 INVALID_PASSWORD, and a body without both fields as 400 INVALID_FORMAT', async () => {
      await server().register('alice');
      const { token } = await api().login('alice');
      expectError(
        await api().call('POST', '/api/account/password', { token, body: { currentPassword: TEST_PASSWORD, newPassword: 'short' } }),
        400,
        'INVALID_PASSWORD',
      );
      expectError(await api().call('POST', '/api/account/password', { token, body: { currentPassword: TEST_PASSWORD } }), 400, 'INVALID_FORMAT');
    });
  });

  describe('deleting the account', () => {
    it('needs the password; ends every session; keeps the messages under the name, which nobody can register again', async () => {
      const token = await server().register('Alice');
      const client = await connectWith(server(), 'Alice', token);
      client.send('Alice', 'my last words');
      await client.next();
      const laptop = await api().openSession('alice');
      expectError(await api().call('POST', '/api/account/delete', { token: laptop.token, body: { password: 'wrong password' } }), 403, 'WRONG_PASSWORD');
      const reply = await api().call('POST', '/api/account/delete', { token: laptop.token, body: { password: TEST_PASSWORD } });
      expect(reply.status, reply.text).to.equal(204);
      expect(refreshCookieOf(reply)).to.equal('');
      await expectRevoked(client, 'account_deleted');
      expectError(await api().call('POST', '/api/login', { body: { username: 'alice', password: TEST_PASSWORD } }), 401, 'INVALID_CREDENTIALS');
      expectError(await api().call('POST', '/api/reg', { body: { username: 'alice', password: TEST_PASSWORD } }), 409, 'USERNAME_TAKEN');
      expectError(await api().call('POST', '/api/account', { body: { username: 'ALICE', password: TEST_PASSWORD } }), 409, 'USERNAME_TAKEN');
      expect(await storedTexts()).to.deep.equal(['Alice: my last words']);
      const row = await server().db('users').first('password_hash', 'deleted_at');
      expect(row.password_hash).to.equal(null);
      expect(row.deleted_at).to.not.equal(null);
    });
  });

  describe('moderation', () => {
    const makeAdministrator = (username: string) => server().db('users').whereRaw('lower(username) = lower(?)', [username]).update({ role: 'administrator' });

    it('lets an administrator suspend a user: its connections are told, its logins refused 403 ACCOUNT_SUSPENDED until reinstated', async () => {
      await server().register('root');
      await makeAdministrator('root');
      const mallory = await server().register('mallory');
      const client = await connectWith(server(), 'mallory', mallory);
      const admin = await api().login('root');
      expect((await api().call('GET', '/api/account', { token: admin.token })).body).to.deep.equal({ username: 'root', role: 'administrator' });
      expect((await api().call('POST', '/api/users/Mallory/suspend', { token: admin.token })).status).to.equal(204);
      await expectRevoked(client, 'suspended');
      expectError(await api().call('POST', '/api/login', { body: { username: 'mallory', password: TEST_PASSWORD } }), 403, 'ACCOUNT_SUSPENDED');
      expectError(await api().call('POST', '/api/sessions', { body: { username: 'mallory', password: TEST_PASSWORD } }), 403, 'ACCOUNT_SUSPENDED');
      expect((await api().call('POST', '/api/users/mallory/reinstate', { token: admin.token })).status).to.equal(204);
      expect((await api().call('POST', '/api/login', { body: { username: 'mallory', password: TEST_PASSWORD } })).status).to.equal(200);
    });

    it('refuses a member as 403 NOT_ADMINISTRATOR and an unknown user as 404 UNKNOWN_USER', async () => {
      await server().register('root');
      await makeAdministrator('root');
      await server().register('mallory');
      const member = await api().login('mallory');
      const admin = await api().login('root');
      expectError(await api().call('POST', '/api/users/root/suspend', { token: member.token }), 403, 'NOT_ADMINISTRATOR');
      expectError(await api().call('POST', '/api/users/nobody/suspend', { token: admin.token }), 404, 'UNKNOWN_USER');
      expect((await api().call('GET', '/api/sessions', { token: admin.token })).status).to.equal(200);
    });
  });
});

describeOnEachDatabase(
  'Password checks share the login budgets',
  { LOGIN_LIMIT_PER_ACCOUNT: '3/1m' },
  (server) => {
    const api = () => new AccountApi(server().baseUrl);

    it("refuses password changes and deletions past the account's login budget with 429 RATE_LIMITED and Retry-After", async () => {
      await server().register('alice');
      const { token } = await api().login('alice');
      const wrong = { currentPassword: 'guess number one', newPassword: NEW_PASSWORD };
      expectError(await api().call('POST', '/api/account/password', { token, body: wrong }), 403, 'WRONG_PASSWORD');
      expectError(await api().call('POST', '/api/account/delete', { token, body: { password: 'guess number two' } }), 403, 'WRONG_PASSWORD');
      const refused = await api().call('POST', '/api/account/password', { token, body: { ...wrong, currentPassword: TEST_PASSWORD } });
      expectError(refused, 429, 'RATE_LIMITED');
      expect(Number(refused.headers.get('retry-after'))).to.be.greaterThan(0);
      expect((await api().call('GET', '/api/sessions', { token })).status).to.equal(200);
    });
  },
  POSTGRESQL_ONLY,
);
