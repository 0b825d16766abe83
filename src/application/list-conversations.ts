import type { Conversation } from '../domain/room.js';
import type { Identity } from '../domain/user.js';
import type { MembershipRepository } from './ports.js';
import { requireUser } from './room-roles.js';

/** The rooms a user belongs to, with what is unread in each: the same on every device, right after a reconnect. */
export class ListConversations {
  constructor(private readonly members: MembershipRepository) {}

  execute({ identity }: { identity: Identity | undefined }): Promise<Conversation[]> {
    return this.members.conversations(requireUser(identity).username);
  }
}
