import { DomainError } from './errors.js';

/** Where frames without a room go, so clients of the original protocol see no change. */
export const DEFAULT_ROOM = 'general';

/** Lower case only: a name is written one way, so "Dev" and "dev" cannot be two rooms. */
export const ROOM_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,31}$/;

/**
 * public: anyone reads and posts; private: its members only; direct: its two users only.
 * Private and direct rooms are named by the server, with these prefixes, so that a
 * public name can never collide with one (or tell, by being refused, that one exists).
 */
export type RoomKind = 'public' | 'private' | 'direct';
export const PRIVATE_PREFIX = 'p-';
export const DIRECT_PREFIX = 'd-';

/** An owner of a private room invites, removes and promotes; a member reads and posts. */
export type MemberRole = 'owner' | 'member';

export const TITLE_MAX_CHARACTERS = 64;

export function assertValidRoomName(room: unknown): asserts room is string {
  if (typeof room !== 'string' || !ROOM_NAME_PATTERN.test(room)) {
    throw new DomainError('INVALID_ROOM', 'room names are 1-32 characters of a-z, 0-9, "-" and "_", starting with a letter or a digit');
  }
}

/** A name a user may give a new public room: valid, and not in the server's namespaces. */
export function assertPublicRoomName(room: string): void {
  assertValidRoomName(room);
  if (room.startsWith(PRIVATE_PREFIX) || room.startsWith(DIRECT_PREFIX)) {
    throw new DomainError(
      'INVALID_ROOM',
      `names beginning with "${PRIVATE_PREFIX}" or "${DIRECT_PREFIX}" are the server's, for private rooms and direct conversations`,
    );
  }
}

export function assertValidTitle(title: unknown): asserts title is string {
  if (typeof title !== 'string' || title.trim() === '' || [...title].length > TITLE_MAX_CHARACTERS || title.includes('\u0000') || !title.isWellFormed()) {
    throw new DomainError('INVALID_TITLE', `a title is 1-${TITLE_MAX_CHARACTERS} characters, not blank`);
  }
}

/** A conversation as the user's list shows it. */
export interface Conversation {
  readonly room: string;
  readonly kind: RoomKind;
  /** Private rooms. */
  readonly title?: string;
  /** Private rooms: the user's role. */
  readonly role?: MemberRole;
  /** Direct conversations: the other user. */
  readonly with?: string;
  /** The room's latest message id; 0 when it has none. */
  readonly lastId: number;
  /** The user's read marker. */
  readonly readUpTo: number;
  /** Messages of others after the marker, counted up to UNREAD_COUNT_MAX. */
  readonly unread: number;
}

/** Unread counts stop here: "1,000 or more" is all a list needs to say. */
export const UNREAD_COUNT_MAX = 1000;
