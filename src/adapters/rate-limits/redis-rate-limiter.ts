import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import type { Logger, RateLimiter } from '../../application/ports.js';
import { spend, windowOptions, type LimiterRate } from './rate-window.js';

/**
 * One budget kept in Redis, so every node of a deployment spends from the
 * same count. Windows as rate-window.ts says; each key expires with its
 * window. Build them with RedisRateLimits, which owns the connection.
 */
export class RedisRateLimiter implements RateLimiter {
  private readonly limiter: RateLimiterRedis;

  /** Keys are `<prefix>:<key>`; RedisRateLimits makes the prefix `<channel>:limit:<name>`. */
  constructor(
    redis: Redis,
    prefix: string,
    private readonly rate: LimiterRate,
  ) {
    const options = windowOptions(rate);
    this.limiter = new RateLimiterRedis({
      ...options,
      storeClient: redis,
      keyPrefix: prefix,
      // Not connected: go to the insurance at once instead of sending into a dead connection.
      rejectIfRedisNotReady: true,
      // While Redis is out of reach, each node keeps its own count (it cannot know how many
      // nodes there are, so each allows the whole budget): logins go on and abuse stays bounded,
      // where refusing would lock every user out and admitting would open the door to guessing.
      // Counts are not merged back: when Redis returns, its own counts go on.
      insuranceLimiter: new RateLimiterMemory({ ...options, keyPrefix: '' }),
      // A spent key is answered by this node until its window ends, without asking Redis:
      // a flood against one account costs Redis one command per node and window.
      inMemoryBlockOnConsumed: options.points,
    });
  }

  take(key: string, units = 1): Promise<number> {
    return spend(this.limiter, this.rate, key, units);
  }
}

export interface RedisRateLimitsOptions {
  /** redis:// or rediss:// URL. */
  url: string;
  /** The deployment's namespace (REDIS_CHANNEL): keys are `<channel>:limit:<name>:<key>`. */
  channel: string;
  logger: Logger;
  /** Names the connection on Redis (CLIENT LIST); default `limits:<channel>`, apart from the fan-out's `<channel>:…`. */
  connectionName?: string;
  /** A take unanswered this long is counted by this node alone: a login waits no longer for Redis. */
  commandTimeoutMs?: number;
  /** A connection with a command unanswered this long is dropped and made again (a partition resets nothing). */
  stallTimeoutMs?: number;
  /** Longest wait between reconnection attempts. */
  maxReconnectDelayMs?: number;
}

/**
 * A node's rate limits in Redis: one connection, reconnected forever in the
 * background, shared by every budget. An outage is logged once when it
 * starts and once when it ends; meanwhile each budget counts on this node.
 */
export class RedisRateLimits {
  private readonly redis: Redis;
  /** undefined until the first connection succeeds or fails. */
  private up: boolean | undefined;
  private downSince = 0;
  private closed = false;

  constructor(private readonly options: RedisRateLimitsOptions) {
    const maxDelay = options.maxReconnectDelayMs ?? 2000;
    this.redis = new Redis(options.url, {
      connectionName: options.connectionName ?? `limits:${options.channel}`,
      // A take while disconnected fails at once, to the insurance; none is sent again later.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: (attempt: number) => Math.min(attempt * 100, maxDelay),
      commandTimeout: options.commandTimeoutMs ?? 500,
      socketTimeout: options.stallTimeoutMs ?? 3000,
    });
    this.redis.on('ready', () => this.review(true));
    // Without a listener an 'error' event would crash the process; each failed attempt emits one.
    this.redis.on('error', (error: unknown) => this.review(false, error));
    this.redis.on('close', () => this.review(false));
  }

  /** The budget `name` (login_account, login_address, register_address) at `rate`, shared by the deployment. */
  limiter(name: string, rate: LimiterRate): RedisRateLimiter {
    return new RedisRateLimiter(this.redis, `${this.options.channel}:limit:${name}`, rate);
  }

  /** Connected: takes are counted for the whole deployment, not by this node alone. */
  isReady(): boolean {
    return !this.closed && this.redis.status === 'ready';
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.redis.status === 'ready') {
      const timer = new Promise((resolve) => setTimeout(resolve, 1000).unref());
      await Promise.race([this.redis.quit().catch(() => undefined), timer]);
    }
    this.redis.disconnect();
  }

  private review(ready: boolean, error?: unknown): void {
    if (this.closed || ready === this.up) return;
    const { logger } = this.options;
    if (ready) {
      if (this.up === false) logger.info('redis rate limits restored', { downMs: Date.now() - this.downSince });
    } else {
      this.downSince = Date.now();
      logger.warn('redis rate limits unavailable; each node counts on its own until it is back', {
        error: error instanceof Error ? error.message : 'connection closed',
      });
    }
    this.up = ready;
  }
}
