import { DomainError } from './errors.js';

/**
 * A chat message, or a change to one: an edit or a deletion is stored and
 * delivered like a message, with an id of its own after the one it changes,
 * so that a client resuming from a cursor learns every change after it.
 */
export interface Message {
  /** Assigned by storage; increases in the order messages are stored. */
  readonly id: number;
  readonly room: string;
  readonly username: string;
  /** A message's text as it is now (empty once deleted); an edit's new text; empty for a deletion. */
  readonly text: string;
  readonly createdAt: Date;
  /** The sender's own id for the message: a retry with the same id stores nothing new. */
  readonly clientId?: string;
  /** Set on a change: what it does, to which message. */
  readonly change?: MessageChange;
  /** Set on a message read from the store that was edited: its last edit's time. */
  readonly editedAt?: Date;
  /** Set on a message read from the store that was deleted: when. Its text is gone. */
  readonly deletedAt?: Date;
}

export interface MessageChange {
  readonly kind: 'edit' | 'delete';
  /** The id of the chat message changed. */
  readonly target: number;
}

export type NewMessage = Omit<Message, 'id'>;

/**
 * A stored message from its id and parts. Every message object is made
 * here, whichever way it came (this node's commit, a read of the store,
 * another node), so that all of them have the same properties in the same
 * order: the loop that hands each message to thousands of receivers then
 * meets one kind of object, which V8 reads fastest. Parts given as
 * undefined are left out, as if not given.
 */
export function storedMessage(id: number, { room, username, text, createdAt, clientId, change, editedAt, deletedAt }: NewMessage): Message {
  const message: { -readonly [K in keyof Message]: Message[K] } = { id, room, username, text, createdAt };
  if (clientId !== undefined) message.clientId = clientId;
  if (change !== undefined) message.change = change;
  if (editedAt !== undefined) message.editedAt = editedAt;
  if (deletedAt !== undefined) message.deletedAt = deletedAt;
  return message;
}

/** Wide enough for a UUID or a ULID, narrow enough to log and index safely. */
export const CLIENT_ID_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;

export function assertValidClientId(clientId: unknown): asserts clientId is string {
  if (typeof clientId !== 'string' || !CLIENT_ID_PATTERN.test(clientId)) {
    throw new DomainError('INVALID_CLIENT_ID', 'clientId must be 1-64 characters of A-Z a-z 0-9 _ - . :');
  }
}

export function assertValidMessageText(text: string, maxCharacters: number): void {
  if (text.trim() === '') {
    throw new DomainError('EMPTY_MESSAGE', 'message must not be empty');
  }
  // text.length counts UTF-16 units, never fewer than characters, so the exact
  // count is needed only when the cheap one is over the limit.
  if (text.length > maxCharacters && [...text].length > maxCharacters) {
    throw new DomainError('MESSAGE_TOO_LONG', `message must be at most ${maxCharacters} characters`);
  }
  if (text.includes('\u0000') || !text.isWellFormed()) {
    throw new DomainError('INVALID_FORMAT', 'message must be valid text without U+0000');
  }
}
