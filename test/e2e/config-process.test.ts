import { expect } from 'chai';
import { rmSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { temporaryDirectory } from '../support/databases.js';
import { ProcessDatabase } from '../support/process-database.js';
import { runServerProcessToExit } from '../support/server-process.js';

/** The server process refusing a wrong setting: exit code 1 and one line on stderr, nothing more. */
describe('The server process with a wrong setting', function () {
  this.timeout(60_000);

  const mistakes: Array<[string, Record<string, string>, RegExp]> = [
    ['a number that is not one', { PORT: 'abc' }, /^configuration error: PORT must be a whole number from 0 to 65535, not "abc"$/],
    [
      'a value not in the list',
      { LOG_LEVEL: 'verbose' },
      /^configuration error: LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, not "verbose"$/,
    ],
    ['a URL of the wrong kind', { REDIS_URL: 'http://:secret@cache:6379' }, /^configuration error: REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL/],
    ['a malformed duration', { METRICS_INTERVAL: 'often' }, /^configuration error: METRICS_INTERVAL must be a duration such as 10, 30s or 5m, or 0 for none/],
    ['a malformed rate', { LOGIN_LIMIT_PER_ACCOUNT: '10 per minute' }, /^configuration error: LOGIN_LIMIT_PER_ACCOUNT must be a rate/],
    ['a value with a line break in it', { HOST: 'local\nhost' }, /^configuration error: HOST must be an IP address or a host name .*, not "local\\nhost"$/],
  ];
  for (const [what, env, expected] of mistakes) {
    it(`exits 1 with one line naming the variable for ${what}`, async () => {
      const { code, stderr } = await runServerProcessToExit(env);
      expect(code).to.equal(1);
      const lines = stderr.split('\n').filter((line) => line !== '');
      expect(lines, stderr).to.have.length(1);
      expect(lines[0]).to.match(expected);
      expect(stderr).to.not.include('secret');
    });
  }

  describe('when the port is taken', () => {
    let database: ProcessDatabase | undefined;
    let dataDir: string | undefined;
    let occupant: Server | undefined;
    after(async () => {
      await new Promise((resolve) => (occupant ? occupant.close(resolve) : resolve(undefined)));
      await database?.dispose();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    });

    it('exits 1 without a stack trace', async function () {
      database = await ProcessDatabase.prepare(this);
      dataDir = temporaryDirectory();
      occupant = createServer();
      await new Promise<void>((resolve) => occupant!.listen(0, '127.0.0.1', resolve));
      const port = (occupant.address() as AddressInfo).port;
      const { code, stderr } = await runServerProcessToExit({ DATABASE_URL: database.url, DATA_DIR: dataDir, PORT: String(port), BCRYPT_COST: '4' });
      expect(code).to.equal(1);
      expect(stderr).to.not.match(/\n\s+at /);
    });
  });
});
