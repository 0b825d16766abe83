import type { Appended, HistoryQuery, MessageFanout, MessageRepository } from '../../application/ports.js';
import type { Message, NewMessage } from '../../domain/message.js';

interface Tail {
  recent: Message[] | undefined;
  loading: Promise<Message[]> | undefined;
  /** Published while the first load was in flight; merged in when it lands. */
  arrivedDuringLoad: Message[];
}

/** Rooms whose tails are kept; the least recently asked one is dropped past it. */
const MAX_ROOMS = 1000;

/**
 * Keeps the latest `capacity` messages of each room asked about in memory, so
 * that a room's latest page up to that size is answered without a query once
 * warm. The database stays the source of truth: a tail is filled from it once,
 * then follows the fan-out, which carries every stored message in id order.
 * Pages before or after an id go to the database.
 */
export class RecentMessagesCache implements MessageRepository {
  private tails = new Map<string, Tail>();

  constructor(
    private readonly store: MessageRepository,
    fanout: MessageFanout,
    private readonly capacity: number,
  ) {
    fanout.subscribe((message) => this.remember(message));
  }

  append(message: NewMessage): Promise<Appended> {
    return this.store.append(message);
  }

  since(afterId: number, limit: number): Promise<Message[]> {
    return this.store.since(afterId, limit);
  }

  lastId(): Promise<number> {
    return this.store.lastId();
  }

  find(id: number): Promise<Message | undefined> {
    return this.store.find(id);
  }

  async page(query: HistoryQuery): Promise<Message[]> {
    if (query.before !== undefined || query.after !== undefined || query.withChanges || query.limit > this.capacity) return this.store.page(query);
    const recent = await this.warm(query.room);
    return recent.slice(Math.max(0, recent.length - query.limit));
  }

  private warm(room: string): Promise<Message[]> {
    let tail = this.tails.get(room);
    if (tail) {
      // Most recently asked last: the first key is the one to drop.
      this.tails.delete(room);
      this.tails.set(room, tail);
      if (tail.recent) return Promise.resolve(tail.recent);
    } else {
      tail = { recent: undefined, loading: undefined, arrivedDuringLoad: [] };
      this.tails.set(room, tail);
      if (this.tails.size > MAX_ROOMS) this.tails.delete(this.tails.keys().next().value as string);
    }
    const loading = tail;
    loading.loading ??= this.store.page({ room, limit: this.capacity }).then(
      (loaded) => {
        // Invalidated or dropped while loading: this result may be stale, so it is served but not kept.
        if (this.tails.get(room) !== loading) return loaded;
        const newest = loaded.at(-1)?.id ?? 0;
        const recent = [...loaded];
        for (const message of loading.arrivedDuringLoad.filter((m) => m.id > newest)) {
          if (message.change) applyChange(recent, message);
          else recent.push(message);
        }
        loading.recent = recent.slice(-this.capacity);
        loading.arrivedDuringLoad = [];
        return loading.recent;
      },
      (error: unknown) => {
        // Not warmed: the next request tries again.
        if (this.tails.get(room) === loading) this.tails.delete(room);
        throw error;
      },
    );
    return loading.loading;
  }

  /**
   * Forget everything, to be loaded again on the next request: for when the
   * store may have changed without the fan-out saying so (a restore, a
   * fan-out that was interrupted, a test emptying the tables).
   */
  invalidate(): void {
    this.tails = new Map();
  }

  private remember(message: Message): void {
    const tail = this.tails.get(message.room);
    if (!tail) return;
    if (!tail.recent) {
      tail.arrivedDuringLoad.push(message);
      return;
    }
    if (message.change) {
      applyChange(tail.recent, message);
      return;
    }
    tail.recent.push(message);
    if (tail.recent.length > this.capacity) tail.recent.shift();
  }
}

/** A change published after its message: the message as the store now has it (a new object: frames are memoized per object). */
function applyChange(recent: Message[], change: Message): void {
  const { kind, target } = change.change as NonNullable<Message['change']>;
  const at = recent.findIndex(({ id }) => id === target);
  const original = recent[at];
  if (!original || original.deletedAt) return;
  recent[at] = kind === 'edit' ? { ...original, text: change.text, editedAt: change.createdAt } : { ...original, text: '', deletedAt: change.createdAt };
}
