import type { Identity } from '../domain/user.js';
import type { MembershipEvents, MembershipRepository, UserRepository } from './ports.js';
import type { RequireRoom } from './require-room.js';
import { requireOwner, requireUser, requireUserNamed } from './room-roles.js';

export interface MemberChange {
  room: string;
  username: string;
  identity: Identity | undefined;
}

/** An owner adds a user to a private room; the user's connections, on every node, hear of it. */
export class InviteMember {
  constructor(
    private readonly users: UserRepository,
    private readonly members: MembershipRepository,
    private readonly requireRoom: RequireRoom,
    private readonly events: MembershipEvents,
  ) {}

  /** Resolves the user as registered. */
  async execute({ room, username, identity }: MemberChange): Promise<string> {
    const inviter = requireUser(identity);
    await this.requireRoom.execute({ room, identity: inviter });
    await requireOwner(this.members, room, inviter.username);
    const invited = await requireUserNamed(this.users, username);
    if (await this.members.add(room, invited, 'member')) this.events.publish({ kind: 'added', room, username: invited });
    return invited;
  }
}
