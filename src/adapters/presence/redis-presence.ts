import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Clock, Logger, PresenceBoard, PresenceListener } from '../../application/ports.js';
import { PresenceLedger, type PresenceChange, type RoomUsers } from '../../application/presence-ledger.js';
import { RedisChannel } from '../redis/redis-channel.js';

export interface RedisPresenceOptions {
  /** redis:// or rediss:// URL. */
  url: string;
  /** The deployment's channel (REDIS_CHANNEL); presence travels on `<channel>:presence`. */
  channel: string;
  logger: Logger;
  /** How often this node publishes everything it has present; default 5 s, or a third of `expiryMs` when that is given. */
  snapshotMs?: number;
  /** A node not heard from for this long is taken for dead, and its users for gone; default three snapshots. */
  expiryMs?: number;
  /** Runs the snapshot and expiry timers and says when a node was heard; tests give a clock they move themselves. */
  clock?: Clock;
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
  private readonly channel: RedisChannel;
  /** This node's changes of this turn, published together at its end: a closing node leaves many rooms at once. */
  private pending = new Map<string, PresenceChange>();
  private replyQueued = false;
  private warnedMalformed = false;
  private closed = false;
  private readonly clock: Clock;
  private readonly stopTimers: Array<() => void>;

  constructor(private readonly options: RedisPresenceOptions) {
    this.nodeId = options.nodeId ?? randomBytes(8).toString('hex');
    this.topic = `${options.channel}:presence`;
    this.clock = options.clock ?? MONOTONIC;
    const snapshotMs = options.snapshotMs ?? (options.expiryMs === undefined ? 5000 : options.expiryMs / 3);
    this.expiryMs = options.expiryMs ?? 3 * snapshotMs;
    this.ledger = new PresenceLedger(this.expiryMs, (room, user, present) => this.notify(room, user, present));
    this.channel = new RedisChannel({
      url: options.url,
      channel: this.topic,
      connectionName: options.connectionName ?? `presence:${options.channel}:${this.nodeId}`,
      logger: options.logger,
      what: 'redis presence',
      whileDown: 'other nodes’ users are dropped when they expire, until it is back',
      maxReconnectDelayMs: options.maxReconnectDelayMs,
      stallTimeoutMs: options.stallTimeoutMs,
      onMessage: (text) => this.receive(text),
      // What others said meanwhile was missed, and what this node said may be lost: tell everything, and ask.
      onReady: () => this.snapshot(true),
    });
    this.stopTimers = [
      this.every(snapshotMs, () => this.heartbeat()),
      // Checked more often than snapshots come, so a dead node goes soon after its expiry, not a whole period later.
      this.every(Math.min(1000, snapshotMs), () => this.expire()),
    ];
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
    return !this.closed && this.channel.isReady();
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
    for (const stop of this.stopTimers) stop();
    const bye: WirePresence = { node: this.nodeId, kind: 'bye' };
    await this.channel.publish(JSON.stringify(bye));
    await this.channel.close();
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
    if (this.closed) return;
    await this.channel.publish(JSON.stringify(wire));
  }

  private receive(text: string): void {
    const wire = decodePresence(text);
    if (!wire) return this.warnMalformed();
    if (wire.node === this.nodeId || this.closed) return;
    const now = this.clock.now().getTime();
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
    this.channel.ping();
    this.snapshot(false);
  }

  private expire(): void {
    if (this.closed) return;
    try {
      for (const node of this.ledger.expire(this.clock.now().getTime())) {
        this.options.logger.info('presence dropped a silent node', { node, silentMs: this.expiryMs });
      }
    } catch (error) {
      this.options.logger.error('presence listener failed', { error });
    }
  }

  /** Calls `tick` every `ms` on the clock until the returned function is called. */
  private every(ms: number, tick: () => void): () => void {
    let cancel: () => void;
    const arm = (): void => {
      cancel = this.clock.schedule(ms, () => {
        arm();
        tick();
      });
    };
    arm();
    return () => cancel();
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
}

/**
 * Real time that never jumps: when a node was last heard is compared with
 * now, and a wall clock set back or forward must not keep or drop nodes.
 * A pending timer does not keep the process alive.
 */
const MONOTONIC: Clock = {
  now: () => new Date(performance.timeOrigin + performance.now()),
  schedule(ms, callback) {
    const timer = setTimeout(callback, ms).unref();
    return () => clearTimeout(timer);
  },
};

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
