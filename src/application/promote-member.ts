import type { MemberChange } from './invite-member.js';
import type { MembershipRepository, UserRepository } from './ports.js';
import type { RequireRoom } from './require-room.js';
import { requireOwner, requireUser, requireUserNamed } from './room-roles.js';
import { DomainError } from '../domain/errors.js';

/** An owner makes a member an owner too. */
export class PromoteMember {
  constructor(
    private readonly users: UserRepository,
    private readonly members: MembershipRepository,
    private readonly requireRoom: RequireRoom,
  ) {}

  async execute({ room, username, identity }: MemberChange): Promise<string> {
    const promoter = requireUser(identity);
    await this.requireRoom.execute({ room, identity: promoter });
    await requireOwner(this.members, room, promoter.username);
    const promoted = await requireUserNamed(this.users, username);
    if ((await this.members.roleOf(room, promoted)) === undefined) {
      throw new DomainError('UNKNOWN_USER', `"${promoted}" is not a member of "${room}": invite them first`);
    }
    await this.members.setRole(room, promoted, 'owner');
    return promoted;
  }
}
