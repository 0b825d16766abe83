import { expect } from 'chai';
import net from 'node:net';
import type { Knex } from 'knex';
import { describeOnEachDatabase } from '../support/each-database.js';
import { POSTGRESQL_ONLY } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import { rawHttp } from '../support/raw-http.js';
import { encodeFrame, OPCODE, RawWebSocket } from '../support/raw-websocket.js';
import type { TestServer } from '../support/test-server.js';
import type { TestClient } from '../support/ws-client.js';

/**
 * What issue #14 found in the connection layer, one case each, against the
 * real server: each failed on the gateway before the chat session moved
 * into the application, and passes now.
 */

/** Stores `count` messages in `room` as the server stores them (dense ids), without a client. */
async function seed(db: Knex, room: string, count: number): Promise<void> {
  const rows = Array.from({ length: count }, (_, i) => i);
  await db.raw('SELECT * FROM append_messages(?::text[], ?::text[], ?::text[], ?::timestamptz[], ?::text[])', [
    rows.map(() => room),
    rows.map(() => 'zoe'),
    rows.map((i) => `${room} ${i + 1}`),
    rows.map(() => new Date().toISOString()),
    // No client ids: the plain numbered insert.
    [],
  ]);
  await db('rooms').insert({ name: room }).onConflict('name').ignore();
}

/**
 * Every message id a client is sent, live or in catch-up pages, until the
 * catch-up that followed its `joins`th `joined` frame has sent its last page
 * (an earlier one may end first, or be cut short by the next join).
 */
async function idsUntilCaughtUp(client: TestClient, room: string, joins = 1): Promise<number[]> {
  const ids: number[] = [];
  let joined = 0;
  for (;;) {
    const frame = await client.next(10_000);
    if (frame.type === 'joined' && frame.room === room) joined += 1;
    if (frame.type === 'message' && frame.room === room) ids.push(frame.id as number);
    if (frame.type === 'catchup' && frame.room === room) {
      ids.push(...frame.messages!.map((m) => m.id));
      if (!frame.more && joined === joins) return ids;
    }
  }
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const sorted = (ids: number[]) => [...ids].sort((a, b) => a - b);

describeOnEachDatabase('The connection layer under abuse', { HISTORY_MAX: '50' }, (server) => {
  describe('1. a second join with a cursor supersedes the first', () => {
    for (const [first, second] of [
      [290, 10],
      [3, 0],
      [0, 0],
    ] as const) {
      it(`join after ${first}, then at once after ${second}: every message after ${second}, none twice`, async () => {
        await seed(server().db, 'dev', 300);
        const client = await server().connectAs('alice');
        client.sendJson({ type: 'join', room: 'dev', after: first });
        client.sendJson({ type: 'join', room: 'dev', after: second });
        const ids = await idsUntilCaughtUp(client, 'dev', 2);
        expect(ids.length - new Set(ids).size, 'sent twice').to.equal(0);
        expect(sorted(ids).filter((id) => id > second)).to.deep.equal(range(second + 1, 300));
      });
    }

    it('a join of general with a cursor supersedes the catch-up the URL began', async () => {
      await seed(server().db, 'general', 200);
      const client = await server().connect('/ws?after=150');
      client.sendJson({ type: 'join', room: 'general', after: 20 });
      const ids = await idsUntilCaughtUp(client, 'general', 2);
      expect(ids.length - new Set(ids).size, 'sent twice').to.equal(0);
      expect(sorted(ids).filter((id) => id > 20)).to.deep.equal(range(21, 200));
    });
  });

  describe('6. a connection without a user writes nothing to the store', () => {
    it('may not create a room by joining it', async () => {
      const before = await server().db('rooms').select('name');
      const anonymous = await server().connect();
      for (let i = 0; i < 5; i++) anonymous.sendJson({ type: 'join', room: `spam-${i}` });
      const answers = await anonymous.nextMany(5);
      expect(answers.map((frame) => frame.code)).to.deep.equal(Array(5).fill('UNKNOWN_ROOM'));
      expect(await server().db('rooms').select('name')).to.deep.equal(before);
    });

    it('may join a room a user created', async () => {
      const alice = await server().connectAs('alice');
      alice.sendJson({ type: 'join', room: 'dev' });
      expect(await alice.next()).to.deep.equal({ type: 'joined', room: 'dev' });
      const anonymous = await server().connect();
      anonymous.sendJson({ type: 'join', room: 'dev' });
      expect(await anonymous.next()).to.deep.equal({ type: 'joined', room: 'dev' });
    });
  });

  describe('8. a cursor past the last stored id', () => {
    it('does not hide the messages stored next', async () => {
      await seed(server().db, 'general', 3);
      const ahead = await server().connect('/ws?after=999999');
      expect(await ahead.nextMany(2)).to.deep.equal([
        { type: 'joined', room: 'general' },
        { type: 'catchup', room: 'general', messages: [], more: false },
      ]);
      const alice = await server().connectAs('alice');
      alice.send('alice', 'after the restore');
      expect(await ahead.next()).to.include({ type: 'presence', event: 'join', username: 'alice' });
      expect(await ahead.next()).to.include({ type: 'message', id: 4, message: 'after the restore' });
    });
  });

  describe('9. an error names the request it answers, also when the frame could not be parsed', () => {
    it('names the room of a history query with a bad cursor', async () => {
      const client = await server().connect();
      client.sendJson({ type: 'history', room: 'dev', before: -1 });
      expect(await client.next()).to.include({ type: 'error', code: 'INVALID_HISTORY_QUERY', room: 'dev' });
    });

    it('names the clientId of a chat frame whose room is not a string', async () => {
      const client = await server().connect();
      client.sendJson({ username: 'alice', message: 'hi', room: 7, clientId: 'c-17' });
      const error = await client.next();
      expect(error).to.include({ type: 'error', code: 'INVALID_ROOM', clientId: 'c-17' });
      expect(error).not.to.have.property('room');
    });
  });
});

describeOnEachDatabase('The connection layer under abuse, with a tight message budget', { MESSAGE_RATE_PER_SECOND: '1', MESSAGE_RATE_BURST: '3' }, (server) => {
  describe("4. the message budget is the user's, not the connection's", () => {
    it('is not reset by reconnecting', async () => {
      const token = await server().register('alice');
      let stored = 0;
      let refused = 0;
      for (let connection = 0; connection < 3; connection++) {
        const client = await server().connect();
        await client.auth('alice', token);
        for (let i = 0; i < 3; i++) client.send('alice', `c${connection} m${i}`);
        for (const frame of await client.nextMany(3)) {
          if (frame.type === 'message') stored += 1;
          if (frame.code === 'RATE_LIMITED') refused += 1;
        }
        client.close();
        await client.closed;
      }
      expect({ stored, refused }).to.deep.equal({ stored: 3, refused: 6 });
      expect(await server().db('messages').select('id')).to.have.length(3);
    });
  });
});

describeOnEachDatabase('The connection layer under abuse, with a tight anonymous read rate', { HISTORY_MAX: '50', ANONYMOUS_READ_RATE: '100/1s' }, (server) => {
  describe('7. catch-up without a user is paced per address', () => {
    it('sends an anonymous reader no more than its budget, and a user all at once', async () => {
      await seed(server().db, 'general', 400);
      const alice = await server().connectAs('alice');
      alice.sendJson({ type: 'join', room: 'general', after: 0 });
      expect(await idsUntilCaughtUp(alice, 'general')).to.have.length(400);

      const anonymous = await server().connect('/ws?after=0');
      const ids: number[] = [];
      const started = Date.now();
      // Two pages of 50 are the budget's burst; each further page waits half a second.
      while (Date.now() - started < 900) {
        const frame = await anonymous.next(2000).catch(() => undefined);
        if (frame?.type === 'catchup') ids.push(...frame.messages!.map((m) => m.id));
      }
      expect(ids.length).to.be.within(100, 200);
    });
  });
});

describeOnEachDatabase(
  'The connection layer under abuse, below the upgrade',
  { MAX_CONNECTIONS_PER_ADDRESS: '5' },
  (server) => {
    const port = () => Number(new URL(server().baseUrl).port);
    const open = async (localAddress: string): Promise<net.Socket> => {
      const socket = net.connect({ port: port(), host: '127.0.0.1', localAddress });
      socket.on('error', () => undefined);
      await new Promise((resolve) => socket.once('connect', resolve));
      return socket;
    };
    const sockets: net.Socket[] = [];
    afterEach(() => {
      for (const socket of sockets.splice(0)) socket.destroy();
    });

    describe('3. sockets are limited per address before any byte of HTTP', () => {
      it('refuses the next socket of an address with 429 once it holds the limit silently, and lets other addresses in', async () => {
        for (let i = 0; i < 5; i++) sockets.push(await open('127.0.0.2'));
        const refused = await rawHttp(server().baseUrl, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n', { localAddress: '127.0.0.2' });
        expect(refused.status).to.equal(429);
        expect(refused.json).to.deep.include({ error: { code: 'TOO_MANY_CONNECTIONS', message: 'too many connections from 127.0.0.2' } });
        await expectUpgradeRefused(server(), '127.0.0.2');
        const other = await RawWebSocket.connect(server().baseUrl, '/ws', { localAddress: '127.0.0.3' });
        expect(await other.nextJson()).to.include({ type: 'info', code: 'WELCOME' });
        other.destroy();
      });

      it('lets the address in again once one of its sockets closes', async () => {
        for (let i = 0; i < 5; i++) sockets.push(await open('127.0.0.4'));
        sockets.pop()?.destroy();
        // The server hears of the close a moment later: until then the address is still at its cap.
        await eventually(
          async () => {
            const answer = await rawHttp(server().baseUrl, 'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', { localAddress: '127.0.0.4' });
            expect(answer.status).to.equal(200);
          },
          { what: 'another socket of 127.0.0.4 admitted' },
        );
      });
    });

    describe('5. a message in too many fragments', () => {
      it('is refused with close 1008 before it can hold the heap', async () => {
        const client = await RawWebSocket.connect(server().baseUrl);
        await client.nextJson();
        client.send({ opcode: OPCODE.text, payload: Buffer.from('{"username"'), fin: false });
        for (let i = 0; i < 5; i++) client.send({ opcode: OPCODE.continuation, payload: Buffer.from(' '), fin: false });
        expect((await client.closeFrame()).code).to.equal(1008);
      });

      it('is read when it comes in 4 fragments or fewer', async () => {
        const client = await RawWebSocket.connect(server().baseUrl);
        await client.nextJson();
        const text = Buffer.from(JSON.stringify({ username: 'nobody', message: 'history 1' }));
        const pieces = Array.from({ length: 4 }, (_, i) => text.subarray(Math.floor((i * text.length) / 4), Math.floor(((i + 1) * text.length) / 4)));
        pieces.forEach((payload, i) => client.write(encodeFrame({ opcode: i === 0 ? OPCODE.text : OPCODE.continuation, payload, fin: i === 3 })));
        expect(await client.nextJson()).to.include({ type: 'history' });
      });
    });

    describe('10. HTTP edges', () => {
      it('answers TRACE with a JSON 501', async () => {
        const reply = await rawHttp(server().baseUrl, 'TRACE / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
        expect(reply.status).to.equal(501);
        expect(reply.json).to.deep.equal({ error: { code: 'NOT_IMPLEMENTED', message: 'this server does not implement TRACE' } });
      });

      it('answers headers too large with a JSON 431', async () => {
        const reply = await rawHttp(server().baseUrl, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
        expect(reply.status).to.equal(431);
        expect(reply.json).to.deep.include({ error: { code: 'HEADERS_TOO_LARGE', message: 'request headers are too large' } });
      });

      it('refuses a Content-Length of 2^32 or more before any body arrives', async () => {
        for (const length of ['4294967296', '18446744073709551615']) {
          const reply = await rawHttp(
            server().baseUrl,
            `POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`,
          );
          expect(reply.status, length).to.be.oneOf([400, 413]);
          expect(reply.json?.error?.code, length).to.be.oneOf(['BAD_REQUEST', 'PAYLOAD_TOO_LARGE']);
        }
      });
    });
  },
  POSTGRESQL_ONLY,
);

describeOnEachDatabase(
  'The connection layer under abuse, with short request timeouts',
  { HEADERS_TIMEOUT: '1s', REQUEST_TIMEOUT: '2s' },
  (server) => {
    const expected = { code: 'REQUEST_TIMEOUT', message: "send the request's headers within 1 s and the whole request within 2 s" };

    describe('4. a client that sends its request too slowly', () => {
      it('has its socket closed without an answer when it sends nothing within HEADERS_TIMEOUT', async () => {
        const silent = net.connect({ port: Number(new URL(server().baseUrl).port), host: '127.0.0.1' });
        silent.on('error', () => undefined);
        const received: Buffer[] = [];
        silent.on('data', (chunk: Buffer) => received.push(chunk));
        await new Promise((resolve) => silent.once('connect', resolve));
        const started = Date.now();
        await new Promise((resolve) => silent.once('close', resolve));
        // The timeouts are checked each second.
        expect(Date.now() - started).to.be.within(900, 3500);
        expect(Buffer.concat(received).length).to.equal(0);
      });

      it('is answered 408 when its headers do not end within HEADERS_TIMEOUT', async () => {
        const started = Date.now();
        const reply = await rawHttp(server().baseUrl, 'GET /healthz HTTP/1.1\r\nHost: x\r\n', { timeoutMs: 5000 });
        expect(Date.now() - started).to.be.within(900, 3500);
        expect(reply.status).to.equal(408);
        expect(reply.json).to.deep.include({ error: expected });
      });

      it('is answered 408 when its body does not arrive within REQUEST_TIMEOUT', async () => {
        const started = Date.now();
        const reply = await rawHttp(
          server().baseUrl,
          'POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"username":',
          { timeoutMs: 6000 },
        );
        expect(Date.now() - started).to.be.within(1900, 4500);
        expect(reply.status).to.equal(408);
        expect(reply.json).to.deep.include({ error: expected });
      });
    });
  },
  POSTGRESQL_ONLY,
);

async function expectUpgradeRefused(server: TestServer, localAddress: string): Promise<void> {
  const refused = await RawWebSocket.connect(server.baseUrl, '/ws', { localAddress }).then(
    (socket) => {
      socket.destroy();
      return undefined;
    },
    (error: Error) => error.message,
  );
  expect(refused).to.match(/429/);
}
