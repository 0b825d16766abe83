import type { Identity } from '../domain/user.js';
import type { ChatCommand, ChatReply } from './chat-exchange.js';
import type { ConversationUseCases } from './conversation-use-cases.js';

export type ConversationCommand = Extract<
  ChatCommand,
  { kind: 'create' | 'invite' | 'remove' | 'promote' | 'members' | 'direct' | 'conversations' | 'read' | 'search' }
>;

/** What a command of private conversations comes to for the connection that sent it. */
export interface ConversationOutcome {
  replies: ChatReply[];
  /** A room the connection is now in, at its own request (created, opened). */
  enter?: string;
}

/**
 * Runs one command of private conversations for the connection's user.
 * What the user's other connections hear (added, removed, read) goes by
 * the membership events, to every connection of the user, this one included:
 * those are not replies here.
 */
export async function converse(command: ConversationCommand, identity: Identity | undefined, use: ConversationUseCases): Promise<ConversationOutcome> {
  switch (command.kind) {
    case 'create': {
      const { room, title } = await use.create.execute({ title: command.title, identity });
      return { replies: [{ kind: 'created', room, title }], enter: room };
    }
    case 'invite':
      return { replies: [{ kind: 'invited', room: command.room, username: await use.invite.execute({ ...command, identity }) }] };
    case 'promote':
      return { replies: [{ kind: 'promoted', room: command.room, username: await use.promote.execute({ ...command, identity }) }] };
    case 'remove': {
      const { username, removed } = await use.remove.execute({ ...command, identity });
      // Removing oneself is told by the event, to this connection too; when nothing was removed there is no event.
      const told = removed && username === identity?.username;
      return { replies: told ? [] : [{ kind: 'removed', room: command.room, username }] };
    }
    case 'members':
      return { replies: [{ kind: 'members', room: command.room, members: await use.members.execute({ room: command.room, identity }) }] };
    case 'direct': {
      const { room, username } = await use.direct.execute({ username: command.username, identity });
      return { replies: [{ kind: 'direct', room, username }], enter: room };
    }
    case 'conversations':
      return { replies: [{ kind: 'conversations', conversations: await use.list.execute({ identity }) }] };
    case 'read':
      await use.read.execute({ ...command, identity });
      return { replies: [] };
    case 'search': {
      const { results, more } = await use.search.execute({ ...command, identity });
      return { replies: [{ kind: 'search', query: command.query, results, more }] };
    }
  }
}
