import { randomBytes } from 'node:crypto';
import type { Logger, MembershipEvent, MembershipEvents } from '../../application/ports.js';
import { RedisChannel } from '../redis/redis-channel.js';

export interface RedisMembershipEventsOptions {
  url: string;
  /** The deployment's channel (REDIS_CHANNEL); these events go on `<channel>:membership`. */
  channel: string;
  logger: Logger;
}

type Wire = { node: string; event: MembershipEvent };

type Listener = (event: MembershipEvent) => void;

/**
 * Membership events over every node through Redis publish/subscribe. A
 * node hears its own events at once, the others' a moment later. Redis may
 * drop an event (a node was cut off while it was published): when the
 * channel is back, listeners hear `resync`, and check what their
 * connections are in against the store.
 */
export class RedisMembershipEvents implements MembershipEvents {
  private readonly node = randomBytes(8).toString('hex');
  private readonly listeners = new Set<Listener>();
  private readonly channel: RedisChannel;
  private connectedOnce = false;

  constructor(options: RedisMembershipEventsOptions) {
    this.channel = new RedisChannel({
      url: options.url,
      channel: `${options.channel}:membership`,
      connectionName: `membership:${options.channel}:${this.node}`,
      logger: options.logger,
      what: 'redis membership events',
      whileDown: 'removals and read markers from other nodes reach this one when it is back',
      onMessage: (text) => this.receive(text),
      onReady: () => {
        // The first connection missed nothing: nobody here was connected yet.
        if (this.connectedOnce) this.hear({ kind: 'resync' });
        this.connectedOnce = true;
      },
    });
  }

  publish(event: MembershipEvent): void {
    this.hear(event);
    void this.channel.publish(JSON.stringify({ node: this.node, event } satisfies Wire));
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  isReady(): boolean {
    return this.channel.isReady();
  }

  close(): Promise<void> {
    return this.channel.close();
  }

  private receive(text: string): void {
    let wire: Wire;
    try {
      wire = JSON.parse(text) as Wire;
    } catch {
      return;
    }
    if (wire.node !== this.node && typeof wire.event?.kind === 'string') this.hear(wire.event);
  }

  private hear(event: MembershipEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}
