import type { CreatePrivateRoom } from './create-private-room.js';
import type { InviteMember } from './invite-member.js';
import type { ListConversations } from './list-conversations.js';
import type { ListMembers } from './list-members.js';
import type { MarkRead } from './mark-read.js';
import type { OpenDirect } from './open-direct.js';
import type { PromoteMember } from './promote-member.js';
import type { RemoveMember } from './remove-member.js';
import type { SearchMessages } from './search-messages.js';

/** The use cases of private conversations, as a chat session calls them. */
export interface ConversationUseCases {
  readonly create: CreatePrivateRoom;
  readonly invite: InviteMember;
  readonly remove: RemoveMember;
  readonly promote: PromoteMember;
  readonly members: ListMembers;
  readonly direct: OpenDirect;
  readonly list: ListConversations;
  readonly read: MarkRead;
  readonly search: SearchMessages;
}
