import type { Message } from '../domain/message.js';
import type { Conversation } from '../domain/room.js';
import type { RoomMember } from './ports.js';
import type { EndReason } from '../domain/session.js';

/**
 * What a client asks of its chat session, and what the session answers:
 * the vocabulary between a transport and the application. Each edge reads
 * commands from its own wire format and writes replies in it.
 */

export type ChatCommand =
  | { kind: 'auth'; username: string; token: string }
  /** `typed`: sent as `{"type": "message"}`, whose text is never a command. */
  | { kind: 'post'; username: string; text: string; room: string; clientId: string | undefined; typed?: boolean }
  /** `limit` may exceed the cap (it is clamped); Infinity means "as many as allowed". `original`: the original protocol's `history N`. */
  | { kind: 'history'; room: string; limit: number; before?: number; after?: number; original?: boolean }
  | { kind: 'join'; room: string; after: number | undefined }
  | { kind: 'leave'; room: string }
  | { kind: 'presence'; room: string }
  | { kind: 'create'; title: string }
  /** invite, remove and promote a member of a room. */
  | { kind: 'invite' | 'remove' | 'promote'; room: string; username: string }
  | { kind: 'members'; room: string }
  | { kind: 'direct'; username: string }
  | { kind: 'conversations' }
  | { kind: 'read'; room: string; id: number }
  | { kind: 'search'; query: string; before: number | undefined; limit: number | undefined }
  /** An author's edit or deletion of one of its messages, `id`. */
  | { kind: 'edit'; room: string; id: number; text: string; clientId: string | undefined }
  | { kind: 'delete'; room: string; id: number; clientId: string | undefined };

/** Which request a reply answers, so that a client with several in flight can tell. */
export interface ReplyContext {
  room?: string | undefined;
  clientId?: string | undefined;
}

export type ChatReply =
  | { kind: 'authenticated'; username: string }
  /** The token expired: the connection is unauthorized again. */
  | { kind: 'expired' }
  /** Stored messages for this client alone: what a catch-up held back, in id order. */
  | { kind: 'messages'; messages: readonly Message[] }
  /** The stored original of a repeated client id, to its sender alone. */
  | { kind: 'duplicate'; message: Message }
  /** `before`/`after`: the cursor asked, repeated so that a client with two requests in flight knows which page this is. */
  | { kind: 'history'; room: string; messages: readonly Message[]; more: boolean; original: boolean; before?: number; after?: number }
  | { kind: 'catchup'; room: string; messages: readonly Message[]; more: boolean }
  | { kind: 'joined'; room: string }
  | { kind: 'left'; room: string }
  | { kind: 'presence'; room: string; users: readonly string[] }
  /** A user arrived in (true) or left (false) a room this client hears presence of. */
  | { kind: 'presenceChange'; room: string; username: string; present: boolean }
  | { kind: 'created'; room: string; title: string }
  /** invited, removed (also to the removed user's connections) and promoted. */
  | { kind: 'invited' | 'removed' | 'promoted'; room: string; username: string }
  | { kind: 'members'; room: string; members: readonly RoomMember[] }
  | { kind: 'direct'; room: string; username: string }
  | { kind: 'conversations'; conversations: readonly Conversation[] }
  /** The user now belongs to a conversation (invited, or a direct one opened). */
  | { kind: 'added'; conversation: Conversation }
  /** The user's read marker of a room, moved on this connection or another. */
  | { kind: 'read'; room: string; id: number }
  | { kind: 'search'; query: string; results: readonly Message[]; more: boolean }
  /** A refusal or a failure; the edge maps domain codes to its own wire, and hides anything else. */
  | { kind: 'error'; error: unknown; context: ReplyContext | undefined }
  /** The login session that authorized this connection has ended: it is unauthorized again. */
  | { kind: 'revoked'; reason: EndReason };

/** One client, as its session sees it: the output port each transport implements per connection. */
export interface ChatPeer {
  send(reply: ChatReply): void;
  /** Resolves once the client has taken most of what was sent to it, or is gone: a catch-up reads its next page then. */
  drained(): Promise<void>;
}
