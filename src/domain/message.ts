import { DomainError } from './errors.js';

export interface Message {
  /** Assigned by storage; increases in the order messages are stored. */
  readonly id: number;
  readonly room: string;
  readonly username: string;
  readonly text: string;
  readonly createdAt: Date;
  /** The sender's own id for the message: a retry with the same id stores nothing new. */
  readonly clientId?: string;
}

export type NewMessage = Omit<Message, 'id'>;

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
