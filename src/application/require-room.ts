import { DomainError } from '../domain/errors.js';
import { assertValidRoomName } from '../domain/room.js';
import type { Identity } from '../domain/user.js';
import type { MembershipRepository, RoomRepository } from './ports.js';

export interface RequireRoomInput {
  room: string;
  /** Who asks, if anyone: private rooms and direct conversations are their members' alone. */
  identity: Identity | undefined;
}

/**
 * Who may read a room (its history, catch-up, presence, members): anyone a
 * public one that exists; a member a private room or direct conversation.
 * To everyone else those do not exist: the refusal is the very one a name
 * nobody uses gets, so it tells nothing.
 */
export class RequireRoom {
  constructor(
    private readonly rooms: RoomRepository,
    private readonly members: MembershipRepository,
  ) {}

  async execute({ room, identity }: RequireRoomInput): Promise<void> {
    assertValidRoomName(room);
    const kind = await this.rooms.kindOf(room);
    if (kind === undefined && (await this.rooms.exists(room))) return;
    if (kind === 'public') return;
    if (kind !== undefined && identity && (await this.members.roleOf(room, identity.username)) !== undefined) return;
    throw unknownRoom(room);
  }
}

export const unknownRoom = (room: string): DomainError => new DomainError('UNKNOWN_ROOM', `there is no room "${room}" you may read`);
