import { DomainError } from '../domain/errors.js';
import { assertValidRoomName } from '../domain/room.js';
import type { RoomRepository } from './ports.js';

/** What can be read of a room (its history, its presence) exists only once someone joined it. */
export class RequireRoom {
  constructor(private readonly rooms: RoomRepository) {}

  async execute({ room }: { room: string }): Promise<void> {
    assertValidRoomName(room);
    if (!(await this.rooms.exists(room))) {
      throw new DomainError('UNKNOWN_ROOM', `there is no room "${room}"; join it to create it`);
    }
  }
}
