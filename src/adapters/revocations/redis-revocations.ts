import { randomBytes } from 'node:crypto';
import type { Logger, Revocation, Revocations } from '../../application/ports.js';
import type { EndReason } from '../../domain/session.js';
import { RedisChannel } from '../redis/redis-channel.js';

export interface RedisRevocationsOptions {
  /** redis:// or rediss:// URL. */
  url: string;
  /** The deployment's channel (REDIS_CHANNEL); revocations travel on `<channel>:revocations`. */
  channel: string;
  logger: Logger;
  /** Names this node in what it publishes, so it skips its own; random by default. */
  nodeId?: string;
  /** Longest wait between reconnection attempts. */
  maxReconnectDelayMs?: number;
}

const REASONS: ReadonlySet<EndReason> = new Set(['revoked', 'logged_out_everywhere', 'password_changed', 'account_deleted', 'suspended', 'refresh_reused']);

interface WireRevocation {
  node: string;
  sessionIds: string[];
  reason: EndReason;
}

/**
 * Revocations to every node through Redis publish/subscribe. This node's
 * own are delivered here at once, Redis or not. One published while Redis
 * is down, or while another node is cut off, is lost for the others: when
 * the channel is back, `missed` tells the listeners to check their sessions
 * against the store, and until then the periodic check bounds the delay.
 */
export class RedisRevocations implements Revocations {
  private readonly nodeId: string;
  private readonly channel: RedisChannel;
  private readonly listeners = new Set<(revocation: Revocation) => void>();
  private readonly missedListeners = new Set<() => void>();
  private warnedMalformed = false;

  constructor(private readonly options: RedisRevocationsOptions) {
    this.nodeId = options.nodeId ?? randomBytes(8).toString('hex');
    this.channel = new RedisChannel({
      url: options.url,
      channel: `${options.channel}:revocations`,
      connectionName: `revocations:${options.channel}:${this.nodeId}`,
      logger: options.logger,
      what: 'redis revocations',
      whileDown: 'sessions revoked on other nodes end here at the next session check',
      ...(options.maxReconnectDelayMs === undefined ? {} : { maxReconnectDelayMs: options.maxReconnectDelayMs }),
      onMessage: (text) => this.receive(text),
      onReady: () => {
        for (const missed of this.missedListeners) missed();
      },
    });
  }

  publish(revocation: Revocation): void {
    if (revocation.sessionIds.length === 0) return;
    this.deliver(revocation);
    const wire: WireRevocation = { node: this.nodeId, sessionIds: [...revocation.sessionIds], reason: revocation.reason };
    void this.channel.publish(JSON.stringify(wire));
  }

  subscribe(listener: (revocation: Revocation) => void, missed?: () => void): () => void {
    this.listeners.add(listener);
    if (missed) this.missedListeners.add(missed);
    return () => {
      this.listeners.delete(listener);
      if (missed) this.missedListeners.delete(missed);
    };
  }

  isReady(): boolean {
    return this.channel.isReady();
  }

  close(): Promise<void> {
    return this.channel.close();
  }

  private receive(text: string): void {
    const wire = parse(text);
    if (!wire) {
      if (!this.warnedMalformed) this.options.logger.warn('malformed revocation ignored', { sample: text.slice(0, 200) });
      this.warnedMalformed = true;
      return;
    }
    if (wire.node === this.nodeId) return;
    this.deliver({ sessionIds: wire.sessionIds, reason: wire.reason });
  }

  private deliver(revocation: Revocation): void {
    for (const listener of this.listeners) listener(revocation);
  }
}

function parse(text: string): WireRevocation | undefined {
  try {
    const value = JSON.parse(text) as Partial<WireRevocation>;
    const { node, sessionIds, reason } = value;
    if (typeof node !== 'string' || !Array.isArray(sessionIds) || !sessionIds.every((id) => typeof id === 'string')) return undefined;
    if (typeof reason !== 'string' || !REASONS.has(reason)) return undefined;
    return { node, sessionIds, reason };
  } catch {
    return undefined;
  }
}
