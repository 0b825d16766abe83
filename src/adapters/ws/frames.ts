import type { Message } from '../../domain/message.js';

/** Server-to-client frames, exactly as docs/protocol.md shows them. */

export type InfoCode = 'WELCOME' | 'AUTHENTICATED' | 'TOKEN_EXPIRED';

/**
 * A message's JSON fields, serialized once per message object: the same
 * recent messages are sent again and again, live and in every history reply.
 */
const serialized = new WeakMap<Message, string>();

function fields(message: Message): string {
  let json = serialized.get(message);
  if (json === undefined) {
    const { id, username, text, createdAt } = message;
    json = JSON.stringify({ id, username, message: text, createdAt: createdAt.toISOString() }).slice(1, -1);
    serialized.set(message, json);
  }
  return json;
}

export const messageFrame = (message: Message): string => `{"type":"message",${fields(message)}}`;

export const historyFrame = (messages: readonly Message[]): string =>
  `{"type":"history","messages":[${messages.map((message) => `{${fields(message)}}`).join(',')}]}`;

export const infoFrame = (code: InfoCode, message: string): string => JSON.stringify({ type: 'info', code, message });

export const errorFrame = (code: string, message: string): string => JSON.stringify({ type: 'error', code, message });
