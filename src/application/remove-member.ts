import { DEFAULT_ROOM } from '../domain/room.js';
import { DomainError } from '../domain/errors.js';
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

  /** The user as registered, and whether it was a member (then every connection of its hears `removed`). */
  async execute({ room, username, identity }: MemberChange): Promise<{ username: string; removed: boolean }> {
    const remover = requireUser(identity);
    await this.requireRoom.execute({ room, identity: remover });
    const removed = await requireUserNamed(this.users, username);
    if (!sameUsername(removed, remover.username)) {
      // Owners exist in private rooms only: nobody removes another from a public room or a direct conversation.
      await requireOwner(this.members, room, remover.username);
    } else if (room === DEFAULT_ROOM) {
      // Every user is in general: leaving it for good would only lose the read marker kept there.
      throw new DomainError('INVALID_COMMAND', 'everyone belongs to general; "leave" stops this connection listening to it');
    }
    const wasMember = await this.members.remove(room, removed);
    if (wasMember) this.events.publish({ kind: 'removed', room, username: removed });
    return { username: removed, removed: wasMember };
  }
}
