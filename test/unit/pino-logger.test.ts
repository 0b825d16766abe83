import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { PinoLogger, turnBuffered, type LogLevel } from '../../src/adapters/logging/pino-logger.js';

const TOKEN = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg';

/** A logger writing into memory; `lines` are the raw chunks, `entries` the parsed lines. */
function setup(level: LogLevel = 'info') {
  const chunks: string[] = [];
  const logger = new PinoLogger(level, { write: (chunk: string) => void chunks.push(chunk) });
  const text = () => chunks.join('');
  const lines = () => text().split('\n').slice(0, -1);
  const entries = () => lines().map((line) => JSON.parse(line) as Record<string, any>);
  return { logger, chunks, text, lines, entries };
}

describe('PinoLogger', () => {
  describe('line format', () => {
    it('writes each call as one JSON object on its own line, with level, time, event and the fields', () => {
      const { logger, text, entries } = setup();
      logger.info('connection opened', { address: '10.0.0.1', connections: 3 });
      logger.warn('connection refused', { reason: 'too many' });
      expect(text().endsWith('\n')).to.equal(true);
      const [opened, refused] = entries();
      expect(entries()).to.have.length(2);
      expect(opened).to.include({ level: 'info', event: 'connection opened', address: '10.0.0.1', connections: 3 });
      expect(refused).to.include({ level: 'warn', event: 'connection refused', reason: 'too many' });
      expect(new Date(opened!.time).toISOString()).to.equal(opened!.time);
    });

    it('writes a line without fields too', () => {
      const { logger, entries } = setup();
      logger.error('shutdown took too long; exiting');
      expect(entries()).to.have.length(1);
      expect(entries()[0]).to.include({ level: 'error', event: 'shutdown took too long; exiting' });
    });

    it('keeps a field value with a newline inside its line', () => {
      const { logger, lines, entries } = setup();
      logger.info('database', { detail: 'first line\nsecond line' });
      expect(lines()).to.have.length(1);
      expect(entries()[0]!.detail).to.equal('first line\nsecond line');
    });
  });

  describe('levels', () => {
    const levels: Array<[LogLevel, string[]]> = [
      ['trace', ['info', 'warn', 'error']],
      ['debug', ['info', 'warn', 'error']],
      ['info', ['info', 'warn', 'error']],
      ['warn', ['warn', 'error']],
      ['error', ['error']],
      ['fatal', []],
      ['silent', []],
    ];
    for (const [level, shown] of levels) {
      it(`at ${level} writes ${shown.length ? shown.join(', ') : 'nothing'}`, () => {
        const { logger, entries } = setup(level);
        logger.info('i');
        logger.warn('w');
        logger.error('e');
        expect(entries().map((entry) => entry.level)).to.deep.equal(shown);
      });
    }
  });

  describe('secrets', () => {
    it('redacts fields named like a secret, at the top and one object down, and headers', () => {
      const { logger, text, entries } = setup();
      logger.info('request', {
        password: 'hunter2-top',
        token: 'top-token',
        authorization: 'Bearer abc-top',
        body: { username: 'alice', password: 'hunter2-nested' },
        session: { token: 'nested-token' },
        headers: { authorization: 'Bearer abc-headers', cookie: 'sid=1', accept: 'application/json' },
        request: { headers: { authorization: 'Bearer abc-deep' } },
        redisUrl: 'redis://:redis-password@cache:6379',
      });
      for (const secret of ['hunter2', 'top-token', 'nested-token', 'abc-', 'sid=1', 'redis-password']) {
        expect(text()).to.not.include(secret);
      }
      const [entry] = entries();
      expect(entry!.password).to.equal('[redacted]');
      expect(entry!.body).to.deep.equal({ username: 'alice', password: '[redacted]' });
      expect(entry!.headers).to.deep.equal({ authorization: '[redacted]', cookie: '[redacted]', accept: 'application/json' });
    });

    it('scrubs a JWT wherever it appears in a line, also inside a text', () => {
      const { logger, text, entries } = setup();
      logger.warn('frame failed', { detail: `could not use "auth ${TOKEN}"`, error: new Error(`bad token ${TOKEN}`) });
      expect(text()).to.not.include(TOKEN);
      expect(text()).to.not.include(TOKEN.split('.')[1]);
      expect(entries()[0]!.detail).to.equal('could not use "auth [redacted]"');
    });

    it('scrubs a bcrypt hash quoted in a text, such as a failed query with its bindings', () => {
      const { logger, text } = setup();
      const hash = '$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW';
      logger.error('request failed', { error: new Error(`insert into "users" ("password_hash") values ('${hash}') - connection lost`) });
      expect(text()).to.not.include(hash);
      expect(text()).to.include('[redacted]');
    });
  });

  describe('errors', () => {
    it('writes an error in any field with its type, message, code, stack and cause', () => {
      const { logger, entries } = setup();
      const cause = new TypeError('socket closed');
      const error = Object.assign(new Error('query failed', { cause }), { code: 'ECONNRESET' });
      logger.error('request failed', { error, other: new RangeError('out of range') });
      const [entry] = entries();
      expect(entry!.error).to.include({ type: 'Error', message: 'query failed', code: 'ECONNRESET' });
      expect(entry!.error.stack).to.match(/^Error: query failed\n\s+at /);
      expect(entry!.error.cause).to.include({ type: 'TypeError', message: 'socket closed' });
      expect(entry!.other).to.include({ type: 'RangeError', message: 'out of range' });
    });

    it('leaves out the other properties of an error, which may hold a request body or query bindings', () => {
      const { logger, text } = setup();
      const error = Object.assign(new SyntaxError('Unexpected token'), { body: '{"password":"hunter2"}', bindings: ['$2b$12$hash'] });
      logger.error('request failed', { error });
      expect(text()).to.not.include('hunter2');
      expect(text()).to.not.include('$2b$12$hash');
    });
  });

  describe('output', () => {
    it('writes the lines of one turn together, at its end', async () => {
      const writes: string[] = [];
      const logger = new PinoLogger('info', turnBuffered({ write: (chunk: string) => void writes.push(chunk) }));
      logger.info('connection opened', { address: '10.0.0.1' });
      logger.info('connection opened', { address: '10.0.0.2' });
      expect(writes).to.deep.equal([]);
      await new Promise((resolve) => setImmediate(resolve));
      expect(writes).to.have.length(1);
      expect(
        writes[0]!
          .split('\n')
          .slice(0, -1)
          .map((line) => JSON.parse(line).address),
      ).to.deep.equal(['10.0.0.1', '10.0.0.2']);
      logger.warn('connection refused');
      await new Promise((resolve) => setImmediate(resolve));
      expect(writes).to.have.length(2);
    });

    it('writes at once when a turn holds more than 64 KiB, and keeps the order', async () => {
      const writes: string[] = [];
      const logger = new PinoLogger('info', turnBuffered({ write: (chunk: string) => void writes.push(chunk) }));
      const text = 'x'.repeat(1000);
      for (let i = 0; i < 100; i++) logger.info('burst', { i, text });
      expect(writes).to.have.length(1);
      await new Promise((resolve) => setImmediate(resolve));
      expect(writes).to.have.length(2);
      const order = writes
        .join('')
        .split('\n')
        .slice(0, -1)
        .map((line) => JSON.parse(line).i);
      expect(order).to.deep.equal(Array.from({ length: 100 }, (_, i) => i));
    });

    /** A process that logs a burst (past 64 KiB, so part of it is written at once) and two lines, then ends with `ending`. */
    const logThenEnd = (ending: string) => {
      const module = fileURLToPath(new URL('../../src/adapters/logging/pino-logger.ts', import.meta.url));
      const script = `import { PinoLogger } from ${JSON.stringify(module)};
        const logger = new PinoLogger('info');
        for (let i = 0; i < 100; i++) logger.info('burst', { i, text: 'x'.repeat(1000) });
        logger.info('first');
        logger.error('last words', { code: 3 });
        ${ending}`;
      const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
      const lines = child.stdout
        .split('\n')
        .slice(0, -1)
        .map((line) => JSON.parse(line) as { event: string; i?: number });
      return { child, written: lines.map((line) => line.i ?? line.event) };
    };
    const everything = [...Array.from({ length: 100 }, (_, i) => i), 'first', 'last words'];

    it('keeps the lines written just before process.exit(), in order', () => {
      const { child, written } = logThenEnd('process.exit(3);');
      expect(child.status, child.stderr).to.equal(3);
      expect(written).to.deep.equal(everything);
    });

    it('keeps the lines written just before an uncaught exception, in order', () => {
      const { child, written } = logThenEnd("throw new Error('unexpected');");
      expect(child.status).to.equal(1);
      expect(child.stderr).to.include('unexpected');
      expect(written).to.deep.equal(everything);
    });
  });
});
