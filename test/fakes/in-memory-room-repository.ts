import type { RoomRepository } from '../../src/application/ports.js';
import { DEFAULT_ROOM } from '../../src/domain/room.js';

export class InMemoryRoomRepository implements RoomRepository {
  readonly rooms = new Set([DEFAULT_ROOM]);

  async ensure(name: string): Promise<void> {
    this.rooms.add(name);
  }

  async exists(name: string): Promise<boolean> {
    return this.rooms.has(name);
  }
}
