import { isIP } from 'node:net';
import type { LogLevel } from '../adapters/logging/pino-logger.js';

/**
 * Configuration from the environment, checked once at start. A wrong value
 * stops the server with one line naming the variable and what it expects.
 */

export interface Config {
  port: number;
  host: string;
  /** Unset: the embedded PostgreSQL under dataDir. */
  databaseUrl: string | undefined;
  dataDir: string;
  /** Unset: generated once and kept under dataDir. */
  jwtSecret: string | undefined;
  tokenTtlSeconds: number;
  bcryptCost: number;
  historyMax: number;
  messageMax: number;
  logLevel: LogLevel;
  /** Unset: one node, fan-out in this process. */
  redisUrl: string | undefined;
  /** The Redis pub/sub channel of this deployment (REDIS_CHANNEL): nodes sharing a Redis but not a database use different ones. */
  redisChannel: string;
  /** Seconds between two 'metrics' log lines; 0: none. */
  metricsIntervalSeconds: number;
  limits: AbuseLimits;
}

/** pino's levels; each shows its own lines and those above it (fatal is the highest, silent shows none). */
export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** A budget of `count` actions per `perSeconds`, refilled continuously. */
export interface Rate {
  count: number;
  perSeconds: number;
}

/** Throttles against abuse; docs/protocol.md says what a client sees past each. */
export interface AbuseLimits {
  loginPerAccount: Rate;
  loginPerAddress: Rate;
  registerPerAddress: Rate;
  /** bcrypt threads (low priority, beside the event loop): at most this many hashes at once... */
  hashConcurrency: number;
  /** ...and at most this many waiting; past it, requests are refused at once. */
  hashQueueMax: number;
  /** Chat messages per user, over all of the user's connections (and, with Redis, nodes). */
  messagesPerUser: Rate;
  /** Frames per connection, commands included: flood control, kept by the connection's node. */
  framesPerConnection: Rate;
  /** Messages read (catch-up and history) by connections without a user, per client address. */
  anonymousReads: Rate;
  maxConnections: number;
  maxConnectionsPerAddress: number;
  /** Unset: any Origin may open a WebSocket. */
  allowedOrigins: string[] | undefined;
  heartbeatSeconds: number;
  sendBufferMaxBytes: number;
  roomsPerConnection: number;
  /** Peers whose X-Forwarded-For is believed: the reverse proxies in front of the nodes. */
  trustedProxies: string[];
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export const MIN_JWT_SECRET_BYTES = 32;
type Env = Record<string, string | undefined>;

export function loadConfig(env: Env): Config {
  const read = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === '' ? undefined : value;
  };
  const jwtSecret = read('JWT_SECRET');
  if (jwtSecret !== undefined && Buffer.byteLength(jwtSecret) < MIN_JWT_SECRET_BYTES) {
    throw new ConfigError(`JWT_SECRET must be at least ${MIN_JWT_SECRET_BYTES} bytes; unset it to have one generated`);
  }
  // URLs are never echoed back: they may hold a password.
  const databaseUrl = read('DATABASE_URL');
  if (databaseUrl !== undefined && !isUrl(databaseUrl, ['postgres:', 'postgresql:'])) {
    throw new ConfigError('DATABASE_URL must be a postgres:// URL; unset it for the embedded database');
  }
  const redisUrl = read('REDIS_URL');
  if (redisUrl !== undefined && !isUrl(redisUrl, ['redis:', 'rediss:'])) {
    throw new ConfigError('REDIS_URL must be a redis:// or rediss:// URL; unset it to run a single node');
  }
  return {
    port: integer(read, 'PORT', 5000, 0, 65535),
    host: host(read, 'HOST', '0.0.0.0'),
    databaseUrl,
    dataDir: read('DATA_DIR') ?? './data',
    jwtSecret,
    tokenTtlSeconds: duration(read, 'TOKEN_TTL', '24h', TOKEN_TTL_MAX_SECONDS),
    // bcrypt's own range; below 10 is for tests only.
    bcryptCost: integer(read, 'BCRYPT_COST', 12, 4, 31),
    historyMax: integer(read, 'HISTORY_MAX', 100, 1, 10_000),
    messageMax: integer(read, 'MESSAGE_MAX', 4000, 1, 60_000),
    logLevel: oneOf(read, 'LOG_LEVEL', LOG_LEVELS, 'info'),
    redisUrl,
    redisChannel: redisChannel(read('REDIS_CHANNEL') ?? 'chat:messages'),
    metricsIntervalSeconds: duration(read, 'METRICS_INTERVAL', '0', TIMER_MAX_SECONDS, 'or 0 for none'),
    limits: {
      loginPerAccount: rate(read, 'LOGIN_LIMIT_PER_ACCOUNT', '10/1m'),
      loginPerAddress: rate(read, 'LOGIN_LIMIT_PER_ADDRESS', '30/1m'),
      registerPerAddress: rate(read, 'REGISTER_LIMIT_PER_ADDRESS', '20/1h'),
      hashConcurrency: integer(read, 'HASH_CONCURRENCY', 2, 1, 64),
      hashQueueMax: integer(read, 'HASH_QUEUE_MAX', 32, 0, 100_000),
      messagesPerUser: bucket(integer(read, 'MESSAGE_RATE_PER_SECOND', 10, 1, 10_000_000), integer(read, 'MESSAGE_RATE_BURST', 20, 1, 10_000_000)),
      framesPerConnection: bucket(integer(read, 'FRAME_RATE_PER_SECOND', 20, 1, 10_000_000), integer(read, 'FRAME_RATE_BURST', 40, 1, 10_000_000)),
      anonymousReads: rate(read, 'ANONYMOUS_READ_RATE', '1000/1s'),
      maxConnections: integer(read, 'MAX_CONNECTIONS', 10_000, 1, 10_000_000),
      maxConnectionsPerAddress: integer(read, 'MAX_CONNECTIONS_PER_ADDRESS', 50, 1, 10_000_000),
      allowedOrigins: origins(read, 'ALLOWED_ORIGINS'),
      heartbeatSeconds: duration(read, 'HEARTBEAT_INTERVAL', '30s', TIMER_MAX_SECONDS),
      sendBufferMaxBytes: integer(read, 'SEND_BUFFER_MAX', 1024 * 1024, 1024, 1024 * 1024 * 1024),
      roomsPerConnection: integer(read, 'ROOMS_PER_CONNECTION', 50, 1, 10_000),
      trustedProxies: addresses(read, 'TRUSTED_PROXIES'),
    },
  };
}

/** A budget of `burst`, refilled at `perSecond`. */
const bucket = (perSecond: number, burst: number): Rate => ({ count: burst, perSeconds: burst / perSecond });

/** The value as the error line shows it: quoted, escaped (one line whatever it holds), cut short. */
function quoted(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
}

/** A comma-separated list of IP addresses, or none. */
function addresses(read: (name: string) => string | undefined, name: string): string[] {
  const text = read(name);
  if (text === undefined) return [];
  const list = text.split(',').map((item) => item.trim());
  const wrong = list.find((item) => isIP(item) === 0);
  if (wrong !== undefined) throw new ConfigError(`${name} must be IP addresses separated by commas, not ${quoted(wrong)}`);
  return list;
}

function isUrl(text: string, protocols: string[]): boolean {
  try {
    const url = new URL(text);
    return protocols.includes(url.protocol) && url.hostname !== '';
  } catch {
    return false;
  }
}

function integer(read: (name: string) => string | undefined, name: string, fallback: number, min: number, max: number) {
  const text = read(name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^[0-9]+$/.test(text) || value < min || value > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, not ${quoted(text)}`);
  }
  return value;
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** Timers (heartbeat, metrics line) cannot wait longer than 2^31-1 ms; a day is plenty. */
const TIMER_MAX_SECONDS = 86_400;
/** Expiry dates must stay valid dates. */
const TOKEN_TTL_MAX_SECONDS = 3650 * 86_400;

/**
 * Whole seconds, or a number with s, m, h or d, up to `maxSeconds`. `zero`
 * names what 0 means when 0 is allowed.
 */
function duration(read: (name: string) => string | undefined, name: string, fallback: string, maxSeconds: number, zero?: string): number {
  const text = read(name) ?? fallback;
  const match = /^([0-9]+)([smhd]?)$/.exec(text);
  const seconds = match ? Number(match[1]) * (UNIT_SECONDS[match[2] || 's'] ?? 1) : NaN;
  if (!match || !(seconds <= maxSeconds) || (seconds < 1 && zero === undefined)) {
    const examples = zero === undefined ? '900, 15m, 24h or 7d' : `10, 30s or 5m, ${zero}`;
    throw new ConfigError(`${name} must be a duration such as ${examples} (at most ${maxSeconds / 86_400}d), not ${quoted(text)}`);
  }
  return seconds;
}

function rate(read: (name: string) => string | undefined, name: string, fallback: string): Rate {
  const text = read(name) ?? fallback;
  const match = /^([0-9]+)\/([0-9]*)([smhd])$/.exec(text);
  const count = Number(match?.[1]);
  const perSeconds = match ? Number(match[2] || '1') * (UNIT_SECONDS[match[3] ?? 's'] ?? 1) : 0;
  if (!match || count < 1 || perSeconds < 1) {
    throw new ConfigError(`${name} must be a rate such as 10/1m, 30/15m or 100/1s, not ${quoted(text)}`);
  }
  return { count, perSeconds };
}

function oneOf<T extends string>(read: (name: string) => string | undefined, name: string, allowed: readonly T[], fallback: T): T {
  const text = read(name) ?? fallback;
  if (!(allowed as readonly string[]).includes(text)) {
    throw new ConfigError(`${name} must be one of ${allowed.join(', ')}, not ${quoted(text)}`);
  }
  return text as T;
}

/** An IP address or a host name: a typo here would otherwise surface as a listen error. */
function host(read: (name: string) => string | undefined, name: string, fallback: string): string {
  const text = read(name) ?? fallback;
  if (isIP(text) === 0 && !/^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/.test(text)) {
    throw new ConfigError(`${name} must be an IP address or a host name such as 0.0.0.0, ::, 127.0.0.1 or localhost, not ${quoted(text)}`);
  }
  return text;
}

/**
 * Origins written as browsers send them (lower case, no default port), since
 * the gateway compares them as strings: scheme://host[:port], nothing more.
 */
function origins(read: (name: string) => string | undefined, name: string): string[] | undefined {
  const text = read(name);
  if (text === undefined) return undefined;
  return text
    .split(',')
    .map((origin) => origin.trim())
    .filter(Boolean)
    .map((origin) => {
      const url = isUrl(origin, ['http:', 'https:']) ? new URL(origin) : undefined;
      if (!url || url.pathname !== '/' || url.search || url.hash || url.username || url.password) {
        throw new ConfigError(`${name} must be comma-separated origins such as https://chat.example.org, not ${quoted(origin)}`);
      }
      return url.origin;
    });
}

/** Also names the fan-out's connections in CLIENT LIST, which allows no spaces. */
function redisChannel(text: string): string {
  if (!/^[A-Za-z0-9_.:-]{1,100}$/.test(text)) {
    throw new ConfigError(`REDIS_CHANNEL must be 1-100 characters of A-Z a-z 0-9 _ . : -, not ${quoted(text)}`);
  }
  return text;
}
