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
  logLevel: 'error' | 'warn' | 'info';
  limits: AbuseLimits;
}

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
  messagesPerSecond: number;
  messageBurst: number;
  maxConnections: number;
  maxConnectionsPerAddress: number;
  /** Unset: any Origin may open a WebSocket. */
  allowedOrigins: string[] | undefined;
  heartbeatSeconds: number;
  sendBufferMaxBytes: number;
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
  const databaseUrl = read('DATABASE_URL');
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must be a postgres:// URL; unset it for the embedded database');
  }
  return {
    port: integer(read, 'PORT', 5000, 0, 65535),
    host: read('HOST') ?? '0.0.0.0',
    databaseUrl,
    dataDir: read('DATA_DIR') ?? './data',
    jwtSecret,
    tokenTtlSeconds: duration(read, 'TOKEN_TTL', '24h'),
    // bcrypt's own range; below 10 is for tests only.
    bcryptCost: integer(read, 'BCRYPT_COST', 12, 4, 31),
    historyMax: integer(read, 'HISTORY_MAX', 100, 1, 10_000),
    messageMax: integer(read, 'MESSAGE_MAX', 4000, 1, 60_000),
    logLevel: oneOf(read, 'LOG_LEVEL', ['error', 'warn', 'info'] as const, 'info'),
    limits: {
      loginPerAccount: rate(read, 'LOGIN_LIMIT_PER_ACCOUNT', '10/1m'),
      loginPerAddress: rate(read, 'LOGIN_LIMIT_PER_ADDRESS', '30/1m'),
      registerPerAddress: rate(read, 'REGISTER_LIMIT_PER_ADDRESS', '20/1h'),
      hashConcurrency: integer(read, 'HASH_CONCURRENCY', 2, 1, 64),
      hashQueueMax: integer(read, 'HASH_QUEUE_MAX', 32, 0, 100_000),
      messagesPerSecond: integer(read, 'MESSAGE_RATE_PER_SECOND', 10, 1, 10_000_000),
      messageBurst: integer(read, 'MESSAGE_RATE_BURST', 20, 1, 10_000_000),
      maxConnections: integer(read, 'MAX_CONNECTIONS', 10_000, 1, 10_000_000),
      maxConnectionsPerAddress: integer(read, 'MAX_CONNECTIONS_PER_ADDRESS', 50, 1, 10_000_000),
      allowedOrigins: read('ALLOWED_ORIGINS')?.split(',').map((origin) => origin.trim().replace(/\/$/, '')).filter(Boolean),
      heartbeatSeconds: duration(read, 'HEARTBEAT_INTERVAL', '30s'),
      sendBufferMaxBytes: integer(read, 'SEND_BUFFER_MAX', 1024 * 1024, 1024, 1024 * 1024 * 1024),
    },
  };
}

function integer(read: (name: string) => string | undefined, name: string, fallback: number, min: number, max: number) {
  const text = read(name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^[0-9]+$/.test(text) || value < min || value > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, not "${text}"`);
  }
  return value;
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

function duration(read: (name: string) => string | undefined, name: string, fallback: string): number {
  const text = read(name) ?? fallback;
  const match = /^([0-9]+)([smhd]?)$/.exec(text);
  const seconds = match ? Number(match[1]) * (UNIT_SECONDS[match[2] || 's'] ?? 1) : 0;
  if (!match || seconds < 1) {
    throw new ConfigError(`${name} must be a duration such as 900, 15m, 24h or 7d, not "${text}"`);
  }
  return seconds;
}

function rate(read: (name: string) => string | undefined, name: string, fallback: string): Rate {
  const text = read(name) ?? fallback;
  const match = /^([0-9]+)\/([0-9]*)([smhd])$/.exec(text);
  const count = Number(match?.[1]);
  const perSeconds = match ? Number(match[2] || '1') * (UNIT_SECONDS[match[3] ?? 's'] ?? 1) : 0;
  if (!match || count < 1 || perSeconds < 1) {
    throw new ConfigError(`${name} must be a rate such as 10/1m, 30/15m or 100/1s, not "${text}"`);
  }
  return { count, perSeconds };
}

function oneOf<T extends string>(read: (name: string) => string | undefined, name: string, allowed: readonly T[], fallback: T): T {
  const text = read(name) ?? fallback;
  if (!(allowed as readonly string[]).includes(text)) {
    throw new ConfigError(`${name} must be one of ${allowed.join(', ')}, not "${text}"`);
  }
  return text as T;
}
