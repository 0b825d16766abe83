import { DomainError } from './errors.js';

export interface Message {
  /** Assigned by storage; increases in the order messages are stored. */
  readonly id: number;
  readonly username: string;
  readonly text: string;
  readonly createdAt: Date;
}

export type NewMessage = Omit<Message, 'id'>;

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
