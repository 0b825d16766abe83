import { sameUsername } from '../domain/user.js';
import type { MemberChange } from './invite-member.js';
import type { MembershipEvents, MembershipRepository, UserRepository } from './ports.js';
import type { RequireRoom } from './require-room.js';
import { requireOwner, requireUser, requireUserNamed } from './room-roles.js';

/**
 * A member leaves a room for good (itself), or an owner removes someone
 * from a private room. The removed user's connections, on every node, stop
 * receiving the room at once.
 */
export class RemoveMember {
  constructor(
    private readonly users: UserRepository,
    private readonly members: MembershipRepository,
    private readonly requireRoom: RequireRoom,
    private readonly events: MembershipEvents,
  ) {}

  /** Resolves the user as registered. */
  async execute({ room, username, identity }: MemberChange): Promise<string> {
    const remover = requireUser(identity);
    await this.requireRoom.execute({ room, identity: remover });
    const removed = await requireUserNamed(this.users, username);
    // Owners exist in private rooms only: nobody removes another from a public room or a direct conversation.
    if (!sameUsername(removed, remover.username)) await requireOwner(this.members, room, remover.username);
    if (await this.members.remove(room, removed)) this.events.publish({ kind: 'removed', room, username: removed });
    return removed;
  }
}
