import type { ChatReply, ReplyContext } from '../../application/chat-exchange.js';
import type { Message } from '../../domain/message.js';
import { DEFAULT_ROOM } from '../../domain/room.js';
import type { EndReason } from '../../domain/session.js';

/** Server-to-client frames, exactly as docs/protocol.md shows them. */

export type InfoCode = 'WELCOME' | 'AUTHENTICATED' | 'TOKEN_EXPIRED' | 'SESSION_REVOKED';

/**
 * A message's JSON fields, serialized once per message object: the same
 * recent messages are sent again and again, live and in every history reply.
 * A history entry has no room (the page has one); a live frame adds it.
 */
const serialized = new WeakMap<Message, string>();

function fields(message: Message): string {
  let json = serialized.get(message);
  if (json === undefined) {
    const { id, username, text, createdAt, clientId } = message;
    json = JSON.stringify({ id, username, message: text, createdAt: createdAt.toISOString(), clientId }).slice(1, -1);
    serialized.set(message, json);
  }
  return json;
}

/**
 * A history or catch-up entry of the extensions: a message as it is now,
 * marked when edited; a deleted one as a tombstone (its text is gone); a
 * change (in catch-up pages only) naming what it changes.
 */
function entry(message: Message): string {
  if (message.deletedAt) {
    const { id, username, createdAt, deletedAt } = message;
    return JSON.stringify({ id, username, createdAt: createdAt.toISOString(), deleted: true, deletedAt: deletedAt.toISOString() });
  }
  const marks = message.editedAt ? `,"editedAt":"${message.editedAt.toISOString()}"` : '';
  const change = message.change ? `,"change":"${message.change.kind}","target":${message.change.target}` : '';
  return `{${fields(message)}${marks}${change}}`;
}

const room = (name: string): string => JSON.stringify(name);

/** A live message, or a live change: `edited` (with the new text) or `deleted` (without). */
export function messageFrame(message: Message): string {
  if (!message.change) return `{"type":"message","room":${room(message.room)},${fields(message)}}`;
  const { kind, target } = message.change;
  const { id, username, text, createdAt, clientId } = message;
  return kind === 'edit'
    ? JSON.stringify({ type: 'edited', room: message.room, id, target, username, message: text, createdAt: createdAt.toISOString(), clientId })
    : JSON.stringify({ type: 'deleted', room: message.room, id, target, username, createdAt: createdAt.toISOString(), clientId });
}

/** The answer to a repeated client id: the stored original, to the sender alone. */
export const duplicateFrame = (message: Message): string => `${messageFrame(message).slice(0, -1)},"duplicate":true}`;

/** Which page a history answer is: the cursor it was asked with, if any. */
export type PageCursor = { before?: number; after?: number };

const page = (type: 'history' | 'catchup', name: string, messages: readonly Message[], more: boolean, cursor: PageCursor = {}): string =>
  `{"type":"${type}","room":${room(name)}${cursorFields(cursor)},"messages":[${messages.map(entry).join(',')}],"more":${more}}`;

const cursorFields = ({ before, after }: PageCursor): string => (before !== undefined ? `,"before":${before}` : after !== undefined ? `,"after":${after}` : '');

/**
 * Without a room: the answer to the original `history N`, exactly as the
 * original protocol had it: messages as they are now, a deleted one left out.
 */
export function historyFrame(name: string | undefined, messages: readonly Message[], more: boolean, cursor?: PageCursor): string {
  if (name !== undefined) return page('history', name, messages, more, cursor);
  return `{"type":"history","messages":[${messages
    .filter((message) => !message.deletedAt)
    .map((message) => `{${fields(message)}}`)
    .join(',')}]}`;
}

export const catchUpFrame = (name: string, messages: readonly Message[], more: boolean): string => page('catchup', name, messages, more);

export const joinedFrame = (name: string): string => JSON.stringify({ type: 'joined', room: name });

export const leftFrame = (name: string): string => JSON.stringify({ type: 'left', room: name });

export const presenceFrame = (name: string, users: readonly string[]): string => JSON.stringify({ type: 'presence', room: name, users });

export const presenceEventFrame = (name: string, event: 'join' | 'leave', username: string): string =>
  JSON.stringify({ type: 'presence', room: name, event, username });

export const infoFrame = (code: InfoCode, message: string): string => JSON.stringify({ type: 'info', code, message });

/** Why a session ended, as its connections are told. */
const ENDED_BECAUSE: Record<EndReason, string> = {
  revoked: 'this session was logged out',
  logged_out_everywhere: 'the account was logged out everywhere',
  password_changed: 'the password was changed',
  account_deleted: 'the account was deleted',
  suspended: 'the account was suspended',
  refresh_reused: 'a refresh credential of this session was used twice, so a copy may be in other hands',
};

/** The connection's login session ended: the reason, for programs, beside the message for people. */
export const revokedFrame = (reason: EndReason): string =>
  JSON.stringify({ type: 'info', code: 'SESSION_REVOKED', message: `${ENDED_BECAUSE[reason]}; this connection is no longer authorized`, reason });

/** Names the request an error answers: the room of a room command, the room and clientId of a post. */
export type ErrorContext = ReplyContext;

/**
 * The room is left out for general, so that clients of the original protocol
 * get exactly the error frames they always got.
 */
export const errorFrame = (code: string, message: string, context?: ErrorContext): string =>
  JSON.stringify({
    type: 'error',
    code,
    message,
    room: context?.room === DEFAULT_ROOM ? undefined : context?.room,
    clientId: context?.clientId,
  });

/** The replies that are one frame each; stored messages and errors need the connection (see connection.ts). */
export type FrameReply = Exclude<ChatReply, { kind: 'messages' } | { kind: 'error' }>;

export function replyFrame(reply: FrameReply): string {
  switch (reply.kind) {
    case 'authenticated':
      return infoFrame('AUTHENTICATED', `authorized as ${reply.username}`);
    case 'expired':
      return infoFrame('TOKEN_EXPIRED', 'your token has expired; send "auth <token>" with a fresh one');
    case 'duplicate':
      return duplicateFrame(reply.message);
    case 'history':
      return historyFrame(reply.original ? undefined : reply.room, reply.messages, reply.more, reply);
    case 'catchup':
      return catchUpFrame(reply.room, reply.messages, reply.more);
    case 'joined':
      return joinedFrame(reply.room);
    case 'left':
      return leftFrame(reply.room);
    case 'presence':
      return presenceFrame(reply.room, reply.users);
    case 'presenceChange':
      return presenceEventFrame(reply.room, reply.present ? 'join' : 'leave', reply.username);
    case 'created':
      return JSON.stringify({ type: 'created', room: reply.room, title: reply.title });
    case 'invited':
    case 'removed':
    case 'promoted':
    case 'direct':
      return JSON.stringify({ type: reply.kind, room: reply.room, username: reply.username });
    case 'members':
      return JSON.stringify({ type: 'members', room: reply.room, members: reply.members.map(({ username, role }) => ({ username, role })) });
    case 'conversations':
      return JSON.stringify({ type: 'conversations', conversations: reply.conversations });
    case 'added':
      return JSON.stringify({ type: 'added', conversation: reply.conversation });
    case 'read':
      return JSON.stringify({ type: 'read', room: reply.room, id: reply.id });
    case 'search':
      return `{"type":"search","query":${JSON.stringify(reply.query)},"results":[${reply.results.map((message) => `{"room":${room(message.room)},${fields(message)}}`).join(',')}],"more":${reply.more}}`;
    case 'revoked':
      return revokedFrame(reply.reason);
  }
}
