import { fileURLToPath } from 'node:url';
import type { Knex } from 'knex';
import { SystemClock } from '../adapters/clock/system-clock.js';
import { InProcessFanout } from '../adapters/fanout/in-process-fanout.js';
import { CountingThrottle } from '../adapters/metrics/counting-throttle.js';
import { MetricsLog } from '../adapters/metrics/metrics-log.js';
import { PromMetrics } from '../adapters/metrics/prom-metrics.js';
import { KnexMessageRepository } from '../adapters/persistence/knex-message-repository.js';
import { KnexRoomRepository } from '../adapters/persistence/knex-room-repository.js';
import { KnexUserRepository } from '../adapters/persistence/knex-user-repository.js';
import { RecentMessagesCache } from '../adapters/persistence/recent-messages-cache.js';
import { InProcessPresence } from '../adapters/presence/in-process-presence.js';
import { RedisFanout } from '../adapters/redis/redis-fanout.js';
import { RedisPresence } from '../adapters/redis/redis-presence.js';
import { BoundedPasswordHasher } from '../adapters/security/bounded-password-hasher.js';
import { JwtTokenService } from '../adapters/security/jwt-token-service.js';
import { NicedBcryptHasher } from '../adapters/security/niced-bcrypt-hasher.js';
import { InMemoryThrottle } from '../adapters/throttle/in-memory-throttle.js';
import type { Logger, ReadinessProbe } from '../application/ports.js';
import type { Config } from './config.js';
import { clientAddressFrom } from './client-address.js';
import { buildContainer } from './container.js';
import { openDatabase } from './database.js';
import { resolveJwtSecret } from './jwt-secret.js';
import { databaseProbe, ShutdownProbe } from './readiness.js';
import { createChatServer, type ChatServer } from './server.js';

export const WEB_CLIENT_DIRECTORY = fileURLToPath(new URL('../../public/', import.meta.url));

export interface RunningApplication extends ChatServer {
  db: Knex;
  /** The store changed behind the server's back (a restore, a test emptying tables): reload what is cached. */
  invalidateCaches(): void;
  /** Graceful stop: clients told, writes in flight finished, database closed. */
  stop(): Promise<void>;
}

/** Everything main.ts and the end-to-end tests need: the real adapters, wired, not yet listening. */
export async function createApplication(config: Config, logger: Logger, schema?: string): Promise<RunningApplication> {
  const { limits } = config;
  const db = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, logger, ...(schema ? { schema } : {}) });
  const metrics = new PromMetrics();
  const messages = new KnexMessageRepository(db, { observer: metrics });
  // Nodes sharing a database hear each other through Redis; a single node fans out in process.
  const redisFanout = config.redisUrl
    ? await RedisFanout.start({ url: config.redisUrl, channel: config.redisChannel, log: messages, logger })
    : undefined;
  const fanout = redisFanout ?? new InProcessFanout();
  const rooms = new KnexRoomRepository(db);
  // One more than a page: the extra message tells whether more follow.
  const recentMessages = new RecentMessagesCache(messages, fanout, config.historyMax + 1);
  const hasher = new NicedBcryptHasher(config.bcryptCost, limits.hashConcurrency);
  const container = buildContainer(
    {
      users: new KnexUserRepository(db),
      messages: recentMessages,
      rooms,
      fanout,
      tokens: new JwtTokenService(resolveJwtSecret(config.jwtSecret, config.dataDir, logger), config.tokenTtlSeconds),
      passwords: new BoundedPasswordHasher(hasher, limits.hashConcurrency, limits.hashQueueMax),
      clock: new SystemClock(),
      logger,
    },
    { historyMax: config.historyMax, messageMaxCharacters: config.messageMax },
  );
  const shutdown = new ShutdownProbe();
  const readiness: ReadinessProbe[] = [
    databaseProbe(db),
    ...(redisFanout ? [{ name: 'redis', notReady: 'unreachable', check: () => redisFanout.isReady() }] : []),
    shutdown,
  ];
  const counted = (throttle: InMemoryThrottle, limit: string) => new CountingThrottle(throttle, limit, metrics);
  const clientAddress = clientAddressFrom(limits.trustedProxies);
  // Presence goes the same way as messages: through Redis every node lists every node's users.
  const redisPresence = config.redisUrl ? new RedisPresence({ url: config.redisUrl, channel: config.redisChannel, logger }) : undefined;
  const presence = redisPresence ?? new InProcessPresence();
  const server = createChatServer(container, {
    http: {
      clientAddress,
      webClientDirectory: WEB_CLIENT_DIRECTORY,
      throttles: {
        loginPerAccount: counted(new InMemoryThrottle(limits.loginPerAccount), 'login_account'),
        loginPerAddress: counted(new InMemoryThrottle(limits.loginPerAddress), 'login_address'),
        registerPerAddress: counted(new InMemoryThrottle(limits.registerPerAddress), 'register_address'),
      },
      ops: { readiness, metrics },
      metrics,
    },
    gateway: {
      frameThrottle: counted(
        new InMemoryThrottle({ count: limits.messageBurst, perSeconds: limits.messageBurst / limits.messagesPerSecond }),
        'frames',
      ),
      maxConnections: limits.maxConnections,
      maxConnectionsPerAddress: limits.maxConnectionsPerAddress,
      allowedOrigins: limits.allowedOrigins,
      heartbeatMs: limits.heartbeatSeconds * 1000,
      sendBufferMaxBytes: limits.sendBufferMaxBytes,
      roomsPerConnection: limits.roomsPerConnection,
      presence,
      clientAddress,
      observer: metrics,
    },
  });
  metrics.countConnections(server.gateway);
  const metricsLog = config.metricsIntervalSeconds > 0 ? new MetricsLog(logger, config.metricsIntervalSeconds, () => metrics.snapshot()) : undefined;

  return {
    ...server,
    db,
    invalidateCaches: () => {
      recentMessages.invalidate();
      redisFanout?.restart().catch((error: unknown) => logger.error('fan-out restart failed', { error }));
      rooms.forget();
    },
    async stop() {
      // Not ready from now on; stop accepting, refuse new posts, finish (and acknowledge) the writes already taken, then let clients go.
      shutdown.begin();
      const closed = new Promise<void>((resolve) => server.http.close(() => resolve()));
      server.http.closeIdleConnections();
      server.gateway.refusePosts();
      await messages.whenIdle();
      // Own messages waiting behind another node's (the Redis fan-out delivers in id order) go out before the goodbyes.
      await redisFanout?.drain(1000);
      await server.gateway.close();
      // After the gateway: its clients are gone, and the goodbye tells the other nodes at once.
      await Promise.all([redisFanout?.close(), redisPresence?.close()]);
      await closed;
      metricsLog?.stop();
      await Promise.all([db.destroy(), hasher.close()]);
    },
  };
}
