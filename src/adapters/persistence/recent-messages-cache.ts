import type { MessageFanout, MessageRepository } from '../../application/ports.js';
import type { Message, NewMessage } from '../../domain/message.js';

/**
 * Keeps the latest `capacity` messages in memory so that `history N` up to
 * that size is answered without a query once warm. The database stays the
 * source of truth: the cache is filled from it once, then follows the
 * fan-out, which carries every stored message in id order.
 */
export class RecentMessagesCache implements MessageRepository {
  private recent: Message[] | undefined;
  private loading: Promise<Message[]> | undefined;
  /** Published while the first load was in flight; merged in when it lands. */
  private arrivedDuringLoad: Message[] = [];
  private generation = 0;

  constructor(
    private readonly store: MessageRepository,
    fanout: MessageFanout,
    private readonly capacity: number,
  ) {
    fanout.subscribe((message) => this.remember(message));
  }

  append(message: NewMessage): Promise<Message> {
    return this.store.append(message);
  }

  async latest(count: number): Promise<Message[]> {
    if (count > this.capacity) return this.store.latest(count);
    const recent = this.recent ?? (await this.warm());
    return recent.slice(Math.max(0, recent.length - count));
  }

  private warm(): Promise<Message[]> {
    const generation = this.generation;
    this.loading ??= this.store.latest(this.capacity).then(
      (loaded) => {
        // Invalidated while loading: this result may be stale, so it is served but not kept.
        if (generation !== this.generation) return loaded;
        const newest = loaded.at(-1)?.id ?? 0;
        this.recent = [...loaded, ...this.arrivedDuringLoad.filter((m) => m.id > newest)].slice(-this.capacity);
        this.arrivedDuringLoad = [];
        return this.recent;
      },
      (error: unknown) => {
        // Not warmed: the next request tries again.
        if (generation !== this.generation) throw error;
        this.loading = undefined;
        this.arrivedDuringLoad = [];
        throw error;
      },
    );
    return this.loading;
  }

  /**
   * Forget everything, to be loaded again on the next request: for when the
   * store may have changed without the fan-out saying so (a restore, a
   * fan-out that was interrupted, a test emptying the tables).
   */
  invalidate(): void {
    this.generation += 1;
    this.recent = undefined;
    this.loading = undefined;
    this.arrivedDuringLoad = [];
  }

  private remember(message: Message): void {
    if (!this.recent) {
      if (this.loading) this.arrivedDuringLoad.push(message);
      return;
    }
    this.recent.push(message);
    if (this.recent.length > this.capacity) this.recent.shift();
  }
}
