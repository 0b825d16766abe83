/**
 * The chat protocol's inbound side as pure functions: one text frame in, one
 * typed command or one typed protocol error out. No sockets, no I/O.
 */

export type Command =
  | { kind: 'auth'; username: string; token: string }
  | { kind: 'history'; username: string; count: number }
  | { kind: 'post'; username: string; text: string };

export type ProtocolErrorCode = 'INVALID_JSON' | 'INVALID_FORMAT' | 'INVALID_COMMAND' | 'INVALID_HISTORY_COUNT';

export interface ProtocolError {
  kind: 'error';
  code: ProtocolErrorCode;
  message: string;
}

/** Any text that starts with a command word is a command, never chat, whatever follows. */
const COMMAND = /^(auth|history)(.*)$/is;
const WHOLE_NUMBER = /^[0-9]+$/;
const TOKEN = /^\S+$/;

const error = (code: ProtocolErrorCode, message: string): ProtocolError => ({ kind: 'error', code, message });

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
  const { username, message } = value as Record<string, unknown>;
  if (typeof username !== 'string' || typeof message !== 'string') {
    return error('INVALID_FORMAT', 'frame needs string fields "username" and "message"');
  }
  return parseMessage(username, message);
}

function parseMessage(username: string, message: string): Command | ProtocolError {
  const command = COMMAND.exec(message.trimStart());
  if (!command) return { kind: 'post', username, text: message };

  const [, word = '', rest = ''] = command;
  if (rest !== '' && !/^\s/.test(rest)) {
    return error(
      'INVALID_COMMAND',
      'messages starting with "auth" or "history" are commands: write "auth <token>" or "history <N>"',
    );
  }
  const argument = rest.trim();
  if (word.toLowerCase() === 'auth') {
    return TOKEN.test(argument)
      ? { kind: 'auth', username, token: argument }
      : error('INVALID_COMMAND', 'write the command as "auth <token>"');
  }
  const count = Number(argument);
  return WHOLE_NUMBER.test(argument) && count >= 1
    ? { kind: 'history', username, count }
    : error('INVALID_HISTORY_COUNT', 'write the command as "history <N>" with N a whole number of at least 1');
}
