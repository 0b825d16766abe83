import { expect } from 'chai';
import { connect } from 'node:net';
import { Burst, numberedTexts } from '../support/burst.js';
import { ProcessDatabase, type StoredMessage } from '../support/process-database.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';
import { GENEROUS_LIMITS, TEST_JWT_SECRET, TEST_PASSWORD } from '../support/test-server.js';
import { TestClient } from '../support/ws-client.js';

const SENDERS = 5;
/** More than a sender can post before the server is stopped: the burst is still going when the signal lands. */
const PER_SENDER = 2000;
/** Messages each sender keeps in flight (sent, not yet acknowledged). */
const WINDOW = 10;
/** The signal is sent once this many messages in all have been acknowledged. */
const ACKED_BEFORE_SIGNAL = 300;

/** When the signal went to the server, and how far the burst was then. */
interface SignalMoment {
  sent: boolean;
  at: number;
  messagesSent: number;
  messagesAcked: number;
}

describe('The server process stopped in the middle of a burst (PostgreSQL)', function () {
  this.timeout(60_000);
  let database: ProcessDatabase | undefined;
  let running: ServerProcess | undefined;

  beforeEach(async function () {
    database = await ProcessDatabase.prepare(this);
  });
  afterEach(async () => {
    if (running && running.child.exitCode === null && running.child.signalCode === null) {
      running.child.kill('SIGKILL');
      await running.exited;
    }
    running = undefined;
    await database?.dispose();
    database = undefined;
  });

  const start = () =>
    startServerProcess({
      ...GENEROUS_LIMITS,
      DATABASE_URL: database!.url,
      DATA_DIR: database!.target.dataDir,
      JWT_SECRET: TEST_JWT_SECRET,
      HISTORY_MAX: '10000',
    });

  const register = async (port: number, username: string): Promise<string> => {
    const response = await fetch(`http://127.0.0.1:${port}/api/reg`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password: TEST_PASSWORD }),
    });
    expect(response.status).to.equal(201);
    return ((await response.json()) as { token: string }).token;
  };

  const connectAs = async (port: number, username: string, token: string): Promise<TestClient> => {
    const client = await TestClient.connect(`ws://127.0.0.1:${port}/ws`);
    await client.auth(username, token);
    return client;
  };

  /**
   * SENDERS authorized clients, each posting `c<i>-m<j>` as fast as its
   * acknowledgements allow; `signal` is sent to the server the moment the
   * ACKED_BEFORE_SIGNAL-th acknowledgement arrives, when the writes that
   * follow it are in flight.
   */
  const startBursts = async (server: ServerProcess, signal: NodeJS.Signals): Promise<{ bursts: Burst[]; done: Promise<Burst[]>; signalled: SignalMoment }> => {
    const { port } = server;
    const names = Array.from({ length: SENDERS }, (_, i) => `sender${i}`);
    const tokens = await Promise.all(names.map((name) => register(port, name)));
    const clients = await Promise.all(names.map((name, i) => connectAs(port, name, tokens[i] as string)));
    const signalled: SignalMoment = { sent: false, at: 0, messagesSent: 0, messagesAcked: 0 };
    const onAck = () => {
      if (signalled.sent || totalAcked(bursts) < ACKED_BEFORE_SIGNAL) return;
      server.child.kill(signal);
      Object.assign(signalled, { sent: true, at: Date.now(), messagesSent: totalSent(bursts), messagesAcked: totalAcked(bursts) });
    };
    const bursts: Burst[] = clients.map(
      (client, i) => new Burst(client, names[i] as string, numberedTexts(`c${i}`, PER_SENDER), { window: WINDOW, deadlineMs: 30_000, onAck }),
    );
    return { bursts, done: Promise.all(bursts.map((burst) => burst.run())), signalled };
  };

  const totalAcked = (bursts: Burst[]) => bursts.reduce((sum, burst) => sum + burst.acked.length, 0);
  const totalSent = (bursts: Burst[]) => bursts.reduce((sum, burst) => sum + burst.sent.length, 0);

  /**
   * What must hold of the table after any stop: each sender's stored
   * messages are a gap-free prefix of what it sent, in its send order (so
   * ids increase in send order and nothing is stored twice or invented), and
   * every acknowledged message is among them, under the id its
   * acknowledgement carried.
   */
  const expectEveryAcknowledgedMessageStoredOnceInOrder = (rows: StoredMessage[], bursts: Burst[]) => {
    expect(new Set(rows.map((row) => row.text)).size, 'no text is stored twice').to.equal(rows.length);
    const ids = rows.map((row) => row.id);
    for (const burst of bursts) {
      const stored = rows.filter((row) => row.username === burst.username);
      expect(
        stored.map((row) => row.text),
        `${burst.username}: stored = a prefix of what it sent`,
      ).to.deep.equal(burst.sent.slice(0, stored.length));
      expect(
        burst.acked.map((ack) => ack.text),
        `${burst.username}: acknowledged in send order`,
      ).to.deep.equal(burst.sent.slice(0, burst.acked.length));
      expect(stored.length, `${burst.username}: every acknowledged message is stored`).to.be.at.least(burst.acked.length);
      expect(
        stored.slice(0, burst.acked.length).map((row) => row.id),
        `${burst.username}: stored under the acknowledged ids`,
      ).to.deep.equal(burst.acked.map((ack) => ack.id));
    }
    expect(ids, 'ids increase').to.deep.equal([...ids].sort((a, b) => a - b));
  };

  it('after kill -9 and a restart, every acknowledged message is stored exactly once, in each sender’s order, and history shows them', async () => {
    running = await start();
    const { bursts, done, signalled } = await startBursts(running, 'SIGKILL');
    await done;
    expect(signalled.sent, 'the burst got going').to.equal(true);
    await running.exited;

    expect(running.child.signalCode).to.equal('SIGKILL');
    expect(
      bursts.map((burst) => burst.ended),
      'every burst was cut short by the kill',
    ).to.deep.equal(bursts.map(() => 'closed'));
    expect(signalled.messagesSent, 'messages were in flight when the process died').to.be.above(signalled.messagesAcked);
    expect(
      bursts.flatMap((burst) => burst.errors),
      'no message was refused',
    ).to.deep.equal([]);

    running = await start();
    const rows = await database!.messages();
    expectEveryAcknowledgedMessageStoredOnceInOrder(rows, bursts);

    const reader = await TestClient.connect(`ws://127.0.0.1:${running.port}/ws`);
    reader.send('anyone', 'history 10000');
    const history = await reader.next(10_000);
    expect(history.type).to.equal('history');
    expect(history.messages!.map(({ id, username, message }) => ({ id, username, text: message }))).to.deep.equal(rows);

    // The restarted server goes on from there.
    const token = await register(running.port, 'after');
    const writer = await connectAs(running.port, 'after', token);
    writer.send('after', 'after the crash');
    const stored = await writer.next();
    expect(stored.type).to.equal('message');
    expect(stored.id).to.be.above(rows.at(-1)?.id ?? 0);
    reader.close();
    writer.close();

    const acked = totalAcked(bursts);
    console.log(
      `      (SIGKILL: ${totalSent(bursts)} sent, ${acked} acknowledged, ${rows.length} stored, ` +
        `${rows.length - acked} stored without an acknowledgement, ${totalSent(bursts) - rows.length} lost unacknowledged)`,
    );
  });

  it('on SIGTERM clients get 1001 with a reason, every acknowledged message is stored, the process exits 0 within 10 s and the port is closed', async () => {
    running = await start();
    const { port } = running;
    const { bursts, done, signalled } = await startBursts(running, 'SIGTERM');
    await done;
    expect(signalled.sent, 'the burst got going').to.equal(true);
    const closes = await Promise.all(bursts.map((burst) => burst.client.closed));
    const closedAfterMs = Date.now() - signalled.at;

    for (const close of closes) {
      expect(close.code).to.equal(1001);
      expect(close.reason).to.not.equal('');
    }
    expect(signalled.messagesSent, 'messages were in flight when the signal came').to.be.above(signalled.messagesAcked);
    // The server may refuse what comes in once it is stopping, but only as UNAVAILABLE.
    expect(bursts.flatMap((burst) => burst.errors.map((frame) => frame.code)).filter((code) => code !== 'UNAVAILABLE')).to.deep.equal([]);

    // Told to go away, a client cannot come back to the stopping server.
    const refusedWhileStopping = await TestClient.connect(`ws://127.0.0.1:${port}/ws`).then(
      (client) => {
        client.close();
        return false;
      },
      () => true,
    );
    expect(refusedWhileStopping, 'a new connection during shutdown is refused').to.equal(true);

    const code = await running.exited;
    const exitedAfterMs = Date.now() - signalled.at;
    expect(code).to.equal(0);
    expect(exitedAfterMs).to.be.below(10_000);
    const connectError = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(undefined);
      });
      socket.once('error', (error) => resolve(error));
    });
    expect(connectError?.code, 'nothing listens on the port any more').to.equal('ECONNREFUSED');

    const rows = await database!.messages();
    expectEveryAcknowledgedMessageStoredOnceInOrder(rows, bursts);
    for (const burst of bursts) {
      // A sender's messages are refused from some point on, so the refused ones are its last: none of them is stored.
      const stored = rows.filter((row) => row.username === burst.username).length;
      expect(stored, `${burst.username}: nothing refused is stored`).to.be.at.most(burst.sent.length - burst.errors.length);
    }

    const acked = totalAcked(bursts);
    const refused = bursts.reduce((sum, burst) => sum + burst.errors.length, 0);
    console.log(
      `      (SIGTERM: ${refused} refused, ${totalSent(bursts)} sent, ${acked} acknowledged, ${rows.length} stored, ` +
        `${rows.length - acked} stored without an acknowledgement; clients closed after ${closedAfterMs} ms, exit after ${exitedAfterMs} ms)`,
    );
  });
});
