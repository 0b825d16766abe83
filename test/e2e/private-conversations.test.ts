import { expect } from 'chai';
import { describeOnEachDatabase } from '../support/each-database.js';
import { TEST_PASSWORD, type TestServer } from '../support/test-server.js';
import type { Frame, TestClient } from '../support/ws-client.js';

/** The next frame of `type` (others are skipped: presence, added, read...). */
async function frameOf(client: TestClient, type: string, timeoutMs = 5000): Promise<Frame> {
  for (;;) {
    const frame = await client.next(timeoutMs);
    if (frame.type === type || (type !== 'error' && frame.type === 'error')) return frame;
  }
}

/** An authorized connection that speaks the extensions (asks its conversation list first, as the web client does). */
async function userOn(server: TestServer, username: string): Promise<TestClient> {
  const token = await tokenOf(server, username);
  const client = await server.connect();
  await client.auth(username, token);
  client.sendJson({ type: 'conversations' });
  await frameOf(client, 'conversations');
  return client;
}

/** The user's token: registered on first use, logged in after. */
async function tokenOf(server: TestServer, username: string): Promise<string> {
  const registered = await server.post('/api/reg', { username, password: TEST_PASSWORD });
  if (registered.status === 201) return registered.body.token as string;
  return (await server.post('/api/login', { username, password: TEST_PASSWORD })).body.token as string;
}

async function createRoom(client: TestClient, title: string): Promise<string> {
  client.sendJson({ type: 'create', title });
  const created = await frameOf(client, 'created');
  expect(await frameOf(client, 'joined')).to.deep.equal({ type: 'joined', room: created.room });
  return created.room as string;
}

async function post(client: TestClient, room: string, message: string): Promise<Frame> {
  client.sendJson({ type: 'message', room, message });
  const frame = await frameOf(client, 'message');
  expect(frame).to.include({ room, message });
  return frame;
}

describeOnEachDatabase('Private rooms, direct conversations, read markers and search', {}, (server) => {
  describe('private rooms', () => {
    it('are read by their members only; to anyone else they answer as a name nobody uses', async () => {
      const alice = await userOn(server(), 'alice');
      const room = await createRoom(alice, 'Release planning');
      await post(alice, room, 'the date is secret');
      const mallory = await userOn(server(), 'mallory');
      const refusal = async (client: TestClient, frame: Record<string, unknown>) => {
        client.sendJson(frame);
        const error = await frameOf(client, 'error');
        return [error.code, (error.message as string).replace(/"[^"]*"/, '"R"')];
      };
      for (const frame of [
        { type: 'join', room, after: 0 },
        { type: 'history', room },
        { type: 'presence', room },
        { type: 'members', room },
      ]) {
        expect(await refusal(mallory, frame), JSON.stringify(frame)).to.deep.equal(await refusal(mallory, { ...frame, room: 'p-nobodyhasthisone' }));
      }
      const anonymous = await server().connect();
      anonymous.send('nobody', 'history 5');
      expect((await anonymous.next()).messages).to.deep.equal([]);
    });

    it('lets an owner invite and remove: the member reads, then stops receiving at once', async () => {
      const alice = await userOn(server(), 'alice');
      const room = await createRoom(alice, 'Plans');
      const bob = await userOn(server(), 'bob');
      alice.sendJson({ type: 'invite', room, username: 'bob' });
      expect(await frameOf(alice, 'invited')).to.deep.equal({ type: 'invited', room, username: 'bob' });
      const added = await frameOf(bob, 'added');
      expect(added.conversation).to.deep.include({ room, kind: 'private', title: 'Plans', role: 'member' });
      bob.sendJson({ type: 'join', room });
      await frameOf(bob, 'joined');
      const first = await post(alice, room, 'welcome bob');
      expect(await frameOf(bob, 'message')).to.deep.equal(first);
      alice.sendJson({ type: 'remove', room, username: 'bob' });
      expect(await frameOf(bob, 'removed')).to.deep.equal({ type: 'removed', room, username: 'bob' });
      await post(alice, room, 'after bob');
      bob.sendJson({ type: 'history', room });
      expect(await frameOf(bob, 'error')).to.include({ code: 'UNKNOWN_ROOM', room });
    });

    it('refuses a member who is not an owner', async () => {
      const alice = await userOn(server(), 'alice');
      const room = await createRoom(alice, 'Plans');
      const bob = await userOn(server(), 'bob');
      await tokenOf(server(), 'carol');
      alice.sendJson({ type: 'invite', room, username: 'bob' });
      await frameOf(alice, 'invited');
      bob.sendJson({ type: 'invite', room, username: 'carol' });
      expect(await frameOf(bob, 'error')).to.include({ code: 'NOT_AN_OWNER', room });
    });
  });

  describe('direct conversations', () => {
    it('reach every connection of both users, and resume from a cursor like any room', async () => {
      const alice = await userOn(server(), 'alice');
      const bobPhone = await userOn(server(), 'bob');
      const bobLaptop = await userOn(server(), 'bob');
      alice.sendJson({ type: 'direct', username: 'bob' });
      const opened = await frameOf(alice, 'direct');
      const room = opened.room as string;
      expect(room).to.match(/^d-[a-z0-9]{16}$/);
      for (const bob of [bobPhone, bobLaptop]) expect((await frameOf(bob, 'added')).conversation).to.deep.include({ room, kind: 'direct', with: 'alice' });
      const first = await post(alice, room, 'one');
      for (const bob of [bobPhone, bobLaptop]) expect(await frameOf(bob, 'message')).to.deep.equal(first);
      await post(alice, room, 'two');
      await post(alice, room, 'three');
      // bob comes back with the first one seen:
      const back = await userOn(server(), 'bob');
      back.sendJson({ type: 'join', room, after: first.id });
      await frameOf(back, 'joined');
      const page = await frameOf(back, 'catchup');
      expect(page.messages!.map((m) => m.message)).to.deep.equal(['two', 'three']);
      expect(page.more).to.equal(false);
    });

    it("are nobody else's", async () => {
      const alice = await userOn(server(), 'alice');
      await tokenOf(server(), 'bob');
      alice.sendJson({ type: 'direct', username: 'bob' });
      const room = (await frameOf(alice, 'direct')).room as string;
      const mallory = await userOn(server(), 'mallory');
      mallory.sendJson({ type: 'join', room });
      expect(await frameOf(mallory, 'error')).to.include({ code: 'UNKNOWN_ROOM', room });
    });
  });

  describe('the conversation list and read markers', () => {
    it('moves a read marker on one device and the other hears it; the list is right after a reconnect', async () => {
      const bob = await userOn(server(), 'bob');
      for (let i = 0; i < 3; i++) await post(bob, 'general', `m${i}`);
      const phone = await userOn(server(), 'alice');
      const laptop = await userOn(server(), 'alice');
      phone.sendJson({ type: 'read', room: 'general', id: 2 });
      expect(await frameOf(phone, 'read')).to.deep.equal({ type: 'read', room: 'general', id: 2 });
      expect(await frameOf(laptop, 'read')).to.deep.equal({ type: 'read', room: 'general', id: 2 });
      laptop.sendJson({ type: 'read', room: 'general', id: 1 });
      expect(await frameOf(laptop, 'read'), 'a marker never moves back').to.deep.equal({ type: 'read', room: 'general', id: 2 });
      phone.close();
      laptop.close();
      const again = await server().connect();
      await again.auth('alice', await tokenOf(server(), 'alice'));
      again.sendJson({ type: 'conversations' });
      const list = await frameOf(again, 'conversations');
      expect(list.conversations).to.deep.equal([{ room: 'general', kind: 'public', lastId: 3, readUpTo: 2, unread: 1 }]);
    });
  });

  describe('search', () => {
    it("finds in public rooms and the user's own conversations, never in another's, newest first, in pages", async () => {
      const alice = await userOn(server(), 'alice');
      const room = await createRoom(alice, 'Secret');
      await post(alice, room, 'deploy the secret build');
      await tokenOf(server(), 'bob');
      alice.sendJson({ type: 'direct', username: 'bob' });
      const direct = (await frameOf(alice, 'direct')).room as string;
      await post(alice, direct, 'deploy between us');
      await post(alice, 'general', 'deploy done on staging');
      await post(alice, 'general', 'Deployment of staging fixed');
      const mallory = await userOn(server(), 'mallory');
      mallory.sendJson({ type: 'search', query: 'deploy' });
      const found = await frameOf(mallory, 'search');
      expect(found.results!.map((m) => m.message)).to.deep.equal(['Deployment of staging fixed', 'deploy done on staging']);
      alice.sendJson({ type: 'search', query: 'DEPLOY', limit: 2 });
      const first = await frameOf(alice, 'search');
      expect(first.results!.map((m) => m.message)).to.deep.equal(['Deployment of staging fixed', 'deploy done on staging']);
      expect(first.more).to.equal(true);
      alice.sendJson({ type: 'search', query: 'deploy', before: first.results![1]!.id, limit: 2 });
      const second = await frameOf(alice, 'search');
      expect(second.results!.map((m) => [m.room, m.message])).to.deep.equal([
        [direct, 'deploy between us'],
        [room, 'deploy the secret build'],
      ]);
      expect(second.more).to.equal(false);
    });
  });

  describe('a chat text that starts with a command word, or holds a token', () => {
    it('stores a typed message whatever its first word', async () => {
      const alice = await userOn(server(), 'alice');
      const stored = await post(alice, 'general', 'Authentication is broken on staging');
      expect(stored).to.include({ username: 'alice', message: 'Authentication is broken on staging' });
    });

    it('refuses a token this server issued, whatever surrounds it, in either form', async () => {
      const token = await server().register('alice');
      const alice = await server().connect();
      await alice.auth('alice', token);
      alice.send('alice', `auht ${token}`);
      expect(await alice.next()).to.include({ type: 'error', code: 'TOKEN_IN_MESSAGE' });
      alice.sendJson({ type: 'message', message: `see:${token}!`, clientId: 'c-1' });
      expect(await alice.next()).to.include({ type: 'error', code: 'TOKEN_IN_MESSAGE', clientId: 'c-1' });
      expect(await server().db('messages').select('id')).to.deep.equal([]);
    });
  });

  describe('the original protocol', () => {
    it('is unchanged for a client that speaks only it, though its user has private rooms and direct conversations', async () => {
      const token = await tokenOf(server(), 'bob');
      const original = await server().connect();
      await original.auth('bob', token);
      const alice = await userOn(server(), 'alice');
      const room = await createRoom(alice, 'Plans');
      alice.sendJson({ type: 'invite', room, username: 'bob' });
      await frameOf(alice, 'invited');
      alice.sendJson({ type: 'direct', username: 'bob' });
      const direct = (await frameOf(alice, 'direct')).room as string;
      await post(alice, direct, 'psst');
      await post(alice, room, 'plans');
      await original.expectNothing(300);
      original.send('bob', 'hello');
      const mine = await original.next();
      expect(Object.keys(mine)).to.deep.equal(['type', 'room', 'id', 'username', 'message', 'createdAt']);
      expect(mine).to.include({ type: 'message', room: 'general', username: 'bob', message: 'hello' });
    });
  });
});
