import type { Message } from '../../domain/message.js';

/** Server-to-client frames, exactly as docs/protocol.md shows them. */

export type InfoCode = 'WELCOME' | 'AUTHENTICATED' | 'TOKEN_EXPIRED';

const messageFields = ({ id, username, text, createdAt }: Message) => ({
  id,
  username,
  message: text,
  createdAt: createdAt.toISOString(),
});

export const messageFrame = (message: Message): string =>
  JSON.stringify({ type: 'message', ...messageFields(message) });

export const historyFrame = (messages: readonly Message[]): string =>
  JSON.stringify({ type: 'history', messages: messages.map(messageFields) });

export const infoFrame = (code: InfoCode, message: string): string => JSON.stringify({ type: 'info', code, message });

export const errorFrame = (code: string, message: string): string => JSON.stringify({ type: 'error', code, message });
