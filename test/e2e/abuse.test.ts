import { expect } from 'chai';
import { POSTGRESQL_ONLY } from '../support/databases.js';
import { describeOnEachDatabase } from '../support/each-database.js';
import { eventually } from '../support/eventually.js';
import { TEST_PASSWORD, type TestServer } from '../support/test-server.js';

const login = (server: TestServer, username: string, password = TEST_PASSWORD) => server.post('/api/login', { username, password });

describe('Abuse limits', () => {
  describeOnEachDatabase(
    'login throttling per account',
    { LOGIN_LIMIT_PER_ACCOUNT: '3/1m' },
    (server) => {
      it('answers 429 RATE_LIMITED with Retry-After past the limit, in any case of the name', async () => {
        await server().register('alice');
        for (const name of ['alice', 'ALICE', 'Alice']) expect((await login(server(), name, 'wrong password')).status).to.equal(401);
        const refused = await login(server(), 'alice');
        expect(refused.status).to.equal(429);
        expect(refused.body.error.code).to.equal('RATE_LIMITED');
        expect(Number(refused.headers.get('retry-after'))).to.be.within(1, 60);
      });

      it('leaves other accounts alone', async () => {
        await server().register('alice');
        await server().register('bob');
        for (let i = 0; i < 4; i += 1) await login(server(), 'alice', 'wrong password');
        expect((await login(server(), 'bob')).status).to.equal(200);
      });
    },
    POSTGRESQL_ONLY,
  );

  describeOnEachDatabase(
    'login throttling per address',
    { LOGIN_LIMIT_PER_ADDRESS: '3/1m' },
    (server) => {
      it('answers 429 past the limit, whichever accounts are tried', async () => {
        for (const name of ['anna', 'bert', 'carl']) expect((await login(server(), name)).status).to.equal(401);
        const refused = await login(server(), 'dora');
        expect(refused.status).to.equal(429);
        expect(refused.body.error.code).to.equal('RATE_LIMITED');
        expect(refused.headers.get('retry-after')).to.match(/^[1-9][0-9]*$/);
      });
    },
    POSTGRESQL_ONLY,
  );

  describeOnEachDatabase(
    'registration throttling per address',
    { REGISTER_LIMIT_PER_ADDRESS: '2/1h' },
    (server) => {
      it('answers 429 past the limit and creates no account', async () => {
        await server().register('first');
        await server().register('second');
        const refused = await server().post('/api/reg', { username: 'third', password: TEST_PASSWORD });
        expect(refused.status).to.equal(429);
        expect(refused.body.error.code).to.equal('RATE_LIMITED');
        expect(await server().db('users').where({ username: 'third' })).to.have.length(0);
      });
    },
    POSTGRESQL_ONLY,
  );

  describeOnEachDatabase(
    'password hashing under a storm',
    { BCRYPT_COST: '12', HASH_CONCURRENCY: '1', HASH_QUEUE_MAX: '1' },
    (server) => {
      it('refuses what it cannot queue with 503 BUSY at once, and serves the rest', async function () {
        this.timeout(30_000);
        const started = Date.now();
        const replies = await Promise.all(Array.from({ length: 6 }, () => login(server(), 'nobody').then((reply) => ({ ...reply, ms: Date.now() - started }))));
        const busy = replies.filter((r) => r.status === 503);
        const served = replies.filter((r) => r.status === 401);
        expect(busy.map((r) => r.body.error.code)).to.deep.equal(['BUSY', 'BUSY', 'BUSY', 'BUSY']);
        expect(served).to.have.length(2);
        // Refused at once: before even one cost-12 hash (a quarter second or more) could finish.
        for (const reply of busy) {
          expect(reply.headers.get('retry-after')).to.equal('1');
          expect(reply.ms).to.be.below(Math.min(...served.map((r) => r.ms)));
        }
      });
    },
    POSTGRESQL_ONLY,
  );

  describeOnEachDatabase(
    'the cost of an unknown user',
    { BCRYPT_COST: '10' },
    (server) => {
      it('is a full password comparison, like a wrong password, so timing does not reveal accounts', async function () {
        this.timeout(30_000);
        await server().register('alice');
        const time = async (username: string) => {
          const started = process.hrtime.bigint();
          expect((await login(server(), username, 'wrong password')).status).to.equal(401);
          return Number(process.hrtime.bigint() - started) / 1e6;
        };
        await time('nobody'); // the dummy hash is made on first use
        const unknown: number[] = [];
        const wrong: number[] = [];
        for (let i = 0; i < 5; i += 1) {
          unknown.push(await time(`nobody${i}`));
          wrong.push(await time('alice'));
        }
        const median = (values: number[]) => [...values].sort((a, b) => a - b)[2]!;
        // A cost-10 comparison takes tens of milliseconds; skipping it would make unknown users near-instant.
        expect(median(unknown)).to.be.above(median(wrong) * 0.5);
      });
    },
    POSTGRESQL_ONLY,
  );

  describeOnEachDatabase(
    'frames per connection',
    { FRAME_RATE_PER_SECOND: '5', FRAME_RATE_BURST: '5' },
    (server) => {
      it('refuses frames past the burst with RATE_LIMITED and stores only what was allowed', async () => {
        const alice = await server().connectAs('alice'); // auth is the first frame of the budget
        for (let i = 0; i < 8; i += 1) alice.send('alice', `m${i}`);
        const frames = await alice.nextMany(8);
        expect(frames.filter((f) => f.type === 'message')).to.have.length(4);
        expect(frames.filter((f) => f.code === 'RATE_LIMITED')).to.have.length(4);
        expect(await server().db('messages').select('id')).to.have.length(4);
      });

      it('allows frames again once the budget refills', async () => {
        const alice = await server().connectAs('alice');
        for (let i = 0; i < 6; i += 1) alice.send('alice', `m${i}`);
        await alice.nextMany(6);
        // The refill is the rule under test, on the server's own clock (not injectable here): two frames' worth of it at 5/s.
        await new Promise((resolve) => setTimeout(resolve, 450));
        alice.send('alice', 'later');
        expect(await alice.next()).to.include({ type: 'message', message: 'later' });
      });

      it('closes a connection that keeps sending with 1008', async () => {
        const flooder = await server().connect();
        for (let i = 0; i < 40; i += 1) flooder.send('x', 'history 1');
        expect((await flooder.closed).code).to.equal(1008);
      });
    },
    POSTGRESQL_ONLY,
  );

  describeOnEachDatabase(
    'connections per address',
    { MAX_CONNECTIONS_PER_ADDRESS: '2' },
    (server) => {
      it('refuses the upgrade past the limit with 429, and allows it again when one closes', async () => {
        const first = await server().connect();
        await server().connect();
        const error = await server()
          .connect()
          .catch((e: unknown) => e);
        expect(String(error)).to.match(/429/);
        first.close();
        await first.closed;
        await eventually(() => server().openConnections === 1, { what: 'the server forgets the closed connection', timeoutMs: 2000 });
        await server().connect();
      });
    },
    POSTGRESQL_ONLY,
  );

  describeOnEachDatabase(
    'connections in total',
    { MAX_CONNECTIONS: '2' },
    (server) => {
      it('refuses the upgrade past the limit with 503', async () => {
        await server().connect();
        await server().connect();
        expect(
          String(
            await server()
              .connect()
              .catch((e: unknown) => e),
          ),
        ).to.match(/503/);
      });
    },
    POSTGRESQL_ONLY,
  );

  describeOnEachDatabase(
    'allowed origins',
    { ALLOWED_ORIGINS: 'https://chat.example, https://other.example' },
    (server) => {
      it('refuses a browser from another origin with 403', async () => {
        const error = await server()
          .connect('/ws', { origin: 'https://evil.example' })
          .catch((e: unknown) => e);
        expect(String(error)).to.match(/403/);
      });

      it("admits the listed origins, clients without an Origin, and the server's own web client", async () => {
        await server().connect('/ws', { origin: 'https://chat.example' });
        await server().connect('/ws', { origin: 'https://other.example' });
        await server().connect('/ws');
        await server().connect('/ws', { origin: server().baseUrl });
      });
    },
    POSTGRESQL_ONLY,
  );

  describeOnEachDatabase(
    'heartbeat',
    { HEARTBEAT_INTERVAL: '1s' },
    (server) => {
      it('terminates and forgets a connection that does not answer pings', async function () {
        this.timeout(10_000);
        const silent = await server().connect('/ws', { autoPong: false });
        const alive = await server().connect();
        await eventually(() => server().openConnections === 1, { what: 'the silent connection terminated', timeoutMs: 4000 });
        expect(silent.socket.readyState).to.be.oneOf([silent.socket.CLOSING, silent.socket.CLOSED]);
        alive.send('x', 'history 1');
        expect((await alive.next()).type).to.equal('history');
      });
    },
    POSTGRESQL_ONLY,
  );

  describeOnEachDatabase(
    'slow consumers',
    { SEND_BUFFER_MAX: '65536', MESSAGE_MAX: '4000' },
    (server) => {
      it('closes a reader that stops reading once its send buffer passes the limit, and the others get everything', async function () {
        this.timeout(30_000);
        const stalled = await server().connect();
        stalled.socket.pause(); // reads nothing more: the server's buffer for it grows
        const writer = await server().connectAs('writer');
        const reader = await server().connect();
        const text = 'x'.repeat(3990);
        const total = 1500; // 6 MB: more than loopback socket buffers absorb
        for (let i = 0; i < total; i += 1) writer.send('writer', `${i} ${text}`);
        const received = await reader.nextMany(total, 20_000);
        expect(received.map((f) => Number(f.message!.split(' ')[0]))).to.deep.equal(Array.from({ length: total }, (_, i) => i));
        await eventually(() => server().openConnections === 2, { what: 'the stalled reader closed', timeoutMs: 5000 });
      });
    },
    POSTGRESQL_ONLY,
  );

  describeOnEachDatabase(
    'token expiry on an open connection',
    { TOKEN_TTL: '2' },
    (server) => {
      it('drops the connection back to unauthorized with TOKEN_EXPIRED, and a fresh token authorizes again', async function () {
        this.timeout(10_000);
        const token = await server().register('alice');
        const client = await server().connect();
        await client.auth('alice', token);
        expect(await client.next(4000)).to.include({ type: 'info', code: 'TOKEN_EXPIRED' });
        client.send('alice', 'too late');
        expect(await client.next()).to.include({ type: 'error', code: 'NOT_AUTHENTICATED' });
        const fresh = (await login(server(), 'alice')).body.token as string;
        await client.auth('alice', fresh);
        client.send('alice', 'back');
        expect(await client.next()).to.include({ type: 'message', message: 'back' });
      });
    },
    POSTGRESQL_ONLY,
  );
});
