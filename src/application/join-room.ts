import { assertValidRoomName } from '../domain/room.js';
import type { RoomRepository } from './ports.js';

/** Joining is how rooms come to exist; who is in a room is the connection's business, not the store's. */
export class JoinRoom {
  constructor(private readonly rooms: RoomRepository) {}

  async execute({ room }: { room: string }): Promise<void> {
    assertValidRoomName(room);
    await this.rooms.ensure(room);
  }
}
