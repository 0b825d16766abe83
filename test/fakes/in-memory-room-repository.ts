import type { RoomRepository } from '../../src/application/ports.js';
import { DEFAULT_ROOM } from '../../src/domain/room.js';

export class InMemoryRoomRepository implements RoomRepository {
  /** Room → when it was created. */
  readonly created = new Map<string, Date>([[DEFAULT_ROOM, new Date(0)]]);
  /** Rooms that hold a message, as the message store would tell. */
  readonly used = new Set<string>();

  constructor(private readonly now: () => Date = () => new Date()) {}

  get rooms(): Set<string> {
    return new Set(this.created.keys());
  }

  async ensure(name: string): Promise<void> {
    if (!this.created.has(name)) this.created.set(name, this.now());
  }

  async exists(name: string): Promise<boolean> {
    return this.created.has(name) || this.used.has(name);
  }

  async removeUnused(createdBefore: Date): Promise<number> {
    let removed = 0;
    for (const [name, at] of this.created) {
      if (name !== DEFAULT_ROOM && at < createdBefore && !this.used.has(name)) {
        this.created.delete(name);
        removed += 1;
      }
    }
    return removed;
  }
}
