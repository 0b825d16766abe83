import { DomainError } from '../domain/errors.js';
import { sameUsername, type Identity } from '../domain/user.js';
import type { MembershipEvents, RoomRepository, UserRepository } from './ports.js';
import { requireUser, requireUserNamed } from './room-roles.js';

/** The one direct conversation of two users, opened by either; the other one's connections hear of it. */
export class OpenDirect {
  constructor(
    private readonly users: UserRepository,
    private readonly rooms: RoomRepository,
    private readonly events: MembershipEvents,
  ) {}

  async execute({ username, identity }: { username: string; identity: Identity | undefined }): Promise<{ room: string; username: string }> {
    const opener = requireUser(identity);
    const other = await requireUserNamed(this.users, username);
    if (sameUsername(other, opener.username)) {
      throw new DomainError('INVALID_COMMAND', 'a direct conversation is with another user');
    }
    const { room, created } = await this.rooms.openDirect(opener.username, other);
    if (created) this.events.publish({ kind: 'added', room, username: other });
    return { room, username: other };
  }
}
