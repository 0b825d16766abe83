import { fileURLToPath } from 'node:url';
import type { Knex } from 'knex';
import { SystemClock } from '../adapters/clock/system-clock.js';
import { InProcessFanout } from '../adapters/fanout/in-process-fanout.js';
import { KnexMessageRepository } from '../adapters/persistence/knex-message-repository.js';
import { KnexUserRepository } from '../adapters/persistence/knex-user-repository.js';
import { RecentMessagesCache } from '../adapters/persistence/recent-messages-cache.js';
import { BoundedPasswordHasher } from '../adapters/security/bounded-password-hasher.js';
import { JwtTokenService } from '../adapters/security/jwt-token-service.js';
import { NicedBcryptHasher } from '../adapters/security/niced-bcrypt-hasher.js';
import { InMemoryThrottle } from '../adapters/throttle/in-memory-throttle.js';
import type { Logger } from '../application/ports.js';
import type { Config } from './config.js';
import { buildContainer } from './container.js';
import { openDatabase } from './database.js';
import { resolveJwtSecret } from './jwt-secret.js';
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
  const messages = new KnexMessageRepository(db);
  const fanout = new InProcessFanout();
  const recentMessages = new RecentMessagesCache(messages, fanout, config.historyMax);
  const hasher = new NicedBcryptHasher(config.bcryptCost, limits.hashConcurrency);
  const container = buildContainer(
    {
      users: new KnexUserRepository(db),
      messages: recentMessages,
      fanout,
      tokens: new JwtTokenService(resolveJwtSecret(config.jwtSecret, config.dataDir, logger), config.tokenTtlSeconds),
      passwords: new BoundedPasswordHasher(hasher, limits.hashConcurrency, limits.hashQueueMax),
      clock: new SystemClock(),
      logger,
    },
    { historyMax: config.historyMax, messageMaxCharacters: config.messageMax },
  );
  const server = createChatServer(container, {
    http: {
      webClientDirectory: WEB_CLIENT_DIRECTORY,
      throttles: {
        loginPerAccount: new InMemoryThrottle(limits.loginPerAccount),
        loginPerAddress: new InMemoryThrottle(limits.loginPerAddress),
        registerPerAddress: new InMemoryThrottle(limits.registerPerAddress),
      },
    },
    gateway: {
      frameThrottle: new InMemoryThrottle({ count: limits.messageBurst, perSeconds: limits.messageBurst / limits.messagesPerSecond }),
      maxConnections: limits.maxConnections,
      maxConnectionsPerAddress: limits.maxConnectionsPerAddress,
      allowedOrigins: limits.allowedOrigins,
      heartbeatMs: limits.heartbeatSeconds * 1000,
      sendBufferMaxBytes: limits.sendBufferMaxBytes,
    },
  });

  return {
    ...server,
    db,
    invalidateCaches: () => recentMessages.invalidate(),
    async stop() {
      // Stop accepting, refuse new posts, finish (and acknowledge) the writes already taken, then let clients go.
      const closed = new Promise<void>((resolve) => server.http.close(() => resolve()));
      server.http.closeIdleConnections();
      server.gateway.refusePosts();
      await messages.whenIdle();
      await server.gateway.close();
      await closed;
      await Promise.all([db.destroy(), hasher.close()]);
    },
  };
}
