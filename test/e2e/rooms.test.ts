import { expect } from 'chai';
import { describeOnEachDatabase } from '../support/each-database.js';
import type { Frame, TestClient } from '../support/ws-client.js';

const HISTORY_MAX = 20;

describeOnEachDatabase('Rooms, history pages and presence', { HISTORY_MAX: String(HISTORY_MAX), ROOMS_PER_CONNECTION: '3' }, (server) => {
  async function expectError(client: TestClient, code: string): Promise<Frame> {
    const frame = await client.next();
    expect(frame, JSON.stringify(frame)).to.include({ type: 'error', code });
    expect(frame.message).to.be.a('string').and.not.be.empty;
    return frame;
  }

  async function join(client: TestClient, room: string): Promise<void> {
    client.sendJson({ type: 'join', room });
    expect(await client.next()).to.deep.equal({ type: 'joined', room });
  }

  /** Posts and waits for the poster's own copy, so the message is stored. */
  async function post(client: TestClient, username: string, text: string, room = 'general'): Promise<Frame> {
    client.sendJson({ username, message: text, room });
    const frame = await client.next();
    expect(frame, JSON.stringify(frame)).to.include({ type: 'message', room, message: text });
    return frame;
  }

  describe('rooms', () => {
    it("shows a room's messages to its members only", async () => {
      const alice = await server().connectAs('alice');
      const bob = await server().connectAs('bob');
      const generalOnly = await server().connect();
      await join(alice, 'dev');
      await join(bob, 'dev');
      expect(await alice.next()).to.deep.equal({ type: 'presence', room: 'dev', event: 'join', username: 'bob' });
      const sent = await post(alice, 'alice', 'deploy done', 'dev');
      expect(await bob.next()).to.deep.equal(sent);
      await generalOnly.expectNothing();
    });

    it('keeps the original frames working in general, with the room named in the message', async () => {
      const alice = await server().connectAs('alice');
      const original = await server().connect();
      alice.send('alice', 'hello');
      const frame = await original.next();
      expect(frame).to.include({ type: 'message', room: 'general', username: 'alice', message: 'hello' });
      expect(frame).to.have.all.keys('type', 'room', 'id', 'username', 'message', 'createdAt');
    });

    it('refuses a post to a room the connection has not joined as NOT_A_MEMBER, naming the request, storing nothing', async () => {
      const alice = await server().connectAs('alice');
      alice.sendJson({ username: 'alice', message: 'hi', room: 'dev', clientId: 'c-17' });
      expect(await expectError(alice, 'NOT_A_MEMBER')).to.include({ room: 'dev', clientId: 'c-17' });
      await alice.expectNothing();
      expect(await server().db('messages').select('id')).to.deep.equal([]);
    });

    for (const room of ['Dev', '', '-dev', 'a'.repeat(33), 'dev room', 'dév', '../etc']) {
      it(`refuses the room name ${JSON.stringify(room)} as INVALID_ROOM`, async () => {
        const client = await server().connect();
        client.sendJson({ type: 'join', room });
        await expectError(client, 'INVALID_ROOM');
      });
    }

    it('refuses a room that is not a string as INVALID_ROOM', async () => {
      const client = await server().connect();
      client.sendJson({ username: 'x', message: 'hi', room: 7 });
      await expectError(client, 'INVALID_ROOM');
      client.sendJson({ type: 'join' });
      await expectError(client, 'INVALID_ROOM');
    });

    it('answers history and presence of a room never joined with UNKNOWN_ROOM, naming the room', async () => {
      const client = await server().connect();
      client.sendJson({ type: 'history', room: 'nowhere' });
      expect(await expectError(client, 'UNKNOWN_ROOM')).to.include({ room: 'nowhere' });
      client.sendJson({ type: 'presence', room: 'nowhere' });
      expect(await expectError(client, 'UNKNOWN_ROOM')).to.include({ room: 'nowhere' });
      client.sendJson({ username: 'x', message: 'history 5', room: 'nowhere' });
      await expectError(client, 'UNKNOWN_ROOM');
    });

    it('stops live delivery after leave, and refuses leaving twice', async () => {
      const alice = await server().connectAs('alice');
      const bob = await server().connect();
      await join(alice, 'dev');
      await join(bob, 'dev');
      bob.sendJson({ type: 'leave', room: 'dev' });
      expect(await bob.next()).to.deep.equal({ type: 'left', room: 'dev' });
      await post(alice, 'alice', 'anyone?', 'dev');
      await bob.expectNothing();
      bob.sendJson({ type: 'leave', room: 'dev' });
      await expectError(bob, 'NOT_A_MEMBER');
    });

    it('lets a connection leave general, after which original frames to it are refused, as before without a room', async () => {
      const alice = await server().connectAs('alice');
      alice.sendJson({ type: 'leave', room: 'general' });
      expect(await alice.next()).to.deep.equal({ type: 'left', room: 'general' });
      alice.send('alice', 'hello');
      expect(await expectError(alice, 'NOT_A_MEMBER')).to.have.all.keys('type', 'code', 'message');
    });

    it('refuses joining past ROOMS_PER_CONNECTION as TOO_MANY_ROOMS', async () => {
      const client = await server().connectAs('alice');
      await join(client, 'one');
      await join(client, 'two'); // with general, that is 3
      client.sendJson({ type: 'join', room: 'three' });
      await expectError(client, 'TOO_MANY_ROOMS');
      await join(client, 'one'); // joining a room again is not one more
    });

    it('answers an unknown type with INVALID_COMMAND', async () => {
      const client = await server().connect();
      client.sendJson({ type: 'subscribe', room: 'dev' });
      await expectError(client, 'INVALID_COMMAND');
    });
  });

  describe('history pages', () => {
    async function fill(count: number): Promise<number[]> {
      const alice = await server().connectAs('alice');
      await join(alice, 'dev');
      const ids: number[] = [];
      for (let i = 1; i <= count; i++) {
        // Interleaved with general, so ids in a room are not consecutive.
        ids.push((await post(alice, 'alice', `d${i}`, 'dev')).id as number);
        await post(alice, 'alice', `g${i}`);
      }
      return ids;
    }

    async function page(client: TestClient, query: Record<string, unknown>): Promise<Frame> {
      client.sendJson({ type: 'history', room: 'dev', ...query });
      const frame = await client.next();
      expect(frame, JSON.stringify(frame)).to.include({ type: 'history', room: 'dev' });
      return frame;
    }

    const ids = (frame: Frame) => frame.messages!.map((m) => m.id);

    it('pages backwards with before until more is false, oldest first in each page', async () => {
      const stored = await fill(12);
      const reader = await server().connect();
      const latest = await page(reader, { limit: 5 });
      expect(ids(latest)).to.deep.equal(stored.slice(7));
      expect(latest.more).to.equal(true);
      const older = await page(reader, { limit: 5, before: stored[7] });
      expect(ids(older)).to.deep.equal(stored.slice(2, 7));
      expect(older.more).to.equal(true);
      const oldest = await page(reader, { limit: 5, before: stored[2] });
      expect(ids(oldest)).to.deep.equal(stored.slice(0, 2));
      expect(oldest.more).to.equal(false);
    });

    it('pages forwards with after until more is false', async () => {
      const stored = await fill(7);
      const reader = await server().connect();
      const first = await page(reader, { after: 0, limit: 4 });
      expect(ids(first)).to.deep.equal(stored.slice(0, 4));
      expect(first.more).to.equal(true);
      const rest = await page(reader, { after: stored[3], limit: 4 });
      expect(ids(rest)).to.deep.equal(stored.slice(4));
      expect(rest.more).to.equal(false);
    });

    it(`caps a page at HISTORY_MAX (${HISTORY_MAX})`, async () => {
      const stored = await fill(HISTORY_MAX + 2);
      const reader = await server().connect();
      const latest = await page(reader, { limit: 1000 });
      expect(ids(latest)).to.deep.equal(stored.slice(2));
      expect(latest.more).to.equal(true);
    });

    it("answers the original history N for a room with that room's messages", async () => {
      const stored = await fill(3);
      const reader = await server().connect();
      reader.sendJson({ username: 'anyone', message: 'history 2', room: 'dev' });
      const frame = await reader.next();
      expect(frame).to.include({ type: 'history', room: 'dev' });
      expect(ids(frame)).to.deep.equal(stored.slice(1));
    });

    for (const [query, why] of [
      [{ before: 5, after: 2 }, 'both cursors'],
      [{ before: -1 }, 'a negative cursor'],
      [{ after: 1.5 }, 'a fractional cursor'],
      [{ after: '3' }, 'a cursor as a string'],
      [{ before: 2 ** 60 }, 'an unsafe integer'],
      [{ limit: 0 }, 'a zero limit'],
      [{ limit: 'ten' }, 'a limit as a string'],
    ] as const) {
      it(`refuses ${why} as INVALID_HISTORY_QUERY`, async () => {
        const reader = await server().connect();
        reader.sendJson({ type: 'history', room: 'general', ...query });
        await expectError(reader, 'INVALID_HISTORY_QUERY');
      });
    }
  });

  describe('presence', () => {
    it("lists a room's users once each, however many connections they have", async () => {
      const token = await server().register('alice');
      const first = await server().connect();
      await first.auth('alice', token);
      const second = await server().connect();
      await second.auth('alice', token);
      const bob = await server().connectAs('bob');
      const anonymous = await server().connect();
      for (const client of [first, second, bob, anonymous]) await join(client, 'dev');
      anonymous.sendJson({ type: 'presence', room: 'dev' });
      const frame = await nextOfType(anonymous, 'presence', (f) => f.users !== undefined);
      expect(frame).to.deep.equal({ type: 'presence', room: 'dev', users: ['alice', 'bob'] });
    });

    it("tells members when a user arrives and when the user's last connection goes", async () => {
      await server().db('rooms').insert({ name: 'dev' });
      const watcher = await server().connect();
      await join(watcher, 'dev');
      const token = await server().register('carol');
      const first = await server().connect();
      await first.auth('carol', token);
      await join(first, 'dev');
      expect(await watcher.next()).to.deep.equal({ type: 'presence', room: 'dev', event: 'join', username: 'carol' });
      const second = await server().connect();
      await second.auth('carol', token);
      await join(second, 'dev');
      first.close();
      await first.closed;
      await watcher.expectNothing(); // carol is still there through her second connection
      second.sendJson({ type: 'leave', room: 'dev' });
      expect(await watcher.next()).to.deep.equal({ type: 'presence', room: 'dev', event: 'leave', username: 'carol' });
    });

    it('announces a member that authorizes after joining', async () => {
      await server().db('rooms').insert({ name: 'dev' });
      const watcher = await server().connect();
      await join(watcher, 'dev');
      const token = await server().register('dave');
      const dave = await server().connect();
      await join(dave, 'dev');
      await watcher.expectNothing(); // anonymous connections are not users
      await dave.auth('dave', token);
      expect(await watcher.next()).to.deep.equal({ type: 'presence', room: 'dev', event: 'join', username: 'dave' });
    });

    it('sends no presence frames to clients of the original protocol', async () => {
      const original = await server().connect();
      const alice = await server().connectAs('alice');
      await join(alice, 'general');
      alice.close();
      await alice.closed;
      await original.expectNothing(300);
    });
  });
});

async function nextOfType(client: TestClient, type: string, accept: (frame: Frame) => boolean = () => true): Promise<Frame> {
  for (;;) {
    const frame = await client.next();
    if (frame.type === type && accept(frame)) return frame;
  }
}
