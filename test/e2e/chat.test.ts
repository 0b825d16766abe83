import { expect } from 'chai';
import net from 'node:net';
import { describeOnEachDatabase } from '../support/each-database.js';
import type { TestClient } from '../support/ws-client.js';

const HISTORY_MAX = 20;
const MESSAGE_MAX = 50;

describeOnEachDatabase('WebSocket chat', { HISTORY_MAX: String(HISTORY_MAX), MESSAGE_MAX: String(MESSAGE_MAX) }, (server) => {
  const storedTexts = async () => (await server().db('messages').orderBy('id').select('text')).map((r) => r.text as string);

  async function expectError(client: TestClient, code: string): Promise<void> {
    const frame = await client.next();
    expect(frame, JSON.stringify(frame)).to.include({ type: 'error', code });
    expect(frame.message).to.be.a('string').and.not.be.empty;
  }

  describe('connecting', () => {
    for (const path of ['/', '/ws']) {
      it(`greets a client at ${path} with WELCOME`, async () => {
        await server().connect(path); // connect() fails unless the first frame is WELCOME
      });
    }

    it('refuses an upgrade on any other path', async () => {
      const error = await server()
        .connect('/elsewhere')
        .catch((e: unknown) => e);
      expect(String(error)).to.match(/404/);
    });
  });

  describe('auth', () => {
    it("authorizes a connection with a token of the frame's user", async () => {
      const token = await server().register('alice');
      const client = await server().connect();
      client.send('alice', `auth ${token}`);
      expect(await client.next()).to.include({ type: 'info', code: 'AUTHENTICATED' });
    });

    it('refuses a forged token as INVALID_TOKEN and leaves the connection unauthorized', async () => {
      const client = await server().connect();
      client.send('alice', 'auth not.a.token');
      await expectError(client, 'INVALID_TOKEN');
      client.send('alice', 'hello');
      await expectError(client, 'NOT_AUTHENTICATED');
    });

    it("refuses another user's token as USERNAME_MISMATCH", async () => {
      const token = await server().register('alice');
      await server().register('mallory');
      const client = await server().connect();
      client.send('mallory', `auth ${token}`);
      await expectError(client, 'USERNAME_MISMATCH');
      client.send('mallory', 'hello');
      await expectError(client, 'NOT_AUTHENTICATED');
    });

    it('handles a message sent right behind auth as authorized', async () => {
      const token = await server().register('alice');
      const client = await server().connect();
      client.send('alice', `auth ${token}`);
      client.send('alice', 'straight after');
      expect(await client.next()).to.include({ code: 'AUTHENTICATED' });
      expect(await client.next()).to.include({ type: 'message', message: 'straight after' });
    });
  });

  describe('messages', () => {
    it('stores a message and delivers it to every connection, spectators and the sender included', async () => {
      const alice = await server().connectAs('alice');
      const bob = await server().connectAs('bob');
      const spectator = await server().connect();
      alice.send('alice', 'hello world');
      for (const client of [alice, bob, spectator]) {
        const frame = await client.next();
        expect(frame).to.include({ type: 'message', username: 'alice', message: 'hello world' });
        expect(frame.id).to.be.a('number');
        expect(new Date(frame.createdAt!).toISOString()).to.equal(frame.createdAt);
      }
      expect(await storedTexts()).to.deep.equal(['hello world']);
    });

    it('stores a message before anyone receives it', async () => {
      const alice = await server().connectAs('alice');
      const spectator = await server().connect();
      alice.send('alice', 'durable first');
      const frame = await spectator.next();
      // Checked the moment the copy arrives: the row must already be committed.
      const row = await server().db('messages').where({ id: frame.id }).first('text');
      expect(row?.text).to.equal('durable first');
    });

    it('gives increasing ids and delivers in id order to everyone', async () => {
      const alice = await server().connectAs('alice');
      const bob = await server().connectAs('bob');
      const spectator = await server().connect();
      for (let i = 0; i < 30; i += 1) {
        alice.send('alice', `a${i}`);
        bob.send('bob', `b${i}`);
      }
      const seen = await Promise.all([alice, bob, spectator].map((c) => c.nextMany(60)));
      const ids = seen[0]!.map((f) => f.id!);
      expect(ids).to.deep.equal([...ids].sort((a, b) => a - b));
      for (const frames of seen) expect(frames.map((f) => f.id)).to.deep.equal(ids);
      const texts = seen[0]!.map((f) => f.message!);
      expect(texts.filter((t) => t.startsWith('a'))).to.deep.equal(Array.from({ length: 30 }, (_, i) => `a${i}`));
      expect(await storedTexts()).to.deep.equal(texts);
    });

    it('refuses a message from an unauthorized connection: error to the sender, nothing delivered or stored', async () => {
      const spectator = await server().connect();
      const anonymous = await server().connect();
      anonymous.send('alice', 'let me in');
      await expectError(anonymous, 'NOT_AUTHENTICATED');
      await spectator.expectNothing();
      expect(await storedTexts()).to.deep.equal([]);
    });

    it('refuses impersonation: the identity comes from the token, never from the frame', async () => {
      const mallory = await server().connectAs('mallory');
      await server().register('alice');
      const spectator = await server().connect();
      mallory.send('alice', 'I am alice');
      await expectError(mallory, 'USERNAME_MISMATCH');
      await spectator.expectNothing();
      expect(await storedTexts()).to.deep.equal([]);
    });

    it('accepts the frame username in another case and shows the registered spelling', async () => {
      const token = await server().register('Alice');
      const client = await server().connect();
      await client.auth('alice', token);
      client.send('ALICE', 'hi');
      expect(await client.next()).to.include({ username: 'Alice', message: 'hi' });
    });

    it(`refuses text over MESSAGE_MAX characters as MESSAGE_TOO_LONG, counting characters`, async () => {
      const alice = await server().connectAs('alice');
      alice.send('alice', 'x'.repeat(MESSAGE_MAX + 1));
      await expectError(alice, 'MESSAGE_TOO_LONG');
      alice.send('alice', '🎉'.repeat(MESSAGE_MAX));
      expect(await alice.next()).to.include({ type: 'message', message: '🎉'.repeat(MESSAGE_MAX) });
    });

    it('refuses empty and blank text as EMPTY_MESSAGE', async () => {
      const alice = await server().connectAs('alice');
      for (const text of ['', '   ', '\n\t']) {
        alice.send('alice', text);
        await expectError(alice, 'EMPTY_MESSAGE');
      }
      expect(await storedTexts()).to.deep.equal([]);
    });

    it('refuses U+0000 as INVALID_FORMAT', async () => {
      const alice = await server().connectAs('alice');
      alice.send('alice', 'nul \u0000 inside');
      await expectError(alice, 'INVALID_FORMAT');
      expect(await storedTexts()).to.deep.equal([]);
    });

    it('keeps leading spaces and unicode exactly as sent', async () => {
      const alice = await server().connectAs('alice');
      alice.send('alice', '  indented ✓');
      expect(await alice.next()).to.include({ message: '  indented ✓' });
      expect(await storedTexts()).to.deep.equal(['  indented ✓']);
    });
  });

  describe('commands are never stored nor shown to others', () => {
    for (const text of ['auth whatever', '  auth x', 'history 5', 'authority', 'History 2', 'historyx', 'auth', 'history']) {
      it(`"${text}"`, async () => {
        const alice = await server().connectAs('alice');
        const spectator = await server().connect();
        alice.send('alice', text);
        const reply = await alice.next();
        expect(reply.type).to.be.oneOf(['error', 'history', 'info']);
        await spectator.expectNothing();
        expect(await storedTexts()).to.deep.equal([]);
      });
    }

    it('answers a command look-alike with INVALID_COMMAND and how to write it', async () => {
      const client = await server().connect();
      client.send('alice', 'authority');
      const frame = await client.next();
      expect(frame).to.include({ type: 'error', code: 'INVALID_COMMAND' });
      expect(frame.message).to.match(/auth <token>/);
    });
  });

  describe('history', () => {
    async function post(count: number): Promise<TestClient> {
      const alice = await server().connectAs('alice');
      for (let i = 1; i <= count; i += 1) alice.send('alice', `m${i}`);
      await alice.nextMany(count);
      return alice;
    }

    it('returns exactly the latest N, oldest first, to the asker only', async () => {
      const alice = await post(10);
      const spectator = await server().connect();
      alice.send('alice', 'history 3');
      const frame = await alice.next();
      expect(frame.type).to.equal('history');
      expect(frame.messages!.map((m) => m.message)).to.deep.equal(['m8', 'm9', 'm10']);
      expect(frame.messages![0]).to.have.all.keys('id', 'username', 'message', 'createdAt');
      const ids = frame.messages!.map((m) => m.id);
      expect(ids).to.deep.equal([...ids].sort((a, b) => a - b));
      await spectator.expectNothing();
    });

    it('is allowed without authorization', async () => {
      await post(2);
      const spectator = await server().connect();
      spectator.send('anyone', 'history 5');
      expect((await spectator.next()).messages!.map((m) => m.message)).to.deep.equal(['m1', 'm2']);
    });

    it(`clamps N above HISTORY_MAX`, async () => {
      const alice = await post(HISTORY_MAX + 5);
      alice.send('alice', 'history 1000000');
      const frame = await alice.next();
      expect(frame.messages).to.have.length(HISTORY_MAX);
      expect(frame.messages!.at(-1)!.message).to.equal(`m${HISTORY_MAX + 5}`);
    });

    it('includes what the asker posted just before asking', async () => {
      const alice = await server().connectAs('alice');
      alice.send('alice', 'just now');
      alice.send('alice', 'history 1');
      expect(await alice.next()).to.include({ type: 'message', message: 'just now' });
      expect((await alice.next()).messages!.map((m) => m.message)).to.deep.equal(['just now']);
    });

    for (const count of ['0', '-1', 'abc', '1e9', '10; DROP TABLE messages', '1.5', '']) {
      it(`refuses "history ${count}" as INVALID_HISTORY_COUNT`, async () => {
        const client = await server().connect();
        client.send('alice', `history ${count}`);
        await expectError(client, 'INVALID_HISTORY_COUNT');
      });
    }
  });

  describe('malformed frames', () => {
    const cases: Array<[string, string | Buffer, string]> = [
      ['not JSON', 'hello', 'INVALID_JSON'],
      ['an array', '[]', 'INVALID_FORMAT'],
      ['null', 'null', 'INVALID_FORMAT'],
      ['a number', '42', 'INVALID_FORMAT'],
      ['a missing message', '{"username":"alice"}', 'INVALID_FORMAT'],
      ['a non-string message', '{"username":"alice","message":{"text":"x"}}', 'INVALID_FORMAT'],
      ['a non-string username', '{"username":7,"message":"x"}', 'INVALID_FORMAT'],
    ];
    for (const [what, data, code] of cases) {
      it(`answers ${what} with ${code} and keeps the connection open`, async () => {
        const client = await server().connect();
        client.sendRaw(data);
        await expectError(client, code);
        client.send('x', 'history 1');
        expect((await client.next()).type).to.equal('history');
      });
    }

    it('answers a binary frame with INVALID_FORMAT', async () => {
      const client = await server().connect();
      client.sendRaw(Buffer.from('{"username":"a","message":"b"}'), { binary: true });
      await expectError(client, 'INVALID_FORMAT');
    });

    it('closes a connection that sends a frame over 64 KiB with 1009, and only that one', async () => {
      const other = await server().connectAs('bob');
      const big = await server().connect();
      big.sendRaw('x'.repeat(64 * 1024 + 1));
      expect((await big.closed).code).to.equal(1009);
      other.send('bob', 'still here');
      expect(await other.next()).to.include({ message: 'still here' });
    });

    it('takes a frame of exactly 64 KiB', async () => {
      const client = await server().connect();
      const frame = JSON.stringify({ username: 'a', message: 'x'.repeat(64 * 1024 - 30) });
      client.sendRaw(frame.padEnd(64 * 1024, ' '));
      await expectError(client, 'NOT_AUTHENTICATED');
    });

    it('survives garbage on the raw TCP port', async () => {
      const url = new URL(server().baseUrl);
      await new Promise<void>((resolve) => {
        const socket = net.connect(Number(url.port), url.hostname, () => socket.end('\u0000\u0001garbage\r\n\r\n'));
        socket.on('error', () => resolve());
        socket.on('close', () => resolve());
        socket.resume();
      });
      const client = await server().connect();
      client.send('x', 'history 1');
      expect((await client.next()).type).to.equal('history');
    });
  });
});
