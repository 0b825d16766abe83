import type { Identity } from '../domain/user.js';
import type { MembershipEvents, MembershipRepository } from './ports.js';
import type { RequireRoom } from './require-room.js';
import { requireUser } from './room-roles.js';

/** A user has read a room up to an id: stored, never moved back, and told to the user's other connections. */
export class MarkRead {
  constructor(
    private readonly members: MembershipRepository,
    private readonly requireRoom: RequireRoom,
    private readonly events: MembershipEvents,
  ) {}

  /** Resolves the marker as it is now. */
  async execute({ room, id, identity }: { room: string; id: number; identity: Identity | undefined }): Promise<number> {
    const reader = requireUser(identity);
    await this.requireRoom.execute({ room, identity: reader });
    const marker = await this.members.markRead(reader.username, room, id);
    this.events.publish({ kind: 'read', room, username: reader.username, id: marker });
    return marker;
  }
}
