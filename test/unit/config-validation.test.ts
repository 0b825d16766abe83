import { expect } from 'chai';
import { ConfigError, loadConfig, LOG_LEVELS } from '../../src/infrastructure/config.js';

/** The ConfigError loadConfig throws for this environment (fails the test if it throws nothing). */
function refusal(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).to.be.instanceOf(ConfigError);
    return error as ConfigError;
  }
  return expect.fail(`expected a ConfigError for ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  describe('defaults', () => {
    it('starts with nothing set: port 5000, embedded database, info logs, no Redis, no metrics line', () => {
      const config = loadConfig({});
      expect(config).to.include({ port: 5000, host: '0.0.0.0', logLevel: 'info', metricsIntervalSeconds: 0 });
      expect(config.databaseUrl).to.equal(undefined);
      expect(config.redisUrl).to.equal(undefined);
      expect(config.limits.allowedOrigins).to.equal(undefined);
    });

    it('treats an empty or blank value as unset', () => {
      expect(loadConfig({ PORT: '', REDIS_URL: '  ', LOG_LEVEL: '' })).to.include({ port: 5000, redisUrl: undefined, logLevel: 'info' });
    });
  });

  describe('accepted values', () => {
    it("takes each of pino's levels for LOG_LEVEL", () => {
      for (const level of LOG_LEVELS) expect(loadConfig({ LOG_LEVEL: level }).logLevel).to.equal(level);
    });

    it('takes redis:// and rediss:// URLs for REDIS_URL', () => {
      expect(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379' }).redisUrl).to.equal('redis://127.0.0.1:6379');
      expect(loadConfig({ REDIS_URL: 'rediss://user:pw@cache.example:6380/2' }).redisUrl).to.equal('rediss://user:pw@cache.example:6380/2');
    });

    it('takes METRICS_INTERVAL in seconds or with a unit, 0 for none', () => {
      expect(loadConfig({ METRICS_INTERVAL: '0' }).metricsIntervalSeconds).to.equal(0);
      expect(loadConfig({ METRICS_INTERVAL: '10' }).metricsIntervalSeconds).to.equal(10);
      expect(loadConfig({ METRICS_INTERVAL: '2m' }).metricsIntervalSeconds).to.equal(120);
    });

    it('takes IP addresses and host names for HOST', () => {
      for (const host of ['0.0.0.0', '::', '::1', '127.0.0.1', 'localhost', 'chat-1.internal.example']) {
        expect(loadConfig({ HOST: host }).host).to.equal(host);
      }
    });

    it('writes ALLOWED_ORIGINS as browsers send them', () => {
      expect(loadConfig({ ALLOWED_ORIGINS: 'https://Chat.Example.org/, http://localhost:5000 ,https://a.example:443' }).limits.allowedOrigins).to.deep.equal([
        'https://chat.example.org',
        'http://localhost:5000',
        'https://a.example',
      ]);
    });
  });

  describe('refused values name the variable and what it expects', () => {
    const cases: Array<[string, Record<string, string>, RegExp]> = [
      ['a port that is not a number', { PORT: 'abc' }, /^PORT must be a whole number from 0 to 65535, not "abc"$/],
      ['a port out of range', { PORT: '65536' }, /^PORT must be a whole number from 0 to 65535/],
      ['a negative count', { HASH_QUEUE_MAX: '-1' }, /^HASH_QUEUE_MAX must be a whole number/],
      ['a fraction', { BCRYPT_COST: '10.5' }, /^BCRYPT_COST must be a whole number from 4 to 31/],
      ['a host with a space', { HOST: 'local host' }, /^HOST must be an IP address or a host name/],
      ['a host with a scheme', { HOST: 'http://0.0.0.0' }, /^HOST must be an IP address or a host name/],
      ['a duration without a number', { TOKEN_TTL: 'forever' }, /^TOKEN_TTL must be a duration such as 900, 15m, 24h or 7d/],
      ['a duration of zero', { HEARTBEAT_INTERVAL: '0s' }, /^HEARTBEAT_INTERVAL must be a duration/],
      ['a duration past what a timer can wait', { HEARTBEAT_INTERVAL: '30d' }, /^HEARTBEAT_INTERVAL must be a duration .*at most 1d/],
      ['a token lifetime past any sensible date', { TOKEN_TTL: '99999999999d' }, /^TOKEN_TTL must be a duration .*at most 3650d/],
      ['a negative metrics interval', { METRICS_INTERVAL: '-5' }, /^METRICS_INTERVAL must be a duration such as 10, 30s or 5m, or 0 for none/],
      ['a metrics interval with an unknown unit', { METRICS_INTERVAL: '5ms' }, /^METRICS_INTERVAL must be a duration/],
      ['a rate without a period', { LOGIN_LIMIT_PER_ACCOUNT: '10' }, /^LOGIN_LIMIT_PER_ACCOUNT must be a rate such as 10\/1m/],
      ['a rate of zero', { REGISTER_LIMIT_PER_ADDRESS: '0/1h' }, /^REGISTER_LIMIT_PER_ADDRESS must be a rate/],
      ['an unknown log level', { LOG_LEVEL: 'verbose' }, /^LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, not "verbose"$/],
      ['a log level in capitals', { LOG_LEVEL: 'INFO' }, /^LOG_LEVEL must be one of/],
      ['a database URL of another kind', { DATABASE_URL: 'mysql://db/chat' }, /^DATABASE_URL must be a postgres:\/\/ URL/],
      ['a database URL without a host', { DATABASE_URL: 'postgres://' }, /^DATABASE_URL must be a postgres:\/\/ URL/],
      ['a Redis URL of another kind', { REDIS_URL: 'http://cache:6379' }, /^REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL/],
      ['a Redis URL that is a bare host', { REDIS_URL: 'cache:6379' }, /^REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL/],
      ['a short JWT secret', { JWT_SECRET: 'short' }, /^JWT_SECRET must be at least 32 bytes/],
      ['an origin without a scheme', { ALLOWED_ORIGINS: 'chat.example.org' }, /^ALLOWED_ORIGINS must be comma-separated origins .*not "chat.example.org"$/],
      ['an origin with a path', { ALLOWED_ORIGINS: 'https://chat.example.org/app' }, /^ALLOWED_ORIGINS must be comma-separated origins/],
      [
        'a request timeout shorter than the headers timeout',
        { HEADERS_TIMEOUT: '10s', REQUEST_TIMEOUT: '5' },
        /^REQUEST_TIMEOUT \(5s\) must be at least HEADERS_TIMEOUT \(10s\)$/,
      ],
    ];
    for (const [what, env, expected] of cases) {
      it(`refuses ${what}`, () => {
        expect(refusal(env).message).to.match(expected);
      });
    }

    it('never repeats a URL, which may hold a password', () => {
      expect(refusal({ DATABASE_URL: 'mysql://chat:db-password@db/chat' }).message).to.not.include('db-password');
      expect(refusal({ REDIS_URL: 'http://:redis-password@cache' }).message).to.not.include('redis-password');
    });

    it('keeps the message on one line and short, whatever the value holds', () => {
      const { message } = refusal({ PORT: `80\n${'9'.repeat(500)}` });
      expect(message).to.not.include('\n');
      expect(message.length).to.be.below(200);
      expect(message).to.match(/^PORT must be a whole number/);
    });
  });
});
