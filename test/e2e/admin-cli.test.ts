import { spawn } from 'node:child_process';
import { expect } from 'chai';
import { AccountApi } from '../support/account-api.js';
import { compiledEntry } from '../support/compiled-entry.js';
import { Cluster } from '../support/cluster.js';
import { ProcessDatabase } from '../support/process-database.js';
import { REDIS_URL, requireRedis, uniqueChannel } from '../support/redis.js';
import { TEST_PASSWORD } from '../support/test-server.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `npm run admin -- <args>` as the operator runs it, configured by environment only. */
function admin(args: string[], env: Record<string, string>): Promise<Run> {
  const child = spawn(process.execPath, [...compiledEntry('admin'), ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

describe('npm run admin (PostgreSQL, Redis)', function () {
  this.timeout(60_000);
  let database: ProcessDatabase | undefined;
  let cluster: Cluster;
  let env: Record<string, string>;

  beforeEach(async function () {
    await requireRedis(this);
    database = await ProcessDatabase.prepare(this);
    cluster = new Cluster(database, uniqueChannel('admin'));
    env = { DATABASE_URL: database.url, DATA_DIR: database.target.dataDir, REDIS_URL, REDIS_CHANNEL: cluster.channel };
  });
  afterEach(async () => {
    await cluster?.stopAll();
    await database?.dispose();
    database = undefined;
  });

  it('makes a user an administrator, who may then suspend others; and a member again', async () => {
    const node = await cluster.start('a', REDIS_URL);
    await cluster.register(node, 'Root');
    await cluster.register(node, 'mallory');
    const granted = await admin(['grant', 'root'], env);
    expect(granted, granted.stderr).to.deep.include({ code: 0, stdout: 'Root is an administrator\n' });
    const api = new AccountApi(`http://127.0.0.1:${node.port}`);
    const { token } = await api.login('root');
    expect((await api.call('POST', '/api/users/mallory/suspend', { token })).status).to.equal(204);
    expect((await admin(['revoke', 'root'], env)).stdout).to.equal('Root is a member\n');
    expect((await api.call('POST', '/api/users/mallory/reinstate', { token })).status).to.equal(403);
  });

  it('suspends a user: its connections on the running nodes are told at once, its logins refused; reinstate lifts it', async () => {
    const node = await cluster.start('a', REDIS_URL);
    const token = await cluster.register(node, 'mallory');
    const connection = await cluster.connect(node, { username: 'mallory', token });
    const suspended = await admin(['suspend', 'mallory'], env);
    expect(suspended, suspended.stderr).to.deep.include({ code: 0, stdout: 'mallory is suspended; its sessions have ended\n' });
    await connection.until((r) => r.frames.some((frame) => frame.code === 'SESSION_REVOKED' && frame.reason === 'suspended'), 'told it is suspended', 3000);
    const api = new AccountApi(`http://127.0.0.1:${node.port}`);
    expect((await api.call('POST', '/api/login', { body: { username: 'mallory', password: TEST_PASSWORD } })).body.error.code).to.equal('ACCOUNT_SUSPENDED');
    expect((await admin(['reinstate', 'mallory'], env)).code).to.equal(0);
    expect((await api.call('POST', '/api/login', { body: { username: 'mallory', password: TEST_PASSWORD } })).status).to.equal(200);
  });

  it('says so on stderr with exit 1 for an unknown user, and shows the usage with exit 2 for a wrong command line', async () => {
    await cluster.start('a', REDIS_URL);
    const unknown = await admin(['grant', 'nobody'], env);
    expect(unknown.code).to.equal(1);
    expect(unknown.stdout).to.equal('');
    expect(unknown.stderr).to.match(/^UNKNOWN_USER: there is no user "nobody"\n$/);
    for (const args of [[], ['grant'], ['promote', 'alice'], ['grant', 'alice', 'extra']]) {
      const wrong = await admin(args, env);
      expect(wrong.code, args.join(' ')).to.equal(2);
      expect(wrong.stderr).to.match(/^usage: npm run admin -- grant\|revoke\|suspend\|reinstate <username>\n$/);
    }
  });
});
