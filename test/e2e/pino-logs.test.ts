import { expect } from 'chai';
import { rmSync } from 'node:fs';
import { temporaryDirectory } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import { ProcessDatabase } from '../support/process-database.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';
import { TestClient } from '../support/ws-client.js';

const JWT_SECRET = 'a-process-secret-that-must-never-be-logged-0123456789';
const PASSWORD = 'process password that stays secret';
const WRONG_PASSWORD = 'a wrong guess that stays secret too';

/**
 * The server as `npm start` runs it, with its stdout captured: a session of
 * register, login, auth over WebSocket and a post, then SIGTERM, and the
 * whole output read afterwards.
 */
describe('Logs of the server process', function () {
  this.timeout(60_000);
  let database: ProcessDatabase | undefined;
  let dataDir: string | undefined;
  let running: ServerProcess | undefined;
  let stderr = '';

  before(async function () {
    database = await ProcessDatabase.prepare(this);
    dataDir = temporaryDirectory();
    running = await startServerProcess({ DATABASE_URL: database.url, DATA_DIR: dataDir, JWT_SECRET, LOG_LEVEL: 'info' });
    running.child.stderr!.on('data', (chunk) => (stderr += chunk));
  });
  after(async () => {
    if (running && running.child.exitCode === null) {
      running.child.kill('SIGKILL');
      await running.exited;
    }
    await database?.dispose();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const post = async (path: string, body: unknown) => {
    const response = await fetch(`http://127.0.0.1:${running!.port}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as { token?: string } };
  };

  it('writes JSON lines with level, time and event, one line per connection opened and closed, and never a password or a token', async () => {
    const registered = await post('/api/reg', { username: 'alice', password: PASSWORD });
    expect(registered.status).to.equal(201);
    expect((await post('/api/login', { username: 'alice', password: WRONG_PASSWORD })).status).to.equal(401);
    const login = await post('/api/login', { username: 'alice', password: PASSWORD });
    const token = login.body.token as string;

    const url = `ws://127.0.0.1:${running!.port}/ws`;
    const alice = await TestClient.connect(url);
    await alice.auth('alice', token);
    alice.send('alice', 'hello from the log test');
    expect(await alice.next()).to.include({ type: 'message', message: 'hello from the log test' });
    // A forged token is refused, and is not logged either.
    const forged = `${registered.body.token as string}x`;
    const intruder = await TestClient.connect(url);
    intruder.send('alice', `auth ${forged}`);
    expect(await intruder.next()).to.include({ type: 'error' });
    alice.close();
    intruder.close();
    await Promise.all([alice.closed, intruder.closed]);

    running!.child.kill('SIGTERM');
    expect(await running!.exited).to.equal(0);

    const { logs } = running!;
    expect(
      logs.filter((entry) => 'raw' in entry),
      'lines that are not JSON',
    ).to.deep.equal([]);
    for (const entry of logs) {
      expect(entry.level, JSON.stringify(entry)).to.be.oneOf(['info', 'warn', 'error']);
      expect(new Date(entry.time as string).toISOString(), JSON.stringify(entry)).to.equal(entry.time);
      expect(entry.event, JSON.stringify(entry)).to.be.a('string').and.not.equal('');
    }
    const events = logs.map((entry) => entry.event);
    expect(events.filter((event) => event === 'connection opened')).to.have.length(2);
    expect(events.filter((event) => event === 'connection closed')).to.have.length(2);
    expect(events).to.include.members(['listening', 'shutting down']);

    const output = JSON.stringify(logs) + stderr;
    for (const secret of [PASSWORD, WRONG_PASSWORD, token, registered.body.token as string, forged, JWT_SECRET]) {
      expect(output).to.not.include(secret);
    }
    // Nor any piece of a token: its payload names the user and its signature is the secret's work.
    for (const part of token.split('.')) expect(output).to.not.include(part);
  });
});

describe('The metrics log line of the server process (METRICS_INTERVAL)', function () {
  this.timeout(60_000);
  let database: ProcessDatabase | undefined;
  let dataDir: string | undefined;
  let running: ServerProcess | undefined;

  before(async function () {
    database = await ProcessDatabase.prepare(this);
    dataDir = temporaryDirectory();
  });
  after(async () => {
    if (running && running.child.exitCode === null) {
      running.child.kill('SIGKILL');
      await running.exited;
    }
    await database?.dispose();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("logs a 'metrics' line every interval with the event-loop delay, the connections and the messages stored", async () => {
    running = await startServerProcess({ DATABASE_URL: database!.url, DATA_DIR: dataDir!, JWT_SECRET, METRICS_INTERVAL: '1' });
    const client = await TestClient.connect(`ws://127.0.0.1:${running.port}/ws`);
    const metricsLines = () => running!.logs.filter((entry) => entry.event === 'metrics');
    // Lines come from the start on; wait for two written while the client is connected.
    const connected = () => metricsLines().filter((entry) => entry.connections === 1);
    try {
      await eventually(() => expect(connected().length).to.be.at.least(2), {
        what: 'two metrics lines with the client connected',
        timeoutMs: 10_000,
        everyMs: 50,
      });
    } finally {
      client.close();
    }
    const [line] = connected();
    expect(line).to.include({ level: 'info', authorizedConnections: 0, messagesStored: 0 });
    for (const field of ['loopDelayP50Ms', 'loopDelayP99Ms', 'loopDelayMaxMs', 'heapUsedMiB']) expect(line![field], field).to.be.a('number').and.at.least(0);
  });
});
