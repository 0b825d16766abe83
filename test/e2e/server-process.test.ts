import { expect } from 'chai';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import net from 'node:net';
import { DATABASE_KINDS } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import { ProcessDatabase } from '../support/process-database.js';
import { RawWebSocket } from '../support/raw-websocket.js';
import { runServerProcessToExit, startServerProcess, type ServerProcess } from '../support/server-process.js';
import { TEST_PASSWORD } from '../support/test-server.js';
import { TestClient } from '../support/ws-client.js';

describe('The server process (npm start)', function () {
  this.timeout(60_000);
  let dataDir: string;
  let running: ServerProcess | undefined;

  beforeEach(async function () {
    // Migrated already (a copy of one made once per test process), where a first start takes seconds of
    // WebAssembly: these tests are about the process. The first one empties it: it is about the first start.
    dataDir = (await DATABASE_KINDS.find((kind) => kind.name === 'embedded')!.prepare(this)).dataDir;
  });
  afterEach(async () => {
    if (running && running.child.exitCode === null) {
      running.child.kill('SIGKILL');
      await running.exited;
    }
    running = undefined;
    rmSync(dataDir, { recursive: true, force: true });
  });

  const register = async (port: number, username: string) => {
    const response = await fetch(`http://127.0.0.1:${port}/api/reg`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password: TEST_PASSWORD }),
    });
    return ((await response.json()) as { token: string }).token;
  };

  it('starts with no database configured, on the embedded one, with a generated secret that survives a restart', async () => {
    rmSync(dataDir, { recursive: true, force: true });
    running = await startServerProcess({ DATA_DIR: dataDir });
    expect(existsSync(join(dataDir, 'jwt-secret'))).to.equal(true);
    expect(running.logs.some((entry) => entry.event === 'generated a JWT secret')).to.equal(true);
    const token = await register(running.port, 'alice');
    const first = await TestClient.connect(`ws://127.0.0.1:${running.port}/ws`);
    await first.auth('alice', token);
    first.send('alice', 'before restart');
    await first.next();
    first.close();
    running.child.kill('SIGTERM');
    expect(await running.exited).to.equal(0);

    running = await startServerProcess({ DATA_DIR: dataDir });
    const again = await TestClient.connect(`ws://127.0.0.1:${running.port}/ws`);
    await again.auth('alice', token);
    again.send('alice', 'history 5');
    expect((await again.next()).messages!.map((m) => m.message)).to.deep.equal(['before restart']);
    again.close();
  });

  it('serves the web client at /', async () => {
    running = await startServerProcess({ DATA_DIR: dataDir });
    const response = await fetch(`http://127.0.0.1:${running.port}/`);
    expect(response.status).to.equal(200);
    expect(await response.text()).to.match(/<html/i);
  });

  it('logs a line for each connection opened and closed', async () => {
    running = await startServerProcess({ DATA_DIR: dataDir });
    const client = await TestClient.connect(`ws://127.0.0.1:${running.port}/ws`);
    client.close();
    await client.closed;
    // The server writes its line when it has handled the close, a moment after the client's.
    await eventually(() => expect(running!.logs.map((entry) => entry.event)).to.include.members(['connection opened', 'connection closed']), {
      what: 'both lines logged',
    });
  });

  it('on SIGTERM tells clients with 1001 and exits 0', async () => {
    running = await startServerProcess({ DATA_DIR: dataDir });
    const client = await TestClient.connect(`ws://127.0.0.1:${running.port}/ws`);
    running.child.kill('SIGTERM');
    const closed = await client.closed;
    expect(closed.code).to.equal(1001);
    expect(closed.reason).to.not.equal('');
    expect(await running.exited).to.equal(0);
  });

  it('stops on SIGTERM on time and with exit code 0 whatever sockets are open: silent, half a request, a chat that never closes', async () => {
    running = await startServerProcess({ DATA_DIR: dataDir });
    const port = running.port;
    const open = async (bytes: string) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.on('error', () => undefined);
      await new Promise((resolve) => socket.once('connect', resolve));
      if (bytes) socket.write(bytes);
      return socket;
    };
    // A load balancer's TCP check, a browser's preconnect, a request cut in its headers, one cut in its body.
    const sockets = [
      await open(''),
      await open('GET /healthz HTTP/1.1\r\nHost: x\r\n'),
      await open('POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{'),
    ];
    // A raw WebSocket that will never answer the close handshake.
    const chat = await RawWebSocket.connect(`http://127.0.0.1:${port}`);
    const started = Date.now();
    running.child.kill('SIGTERM');
    expect(await running.exited).to.equal(0);
    expect(Date.now() - started, 'within the documented bound').to.be.below(6000);
    expect(running.logs.map((entry) => entry.event)).to.not.include('shutdown took too long; exiting');
    for (const socket of sockets) socket.destroy();
    chat.destroy();
  });

  it('stops right after starting without a warning: what it began at start (pruning) finishes before the database closes', async function () {
    // On PostgreSQL, where the pruning queries are still out when SIGTERM comes; they failed against a closed pool.
    const database = await ProcessDatabase.prepare(this);
    try {
      // Twice: the first start migrates, and its pruning may be done before the signal.
      for (let i = 0; i < 2; i++) {
        running = await startServerProcess({ DATABASE_URL: database.url, DATA_DIR: dataDir });
        running.child.kill('SIGTERM');
        expect(await running.exited).to.equal(0);
        expect(running.logs.filter((entry) => entry.level !== 'info')).to.deep.equal([]);
      }
    } finally {
      await database.dispose();
    }
  });

  it('says with its goodbye that what was not acknowledged was not stored', async () => {
    running = await startServerProcess({ DATA_DIR: dataDir });
    const client = await TestClient.connect(`ws://127.0.0.1:${running.port}/ws`);
    running.child.kill('SIGTERM');
    expect((await client.closed).reason).to.equal('server shutting down; messages not acknowledged were not stored');
    expect(await running.exited).to.equal(0);
  });

  it('refuses to start with a JWT_SECRET under 32 bytes, saying why', async () => {
    const { code, stderr } = await runServerProcessToExit({ DATA_DIR: dataDir, JWT_SECRET: 'too-short' });
    expect(code).to.equal(1);
    expect(stderr).to.match(/JWT_SECRET must be at least 32 bytes/);
  });

  it('refuses to start with a malformed setting, naming it', async () => {
    const { code, stderr } = await runServerProcessToExit({ DATA_DIR: dataDir, PORT: 'eighty' });
    expect(code).to.equal(1);
    expect(stderr).to.match(/PORT must be a whole number/);
  });
});
