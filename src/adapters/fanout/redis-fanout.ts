import { randomBytes } from 'node:crypto';
import type { Logger, MessageFanout } from '../../application/ports.js';
import { storedMessage, type Message } from '../../domain/message.js';
import { OrderedDelivery, type MessageLog, type OrderedDeliveryOptions } from './ordered-delivery.js';
import { RedisChannel } from '../redis/redis-channel.js';

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
  /** An edit or a deletion, of the message `target`. */
  change?: 'edit' | 'delete';
  target?: number;
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
  private readonly channel: RedisChannel;
  private readonly audit: NodeJS.Timeout;
  private auditing = false;
  /** Names this node's batches, so that it can skip them when Redis hands them back. */
  private readonly ownPrefix = `${randomBytes(6).toString('hex')}|`;
  private outgoing: Message[] = [];
  private warnedMalformed = false;
  private closed = false;

  private constructor(private readonly options: RedisFanoutOptions) {
    this.delivery = new OrderedDelivery(options.log, options.logger, options.delivery);
    this.channel = new RedisChannel({
      url: options.url,
      channel: options.channel,
      connectionName: options.connectionName ?? `${options.channel}:${process.pid}`,
      logger: options.logger,
      what: 'redis fan-out',
      whileDown: 'serving this node only until it is back',
      maxReconnectDelayMs: options.maxReconnectDelayMs,
      stallTimeoutMs: options.stallTimeoutMs,
      onMessage: (text) => this.receive(text),
      // What was published while this node was not listening reached nobody here: read it from the store.
      onReady: () => this.delivery.catchUp(),
    });
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
    return fanout;
  }

  /**
   * Delivered here at once; published with the others of this turn in one
   * PUBLISH (a stored batch publishes many), so that Redis and every other
   * node pay one command and one parse per batch, not per message.
   */
  publish(message: Message): void {
    this.delivery.offer(message);
    if (this.outgoing.length === 0) process.nextTick(() => this.flush());
    this.outgoing.push(message);
  }

  subscribe(listener: (message: Message) => void): () => void {
    return this.delivery.subscribe(listener);
  }

  /** Both connections up and the channel subscribed: messages of other nodes arrive live. */
  isReady(): boolean {
    return !this.closed && this.channel.isReady();
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
    await this.channel.close();
  }

  private flush(): void {
    const batch = this.outgoing;
    this.outgoing = [];
    void this.channel.publish(this.ownPrefix + encodeBatch(batch));
  }

  private receive(text: string): void {
    // This node's own batches come back too: already delivered, and not worth a parse.
    if (text.startsWith(this.ownPrefix)) return;
    const messages = decodeBatch(text);
    if (messages) {
      for (const message of messages) this.delivery.offer(message);
      return;
    }
    // Something else publishes on the channel: said once, not for every message.
    if (this.warnedMalformed) return;
    this.warnedMalformed = true;
    this.options.logger.warn('fan-out ignored a malformed message on its channel', { channel: this.options.channel });
  }

  private async runAudit(): Promise<void> {
    if (this.auditing || this.closed) return;
    this.channel.ping();
    this.auditing = true;
    try {
      await this.delivery.audit();
    } catch {
      // The store is unreachable: the requests that need it say so; the next audit tries again.
    } finally {
      this.auditing = false;
    }
  }
}

/**
 * What goes on the channel: `<node>|` and a JSON array of messages. A bare
 * object is one message, as nodes before batching published it, and is read
 * too (a rolling upgrade mixes the two; an older node reads a batch as
 * malformed, and its audit reads those messages from the store instead).
 */
export function encodeBatch(messages: readonly Message[]): string {
  return `[${messages.map(encode).join(',')}]`;
}

/** Another node's messages, or undefined when the text is not that (a stray publisher on the channel). */
export function decodeBatch(text: string): Message[] | undefined {
  const bar = text.indexOf('|');
  const json = bar >= 0 && text[0] !== '{' && text[0] !== '[' ? text.slice(bar + 1) : text;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return undefined;
  }
  const wires = Array.isArray(value) ? value : [value];
  const messages = wires.map(fromWire);
  return messages.length > 0 && messages.every((message) => message !== undefined) ? messages : undefined;
}

function encode(message: Message): string {
  const wire: WireMessage = {
    id: message.id,
    room: message.room,
    username: message.username,
    text: message.text,
    createdAt: message.createdAt.toISOString(),
    ...(message.clientId === undefined ? {} : { clientId: message.clientId }),
    ...(message.change === undefined ? {} : { change: message.change.kind, target: message.change.target }),
  };
  return JSON.stringify(wire);
}

function fromWire(value: unknown): Message | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const wire = value as Partial<WireMessage>;
  const createdAt = new Date(wire.createdAt as string);
  if (
    !Number.isSafeInteger(wire.id) ||
    (wire.id as number) < 1 ||
    typeof wire.room !== 'string' ||
    typeof wire.username !== 'string' ||
    typeof wire.text !== 'string' ||
    typeof wire.createdAt !== 'string' ||
    Number.isNaN(createdAt.getTime()) ||
    (wire.clientId !== undefined && typeof wire.clientId !== 'string') ||
    (wire.change !== undefined && !((wire.change === 'edit' || wire.change === 'delete') && Number.isSafeInteger(wire.target)))
  ) {
    return undefined;
  }
  return storedMessage(wire.id as number, {
    room: wire.room,
    username: wire.username,
    text: wire.text,
    createdAt,
    clientId: wire.clientId,
    change: wire.change === undefined ? undefined : { kind: wire.change, target: wire.target as number },
  });
}
