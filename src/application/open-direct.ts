import { DomainError } from '../domain/errors.js';
import { sameUsername, type Identity } from '../domain/user.js';
import type { MembershipEvents, MembershipRepository, RoomRepository, UserRepository } from './ports.js';
import { requireUser, requireUserNamed } from './room-roles.js';

/**
 * The one direct conversation of two users, opened by either. Both belong
 * to it again if one had left it (removed itself): opening it means to talk.
 * Whoever was added hears of it on every connection (`added`).
 */
export class OpenDirect {
  constructor(
    private readonly users: UserRepository,
    private readonly rooms: RoomRepository,
    private readonly members: MembershipRepository,
    private readonly events: MembershipEvents,
  ) {}

  async execute({ username, identity }: { username: string; identity: Identity | undefined }): Promise<{ room: string; username: string }> {
    const opener = requireUser(identity);
    const other = await requireUserNamed(this.users, username);
    if (sameUsername(other, opener.username)) {
      throw new DomainError('INVALID_COMMAND', 'a direct conversation is with another user');
    }
    const { room, created } = await this.rooms.openDirect(opener.username, other);
    for (const member of [opener.username, other]) {
      if (created || (await this.members.add(room, member, 'member'))) this.events.publish({ kind: 'added', room, username: member });
    }
    return { room, username: other };
  }
}
