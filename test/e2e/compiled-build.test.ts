import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { temporaryDirectory } from '../support/databases.js';
import { ProcessDatabase } from '../support/process-database.js';

/** A JSON log line, or undefined for npm's own output. */
function logEntry(line: string): Record<string, unknown> | undefined {
  return line.startsWith('{') ? (JSON.parse(line) as Record<string, unknown>) : undefined;
}

/** An npm script run as a user runs it, with only the environment given. */
function npm(args: string[], env: Record<string, string>) {
  const child = spawn('npm', args, {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const output = createInterface({ input: child.stdout });
  const lines: string[] = [];
  output.on('line', (line) => lines.push(line));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const failed = () => new Error(`npm ${args.join(' ')} exited with ${child.exitCode}: ${stderr}`);
  return {
    lines,
    exited,
    failed,
    /** The first log line of this event from now on; a failure if npm exits first. */
    logged: (event: string) =>
      new Promise<Record<string, unknown>>((resolve, reject) => {
        output.on('line', (line) => {
          const entry = logEntry(line);
          if (entry?.event === event) resolve(entry);
        });
        void exited.then(() => reject(failed()));
      }),
  };
}

/**
 * `npm start` as a fresh clone runs it, through npm, on the build (it
 * migrates, then serves): the other process tests run src/ under tsx, so this one is what
 * catches a path from import.meta.url that does not hold in dist/ (the web
 * client's folder, the bcrypt worker) or a script that still needs a loader.
 */
describe('The compiled server (npm start)', function () {
  this.timeout(120_000);
  let database: ProcessDatabase | undefined;
  let dataDir: string;
  let server: ReturnType<typeof npm> | undefined;
  let serverPid: number | undefined;

  // On PostgreSQL, which migrates in a fraction of the embedded database's time; the zero-config start is server-process.test.ts's.
  beforeEach(async function () {
    database = await ProcessDatabase.prepare(this);
    dataDir = temporaryDirectory();
  });
  afterEach(async () => {
    if (serverPid !== undefined && server) {
      try {
        process.kill(serverPid, 'SIGKILL');
      } catch {
        // Already gone.
      }
      await server.exited;
    }
    await database?.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('builds, then runs dist/main.js on plain node: migrations, the web client, a registration, a clean SIGTERM', async () => {
    const env = { DATABASE_URL: database!.url, DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', BCRYPT_COST: '4' };
    server = npm(['start'], env);
    const listening = await server.logged('listening');
    serverPid = listening.pid as number;
    const base = `http://127.0.0.1:${listening.port as number}`;
    if (process.platform === 'linux') {
      const command = readFileSync(`/proc/${serverPid}/cmdline`, 'utf8').split('\0');
      expect(command, 'the server process npm start runs').to.include('dist/main.js');
      expect(command.join(' ')).to.not.match(/tsx/);
    }

    const page = await fetch(`${base}/`);
    expect(page.status, 'the web client, found from dist/').to.equal(200);
    expect(await page.text()).to.match(/<html/i);
    const registered = await fetch(`${base}/api/reg`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'alice', password: 'a password long enough' }),
    });
    expect(registered.status, 'a hash on the bcrypt worker, found from dist/').to.equal(201);

    process.kill(serverPid, 'SIGTERM');
    expect(await server.exited).to.equal(0);
    serverPid = undefined;
    expect(server.lines.map(logEntry).map((entry) => entry?.event)).to.include('shutting down');
  });
});
