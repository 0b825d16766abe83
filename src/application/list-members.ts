import type { Identity } from '../domain/user.js';
import type { MembershipRepository, RoomMember } from './ports.js';
import type { RequireRoom } from './require-room.js';
import { requireUser } from './room-roles.js';

/** Who belongs to a room, for those who may read it. */
export class ListMembers {
  constructor(
    private readonly members: MembershipRepository,
    private readonly requireRoom: RequireRoom,
  ) {}

  async execute({ room, identity }: { room: string; identity: Identity | undefined }): Promise<RoomMember[]> {
    await this.requireRoom.execute({ room, identity: requireUser(identity) });
    return this.members.members(room);
  }
}
