import { DomainError } from '../domain/errors.js';
import { assertValidRoomName } from '../domain/room.js';
import type { Identity } from '../domain/user.js';
import type { RoomRepository } from './ports.js';

export interface JoinRoomInput {
  room: string;
  /** Who the connection proved to be, if anyone. */
  identity: Identity | undefined;
}

/**
 * Joining is how rooms come to exist, but only for a user: a connection
 * without one may join a room that exists, and writes nothing. Who is in a
 * room is the connection's business, not the store's.
 */
export class JoinRoom {
  constructor(private readonly rooms: RoomRepository) {}

  async execute({ room, identity }: JoinRoomInput): Promise<void> {
    assertValidRoomName(room);
    if (identity) {
      await this.rooms.ensure(room);
      return;
    }
    if (!(await this.rooms.exists(room))) {
      throw new DomainError('UNKNOWN_ROOM', `there is no room "${room}"; log in to create it by joining`);
    }
  }
}
