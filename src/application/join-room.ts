import { DomainError } from '../domain/errors.js';
import { assertValidRoomName, DIRECT_PREFIX, PRIVATE_PREFIX } from '../domain/room.js';
import type { Identity } from '../domain/user.js';
import type { MembershipRepository, RoomRepository } from './ports.js';
import type { RequireRoom } from './require-room.js';

export interface JoinRoomInput {
  room: string;
  /** Who the connection proved to be, if anyone. */
  identity: Identity | undefined;
}

/**
 * Joining a public room is how it comes to exist, but only for a user, and
 * a user who joins one belongs to it (its conversation list shows it). A
 * connection without a user may join a public room that exists, and writes
 * nothing. A private room or direct conversation is joined by its members
 * alone; to anyone else it does not exist.
 */
export class JoinRoom {
  constructor(
    private readonly rooms: RoomRepository,
    private readonly members: MembershipRepository,
    private readonly requireRoom: RequireRoom,
  ) {}

  async execute({ room, identity }: JoinRoomInput): Promise<void> {
    assertValidRoomName(room);
    const kind = await this.rooms.kindOf(room);
    if (kind === 'private' || kind === 'direct' || room.startsWith(PRIVATE_PREFIX) || room.startsWith(DIRECT_PREFIX)) {
      await this.requireRoom.execute({ room, identity });
      return;
    }
    if (identity) {
      await this.rooms.ensure(room);
      await this.members.add(room, identity.username, 'member');
      return;
    }
    if (kind === undefined && !(await this.rooms.exists(room))) {
      throw new DomainError('UNKNOWN_ROOM', `there is no room "${room}"; log in to create it by joining`);
    }
  }
}
