import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import type { Logger, PresenceBoard, PresenceListener } from '../../application/ports.js';
import { PresenceLedger, type PresenceChange, type RoomUsers } from './presence-ledger.js';

export interface RedisPresenceOptions {
  /** redis:// or rediss:// URL. */
  url: string;
  /** The deployment's channel (REDIS_CHANNEL); presence travels on `<channel>:presence`. */
  channel: string;
  logger: Logger;
  /** How often this node publishes everything it has present. */
  snapshotMs?: number;
  /** A node not heard from for this long is taken for dead, and its users for gone; default three snapshots. */
  expiryMs?: number;
  /** Names this node in what it publishes; random by default, so a restarted process is a new node. */
  nodeId?: string;
  /**
   * Names this node's two connections on Redis (`<name>:pub`, `<name>:sub`);
   * default `presence:<channel>:<node id>`, which does not start with the
   * channel, so the fan-out's connections can be told apart by prefix.
   */
  connectionName?: string;
  /** Longest wait between reconnection attempts. */
  maxReconnectDelayMs?: number;
  /** A connection with a command unanswered this long is dropped and made again (see RedisFanout). */
  stallTimeoutMs?: number;
}

/** What travels on the presence channel. */
type WirePresence =
  /** Everything the node has present. `hello`: it has just (re)subscribed and missed what others said, so they answer with theirs. */
  | { node: string; kind: 'snapshot'; rooms: RoomUsers; hello?: boolean }
  | { node: string; kind: 'change'; changes: PresenceChange[] }
  /** The node stops: its users are gone. */
  | { node: string; kind: 'bye' };

/**
 * Presence over every node of a deployment, through Redis publish/subscribe.
 *
 * Each node publishes its own changes as they happen, and everything it has
 * present every few seconds (the snapshot), which both repairs anything a
 * lost publication left wrong and says the node is alive. A node not heard
 * from for the expiry time (it was killed, or it lost Redis) is dropped: its
 * users leave. A node that stops gracefully says so. While Redis is down a
 * node keeps listing its own users, and the others' until they expire; when
 * it is back it says hello and every node answers with its snapshot.
 */
export class RedisPresence implements PresenceBoard {
  readonly nodeId: string;
  private readonly topic: string;
  private readonly expiryMs: number;
  private readonly ledger: PresenceLedger;
  private readonly listeners = new Set<PresenceListener>();
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  /** This node's changes of this turn, published together at its end: a closing node leaves many rooms at once. */
  private pending = new Map<string, PresenceChange>();
  private subscribed = false;
  /** The snapshot with hello went out on the current connections. */
  private synced = false;
  private replyQueued = false;
  /** undefined until the first connection succeeds or fails, so an outage is logged once, not per retry. */
  private up: boolean | undefined;
  private downSince = 0;
  private lastError: string | undefined;
  private warnedMalformed = false;
  private closed = false;
  private readonly snapshotTimer: NodeJS.Timeout;
  private readonly expiryTimer: NodeJS.Timeout;

  constructor(private readonly options: RedisPresenceOptions) {
    this.nodeId = options.nodeId ?? randomBytes(8).toString('hex');
    this.topic = `${options.channel}:presence`;
    const snapshotMs = options.snapshotMs ?? 5000;
    this.expiryMs = options.expiryMs ?? 3 * snapshotMs;
    this.ledger = new PresenceLedger(this.expiryMs, (room, user, present) => this.notify(room, user, present));
    const maxDelay = options.maxReconnectDelayMs ?? 2000;
    const common = {
      lazyConnect: true,
      // A publication while disconnected is dropped at once: the snapshot after reconnecting says it all again.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: (attempt: number) => Math.min(attempt * 100, maxDelay),
      socketTimeout: options.stallTimeoutMs ?? 3000,
    };
    const name = options.connectionName ?? `presence:${options.channel}:${this.nodeId}`;
    this.publisher = new Redis(options.url, { ...common, connectionName: `${name}:pub` });
    // Subscribing again is done here, not by ioredis, to know when to say hello.
    this.subscriber = new Redis(options.url, { ...common, autoResubscribe: false, connectionName: `${name}:sub` });
    this.snapshotTimer = setInterval(() => this.heartbeat(), snapshotMs).unref();
    // Checked more often than snapshots come, so a dead node goes soon after its expiry, not a whole period later.
    this.expiryTimer = setInterval(() => this.expire(), Math.min(1000, snapshotMs)).unref();
    this.connect();
  }

  update(room: string, user: string, present: boolean): void {
    if (!this.ledger.setOwn(room, user, present)) return;
    if (this.pending.size === 0) setImmediate(() => this.flush());
    this.pending.set(`${room}\n${user}`, { room, user, present });
  }

  users(room: string): string[] {
    return this.ledger.users(room);
  }

  subscribe(listener: PresenceListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Both connections up and the channel subscribed: other nodes' changes arrive live. */
  isReady(): boolean {
    return !this.closed && this.subscribed && this.subscriber.status === 'ready' && this.publisher.status === 'ready';
  }

  /** The other nodes this one hears (or heard within the expiry time). */
  get peers(): string[] {
    return this.ledger.peerIds;
  }

  /** Says goodbye, so the other nodes drop this one's users now rather than at the expiry. */
  async close(): Promise<void> {
    if (this.closed) return;
    // Nothing is published after the goodbye (a snapshot would bring this node back), and
    // leaving users need not be published one by one: the goodbye covers them.
    this.closed = true;
    this.pending.clear();
    clearInterval(this.snapshotTimer);
    clearInterval(this.expiryTimer);
    if (this.publisher.status === 'ready') {
      const bye: WirePresence = { node: this.nodeId, kind: 'bye' };
      await this.publisher.publish(this.topic, JSON.stringify(bye)).catch(() => undefined);
    }
    await Promise.all([this.publisher, this.subscriber].map((connection) => quit(connection)));
  }

  private connect(): void {
    this.subscriber.on('message', (_channel: string, text: string) => this.receive(text));
    this.subscriber.on('ready', () => this.resubscribe());
    this.publisher.on('ready', () => this.sync());
    for (const connection of [this.publisher, this.subscriber]) {
      // Without a listener an 'error' event would crash the process; each failed attempt emits one.
      connection.on('error', (error: unknown) => this.noteError(error));
      connection.on('close', () => {
        // What is published or heard from now on may be lost: say hello again once both are back.
        this.synced = false;
        if (connection === this.subscriber) this.subscribed = false;
        this.review();
      });
      connection.connect().catch((error: unknown) => this.noteError(error));
    }
  }

  private resubscribe(): void {
    this.subscriber.subscribe(this.topic).then(
      () => {
        this.subscribed = true;
        this.sync();
      },
      (error: unknown) => this.noteError(error),
    );
  }

  /** Once both connections are (back) in place: tell everything and ask the others for theirs. */
  private sync(): void {
    this.review();
    if (this.synced || !this.isReady()) return;
    this.synced = true;
    this.snapshot(true);
  }

  private snapshot(hello: boolean): void {
    // The snapshot holds every change still waiting.
    this.pending.clear();
    void this.publish({ node: this.nodeId, kind: 'snapshot', rooms: this.ledger.ownRooms(), ...(hello ? { hello } : {}) });
  }

  private flush(): void {
    if (this.pending.size === 0 || this.closed) return;
    const changes = [...this.pending.values()];
    this.pending.clear();
    void this.publish({ node: this.nodeId, kind: 'change', changes });
  }

  /** Lost when Redis is not there: the next snapshot repairs it. */
  private async publish(wire: WirePresence): Promise<void> {
    if (this.closed || this.publisher.status !== 'ready') return;
    await this.publisher.publish(this.topic, JSON.stringify(wire)).catch((error: unknown) => this.noteError(error));
  }

  private receive(text: string): void {
    const wire = decodePresence(text);
    if (!wire) return this.warnMalformed();
    if (wire.node === this.nodeId || this.closed) return;
    const now = performance.now();
    try {
      switch (wire.kind) {
        case 'snapshot':
          this.ledger.replace(wire.node, wire.rooms, now);
          if (wire.hello) this.answerHello();
          return;
        case 'change':
          return this.ledger.change(wire.node, wire.changes, now);
        case 'bye':
          return this.ledger.drop(wire.node);
      }
    } catch (error) {
      // A listener failed: the ledger is consistent (it counts before it calls), and Redis must not see the throw.
      this.options.logger.error('presence listener failed', { error });
    }
  }

  /** Several nodes saying hello at once (a restart of all) get one snapshot, not one each. */
  private answerHello(): void {
    if (this.replyQueued) return;
    this.replyQueued = true;
    setImmediate(() => {
      this.replyQueued = false;
      this.snapshot(false);
    });
  }

  private heartbeat(): void {
    if (this.closed) return;
    for (const connection of [this.publisher, this.subscriber]) {
      // Arms the stall timeout on a connection that may have nothing else to say.
      if (connection.status === 'ready') connection.ping().catch((error: unknown) => this.noteError(error));
    }
    this.snapshot(false);
  }

  private expire(): void {
    if (this.closed) return;
    try {
      for (const node of this.ledger.expire(performance.now())) {
        this.options.logger.info('presence dropped a silent node', { node, silentMs: this.expiryMs });
      }
    } catch (error) {
      this.options.logger.error('presence listener failed', { error });
    }
  }

  private notify(room: string, user: string, present: boolean): void {
    for (const listener of this.listeners) listener(room, user, present);
  }

  private warnMalformed(): void {
    // Something else publishes on the channel: said once, not for every message.
    if (this.warnedMalformed) return;
    this.warnedMalformed = true;
    this.options.logger.warn('presence ignored a malformed message on its channel', { channel: this.topic });
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
      if (this.up === false) this.options.logger.info('redis presence restored', { downMs: Date.now() - this.downSince });
      this.up = true;
      this.lastError = undefined;
    } else if (!ready && this.up !== false && (this.up === true || this.lastError !== undefined)) {
      this.up = false;
      this.downSince = Date.now();
      this.options.logger.warn('redis presence unavailable; other nodes’ users are dropped when they expire, until it is back', {
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

/** Another node's message, or undefined when the text is not one (a stray publisher on the channel). */
export function decodePresence(text: string): WirePresence | undefined {
  let wire: Record<string, unknown> | null;
  try {
    wire = JSON.parse(text) as Record<string, unknown> | null;
  } catch {
    return undefined;
  }
  if (typeof wire !== 'object' || wire === null || Array.isArray(wire) || typeof wire.node !== 'string' || wire.node === '') return undefined;
  const { node } = wire;
  switch (wire.kind) {
    case 'snapshot': {
      const { rooms, hello } = wire;
      if (typeof rooms !== 'object' || rooms === null || Array.isArray(rooms)) return undefined;
      if (!Object.values(rooms).every(isStringArray) || (hello !== undefined && typeof hello !== 'boolean')) return undefined;
      return { node, kind: 'snapshot', rooms: rooms as RoomUsers, ...(hello ? { hello } : {}) };
    }
    case 'change': {
      const { changes } = wire;
      if (!Array.isArray(changes) || !changes.every(isChange)) return undefined;
      return { node, kind: 'change', changes: changes.map(({ room, user, present }) => ({ room, user, present })) };
    }
    case 'bye':
      return { node, kind: 'bye' };
    default:
      return undefined;
  }
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

function isChange(value: unknown): value is PresenceChange {
  if (typeof value !== 'object' || value === null) return false;
  const { room, user, present } = value as Record<string, unknown>;
  return typeof room === 'string' && typeof user === 'string' && typeof present === 'boolean';
}
