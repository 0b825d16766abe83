import type { LogLevel } from '../adapters/logging/pino-logger.js';
import {
  addresses,
  duration,
  host,
  integer,
  oneOf,
  optional,
  origins,
  rate,
  redisName,
  secret,
  text,
  url,
  type Kind,
  type OptionalKind,
} from './setting-kinds.js';

/**
 * Every setting, once: its variable, its default as one would write it, its
 * kind (how its text is checked and read) and what it means. loadConfig
 * reads the environment through this table, and `npm run docs:config` writes
 * the README's configuration table and `.env` from it, so a new setting is
 * one entry here (and a run of that command).
 */
export type Setting<T> = {
  readonly variable: string;
  /** A line of Markdown for the README; `.env` gets it as plain text. */
  readonly meaning: string;
  /** For `.env`, where an unset variable is shown commented out: a value to copy. */
  readonly example?: string;
} & (
  | { readonly default: string; readonly kind: Kind<T> }
  /** No default: unset means the kind's `unset`. */
  | { readonly default?: undefined; readonly kind: OptionalKind<T> }
);

/** Settings, and groups of them under a key of the configuration. */
export interface SettingsTable {
  readonly [key: string]: Setting<unknown> | SettingsTable;
}

/** pino's levels; each shows its own lines and those above it (fatal is the highest, silent shows none). */
export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export const MIN_JWT_SECRET_BYTES = 32;
/** Timers (heartbeat, metrics line) cannot wait longer than 2^31-1 ms; a day is plenty. */
const TIMER_MAX_SECONDS = 86_400;
/** Expiry dates must stay valid dates. */
const TOKEN_TTL_MAX_SECONDS = 3650 * 86_400;

export const SETTINGS = {
  port: {
    variable: 'PORT',
    default: '5000',
    kind: integer(0, 65535),
    meaning: 'HTTP, WebSocket and the web client share this port',
  },
  host: {
    variable: 'HOST',
    default: '0.0.0.0',
    kind: host,
    meaning: 'address to listen on',
  },
  databaseUrl: {
    variable: 'DATABASE_URL',
    kind: optional(url(['postgres:', 'postgresql:'], 'a postgres:// URL; unset it for the embedded database')),
    meaning: 'a `postgres://` URL. Unset: the embedded PostgreSQL ([PGlite](https://pglite.dev)) under `DATA_DIR`',
    example: 'postgres://chat:chat@127.0.0.1:5432/chat',
  },
  dataDir: {
    variable: 'DATA_DIR',
    default: './data',
    kind: text,
    meaning: 'the embedded database and the generated JWT secret',
  },
  jwtSecret: {
    variable: 'JWT_SECRET',
    kind: optional(secret(MIN_JWT_SECRET_BYTES, 'unset it to have one generated')),
    meaning: `at least ${MIN_JWT_SECRET_BYTES} bytes. Unset: a random secret is generated once, kept in \`DATA_DIR/jwt-secret\`, and logged as generated`,
  },
  tokenTtlSeconds: {
    variable: 'TOKEN_TTL',
    default: '24h',
    kind: duration(TOKEN_TTL_MAX_SECONDS),
    meaning: 'token lifetime: seconds, or `15m`, `24h`, `7d`',
  },
  bcryptCost: {
    variable: 'BCRYPT_COST',
    default: '12',
    // bcrypt's own range; below 10 is for tests only.
    kind: integer(4, 31),
    meaning: 'bcrypt work factor (4–31): 12 is about a quarter second per hash on a current core; tests use 4',
  },
  historyMax: {
    variable: 'HISTORY_MAX',
    default: '100',
    kind: integer(1, 10_000),
    meaning: 'the most messages one `history N`, history page or catch-up page holds',
  },
  messageMax: {
    variable: 'MESSAGE_MAX',
    default: '4000',
    kind: integer(1, 60_000),
    meaning: 'the longest message, in characters',
  },
  logLevel: {
    variable: 'LOG_LEVEL',
    default: 'info',
    kind: oneOf(LOG_LEVELS),
    meaning: '`fatal`, `error`, `warn`, `info`, `debug`, `trace` or `silent` (see [Logs](#logs))',
  },
  metricsIntervalSeconds: {
    variable: 'METRICS_INTERVAL',
    default: '0',
    kind: duration(TIMER_MAX_SECONDS, 'or 0 for none'),
    meaning: 'log one `metrics` line every interval (`10`, `30s`, `1m`; `0`: none), see [Metrics](#metrics)',
  },
  redisUrl: {
    variable: 'REDIS_URL',
    kind: optional(url(['redis:', 'rediss:'], 'a redis:// or rediss:// URL; unset it to run a single node')),
    meaning: 'a `redis://` or `rediss://` URL: Redis fan-out for several nodes, see [docs/deploy.md](docs/deploy.md)',
    example: 'redis://127.0.0.1:6379',
  },
  redisChannel: {
    variable: 'REDIS_CHANNEL',
    default: 'chat:messages',
    kind: redisName,
    meaning: 'the Redis pub/sub channel of one deployment; nodes of different deployments sharing a Redis use different ones',
  },
  presenceExpirySeconds: {
    variable: 'PRESENCE_EXPIRY',
    default: '15s',
    kind: duration(TIMER_MAX_SECONDS),
    meaning:
      'with Redis: a node not heard from for this long (killed, or cut off) is taken for dead and its users leave; each node says it is alive three times per period',
  },
  limits: {
    loginPerAccount: {
      variable: 'LOGIN_LIMIT_PER_ACCOUNT',
      default: '10/1m',
      kind: rate,
      meaning: 'logins per account (`N/duration`, see [Limits](docs/protocol.md#limits)); past it 429',
    },
    loginPerAddress: {
      variable: 'LOGIN_LIMIT_PER_ADDRESS',
      default: '30/1m',
      kind: rate,
      meaning: 'logins per client address',
    },
    registerPerAddress: {
      variable: 'REGISTER_LIMIT_PER_ADDRESS',
      default: '20/1h',
      kind: rate,
      meaning: 'registrations per client address',
    },
    hashConcurrency: {
      variable: 'HASH_CONCURRENCY',
      default: '2',
      kind: integer(1, 64),
      meaning: 'bcrypt hashes running at once, each on its own thread at the lowest CPU priority, so logins take the time chat leaves idle',
    },
    hashQueueMax: {
      variable: 'HASH_QUEUE_MAX',
      default: '32',
      kind: integer(0, 100_000),
      meaning: 'hashes waiting; past it 503 `BUSY` at once',
    },
    messagesPerSecond: {
      variable: 'MESSAGE_RATE_PER_SECOND',
      default: '10',
      kind: integer(1, 10_000_000),
      meaning: "chat messages per user per second, sustained, over all of the user's connections and reconnects; past it `RATE_LIMITED`",
    },
    messageBurst: {
      variable: 'MESSAGE_RATE_BURST',
      default: '20',
      kind: integer(1, 10_000_000),
      meaning: 'chat messages per user in a burst',
    },
    framesPerSecond: {
      variable: 'FRAME_RATE_PER_SECOND',
      default: '20',
      kind: integer(1, 10_000_000),
      meaning: 'frames per connection per second, commands included (flood control); past it `RATE_LIMITED`, then close 1008',
    },
    frameBurst: {
      variable: 'FRAME_RATE_BURST',
      default: '40',
      kind: integer(1, 10_000_000),
      meaning: 'frames per connection in a burst',
    },
    anonymousReads: {
      variable: 'ANONYMOUS_READ_RATE',
      default: '1000/1s',
      kind: rate,
      meaning: 'messages that connections without a user may read (catch-up and history) per client address; past it their reads wait',
    },
    maxConnections: {
      variable: 'MAX_CONNECTIONS',
      default: '10000',
      kind: integer(1, 10_000_000),
      meaning: 'open WebSocket connections in all',
    },
    maxConnectionsPerAddress: {
      variable: 'MAX_CONNECTIONS_PER_ADDRESS',
      default: '50',
      kind: integer(1, 10_000_000),
      meaning: 'open connections (HTTP or WebSocket, from their first byte) per client address; past it 429',
    },
    allowedOrigins: {
      variable: 'ALLOWED_ORIGINS',
      kind: optional(origins),
      meaning: "comma-separated origins whose browsers may connect; unset: any. Clients without an `Origin` header and the server's own page always may",
      example: 'https://chat.example.org',
    },
    heartbeatSeconds: {
      variable: 'HEARTBEAT_INTERVAL',
      default: '30s',
      kind: duration(TIMER_MAX_SECONDS),
      meaning: 'ping interval; an unanswered ping cuts the connection',
    },
    headersTimeoutSeconds: {
      variable: 'HEADERS_TIMEOUT',
      default: '10s',
      kind: duration(TIMER_MAX_SECONDS),
      meaning:
        'how long a client may take to send its request headers, upgrade included; past it 408, or the socket is closed if it sent nothing. Checked every second',
    },
    requestTimeoutSeconds: {
      variable: 'REQUEST_TIMEOUT',
      default: '30s',
      kind: duration(TIMER_MAX_SECONDS),
      meaning: 'how long a client may take to send its whole HTTP request (at least `HEADERS_TIMEOUT`); past it 408',
    },
    sendBufferMaxBytes: {
      variable: 'SEND_BUFFER_MAX',
      default: '1048576',
      kind: integer(1024, 1024 * 1024 * 1024),
      meaning: 'bytes a slow reader may have waiting before it is closed (1013)',
    },
    trustedProxies: {
      variable: 'TRUSTED_PROXIES',
      kind: optional(addresses, []),
      meaning:
        "comma-separated IP addresses of reverse proxies in front of the server; from them, the client's address is read from `X-Forwarded-For` (for the per-address limits). Unset: the peer's address, always",
      example: '127.0.0.1',
    },
    roomsPerConnection: {
      variable: 'ROOMS_PER_CONNECTION',
      default: '50',
      kind: integer(1, 10_000),
      meaning: 'rooms one connection may be in at once (`general` included); past it `TOO_MANY_ROOMS`',
    },
  },
  sessions: {
    accessTokenTtlSeconds: {
      variable: 'ACCESS_TOKEN_TTL',
      default: '15m',
      kind: duration(TOKEN_TTL_MAX_SECONDS),
      meaning:
        'lifetime of the access tokens of a session opened with `POST /api/sessions` (see [Sessions](docs/protocol.md#sessions-and-accounts)); `TOKEN_TTL` is for `/api/login`',
    },
    refreshTtlSeconds: {
      variable: 'REFRESH_TTL',
      default: '30d',
      kind: duration(TOKEN_TTL_MAX_SECONDS),
      meaning: 'such a session ends when it goes this long without a refresh',
    },
    checkIntervalSeconds: {
      variable: 'SESSION_CHECK_INTERVAL',
      default: '10s',
      kind: duration(TIMER_MAX_SECONDS),
      meaning:
        "how often each node checks its connections' sessions against the database: the longest a revoked session's connection stays authorized when the revocation itself did not reach the node (Redis down); it is normally told at once",
    },
  },
} satisfies SettingsTable;
