import { Redis } from 'ioredis';
import type { Logger, MessageFanout } from '../../application/ports.js';
import type { Message } from '../../domain/message.js';
import { OrderedDelivery, type MessageLog, type OrderedDeliveryOptions } from './ordered-delivery.js';

export interface RedisFanoutOptions {
  /** redis:// or rediss:// URL. */
  url: string;
  /** Every node of one deployment publishes and listens on this channel. */
  channel: string;
  /** Names this node's two connections on Redis (`<name>:pub`, `<name>:sub`, see CLIENT LIST); default `<channel>:<pid>`. */
  connectionName?: string;
  /** The message store: what Redis did not carry is read from it. */
  log: MessageLog;
  logger: Logger;
  /**
   * How often the store's last id is compared with what was delivered: finds
   * a message whose publication was lost (its node died between commit and
   * publish, or Redis dropped it) when no later message reveals the hole.
   */
  auditMs?: number;
  /** Longest wait between reconnection attempts. */
  maxReconnectDelayMs?: number;
  /**
   * A connection with a command unanswered this long is dropped and made
   * again: a partitioned network resets nothing, and publishes would pile up
   * waiting. Both connections are pinged at each audit, so a quiet one is
   * tested too.
   */
  stallTimeoutMs?: number;
  delivery?: Partial<OrderedDeliveryOptions>;
}

/** What travels on the channel: a stored message, dates as ISO text. */
interface WireMessage {
  id: number;
  room: string;
  username: string;
  text: string;
  createdAt: string;
  clientId?: string;
}

/**
 * Fan-out across nodes through Redis publish/subscribe. Each node delivers
 * its own messages at once (so its clients are served while Redis is down)
 * and publishes them; what the other nodes publish comes in on the
 * subscriber connection. Redis may reorder, lose or, after a reconnect,
 * never have carried a message, so everything goes through an
 * OrderedDelivery, which reads the store for what is missing.
 */
export class RedisFanout implements MessageFanout {
  private readonly delivery: OrderedDelivery;
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private subscribed = false;
  /** undefined until the first connection succeeds or fails, so an outage is logged once, not per retry. */
  private up: boolean | undefined;
  private downSince = 0;
  private lastError: string | undefined;
  private readonly audit: NodeJS.Timeout;
  private auditing = false;
  private warnedMalformed = false;
  private closed = false;

  private constructor(private readonly options: RedisFanoutOptions) {
    this.delivery = new OrderedDelivery(options.log, options.logger, options.delivery);
    const maxDelay = options.maxReconnectDelayMs ?? 2000;
    const common = {
      lazyConnect: true,
      // A command while disconnected fails at once: posting never waits for Redis.
      enableOfflineQueue: false,
      // A publish cut off by a disconnect is not sent again later: the store has it, and the fill finds it.
      maxRetriesPerRequest: 0,
      retryStrategy: (attempt: number) => Math.min(attempt * 100, maxDelay),
      socketTimeout: options.stallTimeoutMs ?? 3000,
    };
    const name = options.connectionName ?? `${options.channel}:${process.pid}`;
    this.publisher = new Redis(options.url, { ...common, connectionName: `${name}:pub` });
    // Subscribing again is done here, not by ioredis, to know when it is in place and catch up after it.
    this.subscriber = new Redis(options.url, { ...common, autoResubscribe: false, connectionName: `${name}:sub` });
    this.audit = setInterval(() => void this.runAudit(), options.auditMs ?? 1000);
    this.audit.unref();
  }

  /**
   * Ready to take messages once the store's last id is known. Redis need not
   * be up: it is connected in the background and reconnected forever.
   */
  static async start(options: RedisFanoutOptions): Promise<RedisFanout> {
    const fanout = new RedisFanout(options);
    try {
      await fanout.delivery.start();
    } catch (error) {
      await fanout.close();
      throw error;
    }
    fanout.connect();
    return fanout;
  }

  publish(message: Message): void {
    this.delivery.offer(message);
    if (this.publisher.status !== 'ready') return;
    this.publisher.publish(this.options.channel, encode(message)).catch((error: unknown) => this.noteError(error));
  }

  subscribe(listener: (message: Message) => void): () => void {
    return this.delivery.subscribe(listener);
  }

  /** Both connections up and the channel subscribed: messages of other nodes arrive live. */
  isReady(): boolean {
    return !this.closed && this.subscribed && this.subscriber.status === 'ready' && this.publisher.status === 'ready';
  }

  /** Highest id delivered to this node's listeners. */
  get lastDelivered(): number {
    return this.delivery.lastDelivered;
  }

  /** Waits (at most `timeoutMs`) until every message known to be stored has been delivered: before a shutdown. */
  drain(timeoutMs: number): Promise<void> {
    return this.delivery.drain(timeoutMs);
  }

  /** The store changed behind the fan-out's back (a restore, a test emptying tables): start again at its end. */
  restart(): Promise<void> {
    return this.delivery.restart();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.audit);
    await this.delivery.close();
    // QUIT lets a publish already written reach Redis; a connection that is down is just dropped.
    await Promise.all([this.publisher, this.subscriber].map((connection) => quit(connection)));
  }

  private connect(): void {
    this.subscriber.on('close', () => (this.subscribed = false));
    this.subscriber.on('ready', () => this.resubscribe());
    this.subscriber.on('message', (_channel: string, text: string) => this.receive(text));
    this.publisher.on('ready', () => this.review());
    for (const connection of [this.publisher, this.subscriber]) {
      // Without a listener an 'error' event would crash the process; each failed attempt emits one.
      connection.on('error', (error: unknown) => this.noteError(error));
      connection.on('close', () => this.review());
      connection.connect().catch((error: unknown) => this.noteError(error));
    }
  }

  private resubscribe(): void {
    this.subscriber.subscribe(this.options.channel).then(
      () => {
        this.subscribed = true;
        // What was published while this node was not listening reached nobody here: read it from the store.
        this.delivery.catchUp();
        this.review();
      },
      (error: unknown) => this.noteError(error),
    );
  }

  private receive(text: string): void {
    const message = decode(text);
    if (message) return this.delivery.offer(message);
    // Something else publishes on the channel: said once, not for every message.
    if (this.warnedMalformed) return;
    this.warnedMalformed = true;
    this.options.logger.warn('fan-out ignored a malformed message on its channel', { channel: this.options.channel });
  }

  private async runAudit(): Promise<void> {
    if (this.auditing || this.closed) return;
    for (const connection of [this.publisher, this.subscriber]) {
      // Arms the stall timeout on a connection that may have nothing else to say.
      if (connection.status === 'ready') connection.ping().catch((error: unknown) => this.noteError(error));
    }
    this.auditing = true;
    try {
      await this.delivery.audit();
    } catch {
      // The store is unreachable: the requests that need it say so; the next audit tries again.
    } finally {
      this.auditing = false;
    }
  }

  private noteError(error: unknown): void {
    this.lastError = error instanceof Error ? error.message : String(error);
    this.review();
  }

  /** Logs the changes between up and down, once each. */
  private review(): void {
    if (this.closed) return;
    const ready = this.isReady();
    if (ready && this.up !== true) {
      if (this.up === false) {
        this.options.logger.info('redis fan-out restored', { downMs: Date.now() - this.downSince });
      }
      this.up = true;
      // The next outage reports its own cause, not this one's.
      this.lastError = undefined;
    } else if (!ready && this.up !== false && (this.up === true || this.lastError !== undefined)) {
      this.up = false;
      this.downSince = Date.now();
      this.options.logger.warn('redis fan-out unavailable; serving this node only until it is back', {
        error: this.lastError ?? 'connection closed',
      });
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

export function encode(message: Message): string {
  const wire: WireMessage = {
    id: message.id,
    room: message.room,
    username: message.username,
    text: message.text,
    createdAt: message.createdAt.toISOString(),
    ...(message.clientId === undefined ? {} : { clientId: message.clientId }),
  };
  return JSON.stringify(wire);
}

/** Another node's message, or undefined when the text is not one (a stray publisher on the channel). */
export function decode(text: string): Message | undefined {
  let wire: Partial<WireMessage> | null;
  try {
    wire = JSON.parse(text) as Partial<WireMessage> | null;
  } catch {
    return undefined;
  }
  if (typeof wire !== 'object' || wire === null) return undefined;
  const createdAt = new Date(wire.createdAt as string);
  if (
    !Number.isSafeInteger(wire.id) ||
    (wire.id as number) < 1 ||
    typeof wire.room !== 'string' ||
    typeof wire.username !== 'string' ||
    typeof wire.text !== 'string' ||
    typeof wire.createdAt !== 'string' ||
    Number.isNaN(createdAt.getTime()) ||
    (wire.clientId !== undefined && typeof wire.clientId !== 'string')
  ) {
    return undefined;
  }
  return {
    id: wire.id as number,
    room: wire.room,
    username: wire.username,
    text: wire.text,
    createdAt,
    ...(wire.clientId === undefined ? {} : { clientId: wire.clientId }),
  };
}
