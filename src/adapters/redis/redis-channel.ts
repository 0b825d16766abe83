import { Redis } from 'ioredis';
import type { Logger } from '../../application/ports.js';

export interface RedisChannelOptions {
  /** redis:// or rediss:// URL. */
  url: string;
  channel: string;
  /** Names the two connections on Redis (`<name>:pub`, `<name>:sub`, see CLIENT LIST). */
  connectionName: string;
  logger: Logger;
  /** What the log lines of an outage say: `<what> unavailable; <whileDown>` and `<what> restored`. */
  what: string;
  whileDown: string;
  /** Longest wait between reconnection attempts. */
  maxReconnectDelayMs?: number;
  /**
   * A connection with a command unanswered this long is dropped and made
   * again: a partitioned network resets nothing. ping() arms it on a quiet one.
   */
  stallTimeoutMs?: number;
  /** A text published on the channel by anyone, this node included. */
  onMessage: (text: string) => void;
  /**
   * Both connections are (back) up and the channel subscribed: once after
   * each outage. What was published meanwhile was not heard here.
   */
  onReady: () => void;
}

/**
 * One Redis pub/sub channel on two connections (a subscribed connection can
 * only listen), reconnected forever in the background. Nothing waits for
 * Redis: a publish while it is down is dropped at once, and the callers
 * repair what was lost when onReady says it is back. An outage is logged
 * once when it starts and once when it ends, not per retry.
 */
export class RedisChannel {
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private subscribed = false;
  /** onReady was called for the connections as they are now. */
  private announced = false;
  /** undefined until the first connection succeeds or fails. */
  private up: boolean | undefined;
  private downSince = 0;
  private lastError: string | undefined;
  private closed = false;

  constructor(private readonly options: RedisChannelOptions) {
    const maxDelay = options.maxReconnectDelayMs ?? 2000;
    const common = {
      lazyConnect: true,
      // A command while disconnected fails at once: nobody waits for Redis.
      enableOfflineQueue: false,
      // A publish cut off by a disconnect is not sent again later: the callers repair it.
      maxRetriesPerRequest: 0,
      retryStrategy: (attempt: number) => Math.min(attempt * 100, maxDelay),
      socketTimeout: options.stallTimeoutMs ?? 3000,
    };
    this.publisher = new Redis(options.url, { ...common, connectionName: `${options.connectionName}:pub` });
    // Subscribing again is done here, not by ioredis, to know when it is in place.
    this.subscriber = new Redis(options.url, { ...common, autoResubscribe: false, connectionName: `${options.connectionName}:sub` });
    this.connect();
  }

  /** Both connections up and the channel subscribed: what others publish arrives. */
  isReady(): boolean {
    return !this.closed && this.subscribed && this.subscriber.status === 'ready' && this.publisher.status === 'ready';
  }

  /** Dropped, not queued, while the publisher is down. */
  async publish(text: string): Promise<void> {
    if (this.closed || this.publisher.status !== 'ready') return;
    await this.publisher.publish(this.options.channel, text).then(
      () => undefined,
      (error: unknown) => this.noteError(error),
    );
  }

  /** Arms the stall timeout on connections that may have nothing else to say. */
  ping(): void {
    for (const connection of [this.publisher, this.subscriber]) {
      if (connection.status === 'ready') connection.ping().catch((error: unknown) => this.noteError(error));
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    // QUIT lets a publish already written reach Redis; a connection that is down is just dropped.
    await Promise.all([this.publisher, this.subscriber].map((connection) => quit(connection)));
  }

  private connect(): void {
    this.subscriber.on('message', (_channel: string, text: string) => this.options.onMessage(text));
    this.subscriber.on('ready', () => this.resubscribe());
    this.publisher.on('ready', () => this.review());
    for (const connection of [this.publisher, this.subscriber]) {
      // Without a listener an 'error' event would crash the process; each failed attempt emits one.
      connection.on('error', (error: unknown) => this.noteError(error));
      connection.on('close', () => {
        if (connection === this.subscriber) this.subscribed = false;
        this.announced = false;
        this.review();
      });
      connection.connect().catch((error: unknown) => this.noteError(error));
    }
  }

  private resubscribe(): void {
    this.subscriber.subscribe(this.options.channel).then(
      () => {
        this.subscribed = true;
        this.review();
      },
      (error: unknown) => this.noteError(error),
    );
  }

  private noteError(error: unknown): void {
    this.lastError = error instanceof Error ? error.message : String(error);
    this.review();
  }

  /** Logs the changes between up and down, once each, and says when the channel is back. */
  private review(): void {
    if (this.closed) return;
    const ready = this.isReady();
    if (ready && this.up !== true) {
      if (this.up === false) this.options.logger.info(`${this.options.what} restored`, { downMs: Date.now() - this.downSince });
      this.up = true;
      // The next outage reports its own cause, not this one's.
      this.lastError = undefined;
    } else if (!ready && this.up !== false && (this.up === true || this.lastError !== undefined)) {
      this.up = false;
      this.downSince = Date.now();
      this.options.logger.warn(`${this.options.what} unavailable; ${this.options.whileDown}`, { error: this.lastError ?? 'connection closed' });
    }
    if (ready && !this.announced) {
      this.announced = true;
      this.options.onReady();
    }
  }
}

async function quit(connection: Redis): Promise<void> {
  if (connection.status === 'ready') {
    const timer = new Promise((resolve) => setTimeout(resolve, 1000).unref());
    await Promise.race([connection.quit().catch(() => undefined), timer]);
  }
  connection.disconnect();
}
