/**
 * The chat protocol's inbound side as pure functions: one text frame in, one
 * typed command or one typed protocol error out. No sockets, no I/O.
 *
 * Frames without a `type` are the original protocol (`username` + `message`,
 * now with an optional `room` and `clientId`); frames with a `type` are the
 * extensions. docs/protocol.md is the contract.
 */

import type { ChatCommand, ReplyContext } from '../../application/chat-exchange.js';
import { DEFAULT_ROOM } from '../../domain/room.js';

export type Command = ChatCommand;

export type ProtocolErrorCode =
  | 'INVALID_JSON'
  | 'INVALID_FORMAT'
  | 'INVALID_COMMAND'
  | 'INVALID_HISTORY_COUNT'
  | 'INVALID_HISTORY_QUERY'
  | 'INVALID_ROOM'
  | 'INVALID_CLIENT_ID'
  | 'INVALID_SEARCH';

export interface ProtocolError {
  kind: 'error';
  code: ProtocolErrorCode;
  message: string;
  /** The room and clientId of the frame, as far as they could be read: an error names the request it answers. */
  context?: ReplyContext;
}

/** Any text that starts with a command word is a command, never chat, whatever follows. */
const COMMAND = /^(auth|history)(.*)$/is;
const WHOLE_NUMBER = /^[0-9]+$/;
const TOKEN = /^\S+$/;
const TYPES = [
  'join',
  'leave',
  'history',
  'presence',
  'message',
  'create',
  'invite',
  'remove',
  'promote',
  'members',
  'direct',
  'conversations',
  'read',
  'search',
  'edit',
  'delete',
] as const;
/** Types that name a room and have no default for it. */
const ROOM_REQUIRED = new Set(['join', 'leave', 'invite', 'remove', 'promote', 'members', 'read']);

const error = (code: ProtocolErrorCode, message: string): ProtocolError => ({ kind: 'error', code, message });

/** The frame's room and clientId where they are well-typed, for the error that refuses it. */
function withContext(refusal: ProtocolError, fields: Record<string, unknown>): ProtocolError {
  const room = typeof fields.room === 'string' ? fields.room : undefined;
  const clientId =
    typeof fields.clientId === 'string' && (fields.type === undefined || fields.type === 'message' || fields.type === 'edit' || fields.type === 'delete')
      ? fields.clientId
      : undefined;
  return room === undefined && clientId === undefined ? refusal : { ...refusal, context: { room, clientId } };
}

export function parseFrame(frame: string): Command | ProtocolError {
  let value: unknown;
  try {
    value = JSON.parse(frame);
  } catch {
    return error('INVALID_JSON', 'frame must be JSON: {"username": "...", "message": "..."}');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return error('INVALID_FORMAT', 'frame must be a JSON object: {"username": "...", "message": "..."}');
  }
  const fields = value as Record<string, unknown>;
  const command = fields.type === undefined ? parseOriginal(fields) : parseTyped(fields);
  return command.kind === 'error' ? withContext(command, fields) : command;
}

function parseOriginal(fields: Record<string, unknown>): Command | ProtocolError {
  const { username, message } = fields;
  if (typeof username !== 'string' || typeof message !== 'string') {
    return error('INVALID_FORMAT', 'frame needs string fields "username" and "message"');
  }
  const room = roomOf(fields);
  if (typeof room !== 'string') return room;
  if (fields.clientId !== undefined && typeof fields.clientId !== 'string') {
    return error('INVALID_CLIENT_ID', 'clientId must be a string of 1-64 characters of A-Z a-z 0-9 _ - . :');
  }
  const command = parseMessage(username, message, room, fields.clientId);
  // `history N` as the original protocol wrote it is answered as the original protocol answered it.
  if (command.kind === 'history' && fields.room === undefined) command.original = true;
  return command;
}

function parseMessage(username: string, message: string, room: string, clientId: string | undefined): Command | ProtocolError {
  const command = COMMAND.exec(message.trimStart());
  if (!command) return { kind: 'post', username, text: message, room, clientId };

  const [, word = '', rest = ''] = command;
  if (rest !== '' && !/^\s/.test(rest)) {
    return error('INVALID_COMMAND', 'messages starting with "auth" or "history" are commands: write "auth <token>" or "history <N>"');
  }
  const argument = rest.trim();
  if (word.toLowerCase() === 'auth') {
    return TOKEN.test(argument) ? { kind: 'auth', username, token: argument } : error('INVALID_COMMAND', 'write the command as "auth <token>"');
  }
  const count = Number(argument);
  return WHOLE_NUMBER.test(argument) && count >= 1
    ? { kind: 'history', room, limit: count }
    : error('INVALID_HISTORY_COUNT', 'write the command as "history <N>" with N a whole number of at least 1');
}

function parseTyped(fields: Record<string, unknown>): Command | ProtocolError {
  const type = fields.type;
  if (!TYPES.includes(type as (typeof TYPES)[number])) {
    return error('INVALID_COMMAND', `unknown type; the types are ${TYPES.map((t) => `"${t}"`).join(', ')}`);
  }
  if (ROOM_REQUIRED.has(type as string) && fields.room === undefined) {
    return error('INVALID_ROOM', `"${String(type)}" needs a "room"`);
  }
  const room = roomOf(fields);
  if (typeof room !== 'string') return room;
  switch (type as (typeof TYPES)[number]) {
    case 'join': {
      const after = cursor(fields, 'after');
      return typeof after === 'object' ? after : { kind: 'join', room, after };
    }
    case 'leave':
      return { kind: 'leave', room };
    case 'presence':
      return { kind: 'presence', room };
    case 'history':
      return parseHistoryQuery(fields, room);
    case 'message':
      return parseTypedMessage(fields, room);
    case 'create':
      return typeof fields.title === 'string' ? { kind: 'create', title: fields.title } : error('INVALID_FORMAT', '"create" needs a string "title"');
    case 'invite':
    case 'remove':
    case 'promote':
      return typeof fields.username === 'string'
        ? { kind: type as 'invite' | 'remove' | 'promote', room, username: fields.username }
        : error('INVALID_FORMAT', `"${String(type)}" needs a string "username"`);
    case 'members':
      return { kind: 'members', room };
    case 'direct':
      return typeof fields.username === 'string'
        ? { kind: 'direct', username: fields.username }
        : error('INVALID_FORMAT', '"direct" needs a string "username"');
    case 'conversations':
      return { kind: 'conversations' };
    case 'read': {
      const id = cursor(fields, 'id');
      if (typeof id === 'object') return id;
      return id === undefined ? error('INVALID_HISTORY_QUERY', '"read" needs an "id": a message id') : { kind: 'read', room, id };
    }
    case 'search':
      return parseSearch(fields);
    case 'edit':
    case 'delete':
      return parseChange(type as 'edit' | 'delete', fields, room);
  }
}

/** An edit or a deletion of the message `id`; carries a clientId like a chat message. */
function parseChange(kind: 'edit' | 'delete', fields: Record<string, unknown>, room: string): Command | ProtocolError {
  const id = cursor(fields, 'id');
  if (typeof id === 'object') return id;
  if (id === undefined) return error('INVALID_HISTORY_QUERY', `"${kind}" needs the "id" of the message`);
  if (fields.clientId !== undefined && typeof fields.clientId !== 'string') {
    return error('INVALID_CLIENT_ID', 'clientId must be a string of 1-64 characters of A-Z a-z 0-9 _ - . :');
  }
  if (kind === 'delete') return { kind, room, id, clientId: fields.clientId };
  if (typeof fields.message !== 'string') return error('INVALID_FORMAT', '"edit" needs the new text as a string "message"');
  return { kind, room, id, text: fields.message, clientId: fields.clientId };
}

/** A chat message whose text is never read as a command; the connection's user is its author. */
function parseTypedMessage(fields: Record<string, unknown>, room: string): Command | ProtocolError {
  if (typeof fields.message !== 'string') return error('INVALID_FORMAT', '"message" needs a string "message"');
  if (fields.clientId !== undefined && typeof fields.clientId !== 'string') {
    return error('INVALID_CLIENT_ID', 'clientId must be a string of 1-64 characters of A-Z a-z 0-9 _ - . :');
  }
  return { kind: 'post', username: '', text: fields.message, room, clientId: fields.clientId, typed: true };
}

function parseSearch(fields: Record<string, unknown>): Command | ProtocolError {
  const { query, before, limit } = fields;
  if (typeof query !== 'string') return error('INVALID_SEARCH', '"search" needs a string "query"');
  if ((before !== undefined && typeof before !== 'number') || (limit !== undefined && typeof limit !== 'number')) {
    return error('INVALID_SEARCH', '"before" is a message id and "limit" a number of results');
  }
  return { kind: 'search', query, before, limit };
}

function parseHistoryQuery(fields: Record<string, unknown>, room: string): Command | ProtocolError {
  const before = cursor(fields, 'before');
  if (typeof before === 'object') return before;
  const after = cursor(fields, 'after');
  if (typeof after === 'object') return after;
  if (before !== undefined && after !== undefined) {
    return error('INVALID_HISTORY_QUERY', 'give "before" or "after", not both');
  }
  const { limit = Infinity } = fields;
  if (limit !== Infinity && !(Number.isSafeInteger(limit) && (limit as number) >= 1)) {
    return error('INVALID_HISTORY_QUERY', '"limit" must be a whole number of at least 1');
  }
  return {
    kind: 'history',
    room,
    limit: limit as number,
    ...(before === undefined ? {} : { before }),
    ...(after === undefined ? {} : { after }),
  };
}

function roomOf(fields: Record<string, unknown>): string | ProtocolError {
  const { room = DEFAULT_ROOM } = fields;
  return typeof room === 'string' ? room : error('INVALID_ROOM', '"room" must be a string');
}

function cursor(fields: Record<string, unknown>, name: 'before' | 'after' | 'id'): number | undefined | ProtocolError {
  const value = fields[name];
  if (value === undefined) return undefined;
  return Number.isSafeInteger(value) && (value as number) >= 0
    ? (value as number)
    : error('INVALID_HISTORY_QUERY', `"${name}" must be a message id: a whole number of at least 0`);
}
