// The protocol's rules the page checks before sending, and the words it shows
// for the server's error codes. docs/protocol.md is the source of both.

import { characterCount, formatNumber } from './dom.js';

export const ROOM_NAME = /^[a-z0-9][a-z0-9_-]{0,31}$/;
const USERNAME = /^[A-Za-z0-9_.-]{3,32}$/;
export const MAX_FRAME_BYTES = 64 * 1024; // the server closes with 1009 past this

const encoder = new TextEncoder();

/** Why a room name would be refused, or '' when it is fine. */
export function roomNameProblem(name) {
  if (name === '') return 'Type a room name first.';
  if (ROOM_NAME.test(name)) return '';
  const lower = name.toLowerCase();
  if (lower !== name && ROOM_NAME.test(lower)) return `Room names are written in lower case: try "${lower}".`;
  if (name.length > 32) return 'Room names are at most 32 characters long.';
  return 'Room names use a–z, 0–9, "-" and "_", and start with a letter or a digit.';
}

/**
 * Why a login or registration would be refused, as {field, text} (the field
 * the text belongs beside), or null. A login only needs both fields.
 */
export function credentialsProblem(kind, username, password) {
  if (username === '') return { field: 'username', text: 'Enter your username.' };
  if (password === '') return { field: 'password', text: 'Enter your password.' };
  if (kind !== 'register') return null;
  if (!USERNAME.test(username)) return { field: 'username', text: usernameRule(username) };
  const problem = passwordRule(password);
  return problem ? { field: 'password', text: problem } : null;
}

function usernameRule(username) {
  if (username.length < 3) return 'Usernames are at least 3 characters long.';
  if (username.length > 32) return 'Usernames are at most 32 characters long.';
  return 'Usernames use only letters, digits, "_", "." and "-".';
}

/** The server counts a password in bytes of UTF-8; people count characters, so the words say what that means. */
export function passwordRule(password) {
  const bytes = encoder.encode(password).length;
  if (bytes < 8) return 'Use at least 8 characters.';
  if (bytes > 72) return 'Use at most 72 characters; accented letters count as 2 and emoji as 4.';
  if (password.includes('\u0000') || password.includes('\uFFFD')) return 'The password contains a character that cannot be used.';
  return '';
}

/**
 * Words for the refusal of a login or registration by the server (docs/protocol.md,
 * HTTP errors), beside the field it is about. The server's own message is never shown:
 * it is written for programs and logs.
 */
export function authProblem(code, { kind, retryAfter = 0 } = {}) {
  switch (code) {
    case 'INVALID_CREDENTIALS':
      return { field: 'password', text: 'That username and password do not match an account.', suggestRegister: kind === 'login' };
    case 'USERNAME_TAKEN':
      return { field: 'username', text: 'That username is taken. If it is yours, log in instead.' };
    case 'INVALID_USERNAME':
      return { field: 'username', text: 'Usernames are 3 to 32 letters, digits, "_", "." or "-".' };
    case 'INVALID_PASSWORD':
      return { field: 'password', text: 'Use 8 to 72 characters; accented letters count as 2 and emoji as 4.' };
    case 'INVALID_FORMAT':
      return { field: 'username', text: 'Enter a username and a password.' };
    case 'RATE_LIMITED':
      return { field: null, text: `Too many attempts. Try again${retryAfter > 0 ? ` in ${Math.ceil(retryAfter)} s` : ' in a minute'}.` };
    case 'ACCOUNT_SUSPENDED':
      return { field: null, text: 'This account is suspended. An administrator of this server can reinstate it.' };
    case 'BUSY':
    case 'UNAVAILABLE':
    case 'TOO_MANY_CONNECTIONS':
      return { field: null, text: 'The server is busy right now. Try again in a moment.' };
    case 'NETWORK':
      return { field: null, text: 'Could not reach the server. Check your connection and try again.' };
    default:
      return { field: null, text: `The server could not sign you in (${code}). Try again later.` };
  }
}

/** Why a login ended, in the words shown above the login form: `reason` as the server names it (docs/protocol.md, "Revocation reaches open connections"). */
export function sessionEndedWords(code, reason) {
  switch (reason) {
    case 'revoked':
      return 'This device was logged out from another one. Log in again to go on.';
    case 'logged_out_everywhere':
      return 'You logged out everywhere. Log in again to go on.';
    case 'password_changed':
      return 'Your password was changed on another device, which logged this one out. Log in with the new password.';
    case 'account_deleted':
      return 'This account was deleted.';
    case 'suspended':
      return 'An administrator suspended this account, so it was logged out.';
    case 'refresh_reused':
      return 'Your login was used from two places at once, so it was ended to keep the account safe. Log in again.';
    default:
  }
  switch (code) {
    case 'LOGGED_OUT':
      return 'You logged out in another tab.';
    case 'REFRESH_REUSED':
      return sessionEndedWords('', 'refresh_reused');
    case 'SESSION_REVOKED':
      return 'This login has ended. Log in again to go on.';
    default:
      return 'Your login has expired. Log in again to go on.';
  }
}

/** Why a username (to invite, to write to) could not be anyone's, or ''. */
export function usernameProblem(username) {
  if (username === '') return 'Type a username first.';
  return USERNAME.test(username) ? '' : usernameRule(username);
}

/** Why a private room's title would be refused, or ''. */
export function titleProblem(title, max) {
  if (title === '') return 'Give the room a title.';
  if (characterCount(title) > max) return `Titles are at most ${formatNumber(max)} characters long.`;
  return '';
}

/** Why a search could not be run, or ''. */
export function searchProblem(query, max) {
  if (query === '') return 'Type what to search for.';
  if (characterCount(query) > max) return `Searches are at most ${formatNumber(max)} characters long.`;
  if (!/[\p{L}\p{N}]/u.test(query)) return 'Search for a word: letters or digits.';
  return '';
}

/**
 * Words for the refusal of a request about a private room or a direct
 * conversation, shown beside the field (or in the panel) it came from.
 * `action`: create | invite | remove | promote | direct; `words`: the general words for the code.
 */
export function conversationProblem(code, { action, username = '', room, limit = 64, words = '' }) {
  const name = room?.label ?? 'this room';
  switch (code) {
    case 'NOT_CONNECTED':
      return 'Not connected to the server. Try again once the page has reconnected.';
    case 'NOT_AN_OWNER':
      return `Only an owner of ${name} can invite, remove or make owners.`;
    case 'UNKNOWN_USER':
      if (action === 'promote') return `${username} is not a member of ${name}. Invite them first.`;
      return `There is no user called “${username}”. Check the spelling.`;
    case 'UNKNOWN_ROOM':
      return `You are no longer a member of ${name}.`;
    case 'INVALID_TITLE':
      return `Give the room a title of 1 to ${formatNumber(limit)} characters, not only spaces.`;
    case 'INVALID_COMMAND':
      return action === 'direct' ? 'That is you. Type the name of someone else.' : words;
    case 'NOT_AUTHENTICATED':
      return 'Log in first.';
    default:
      return words || errorWords(code);
  }
}

/** Why a chat text would be refused, or '' when it can be sent. */
export function messageProblem(text) {
  if (text.trim() === '') return 'Type a message first.';
  if (text.includes('\u0000') || !isWellFormed(text)) return 'The message contains a character that cannot be sent.';
  // Room name, client id and JSON escapes add well under 1 KiB to the text.
  if (encoder.encode(JSON.stringify(text)).length > MAX_FRAME_BYTES - 1024) {
    return 'The message is too large to send (frames are limited to 64 KiB). Shorten it.';
  }
  return '';
}

function isWellFormed(text) {
  if (typeof text.isWellFormed === 'function') return text.isWellFormed();
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);
}

/** Words for the error codes of WebSocket error frames; the server's own message is the fallback. */
const ERROR_WORDS = {
  INVALID_JSON: 'The server could not read what this page sent.',
  INVALID_FORMAT: 'The server did not understand what this page sent.',
  INVALID_COMMAND: 'The server did not understand that command.',
  INVALID_TOKEN: 'Your session is no longer valid. Log in again.',
  USERNAME_MISMATCH: 'The server thinks you are someone else. Log in again.',
  NOT_AUTHENTICATED: 'You are not signed in on this connection; your message waits until you are.',
  TOKEN_EXPIRED: 'Your session has expired. Log in again; unsent messages wait.',
  SESSION_REVOKED: 'This login has ended. Log in again to go on.',
  NOT_THE_AUTHOR: 'Only its author can change that message.',
  UNKNOWN_MESSAGE: 'That message is no longer there: it was deleted.',
  EMPTY_MESSAGE: 'Empty messages are not sent.',
  MESSAGE_TOO_LONG: 'That message is too long for this server. Shorten it.',
  RATE_LIMITED: 'You are sending too fast; the page retries in a moment.',
  UNAVAILABLE: 'The server cannot reach its database right now; the page retries in a moment.',
  BUSY: 'The server is busy; the page retries in a moment.',
  INTERNAL: 'The server had a problem; the page retries in a moment.',
  INVALID_ROOM: 'That is not a valid room name.',
  UNKNOWN_ROOM: 'That room does not exist yet.',
  NOT_A_MEMBER: 'You are not in that room.',
  TOO_MANY_ROOMS: 'You are in as many rooms as the server allows. Leave one first.',
  INVALID_CLIENT_ID: "The server refused this page's message id.",
  INVALID_HISTORY_QUERY: 'The server refused a request for older messages.',
  NOT_AN_OWNER: 'Only an owner of the room can do that.',
  UNKNOWN_USER: 'There is no user by that name.',
  INVALID_TITLE: 'That title cannot be used.',
  INVALID_SEARCH: 'The server could not search for that.',
  TOKEN_IN_MESSAGE: 'It contains a login token, which would let anyone who reads it post as that user. Remove the token and send the rest.',
};

export function errorWords(code, serverMessage) {
  return ERROR_WORDS[code] ?? (typeof serverMessage === 'string' && serverMessage ? serverMessage : `The server answered ${code}.`);
}

/** Words for a close event; '' when the close was this page's own doing. */
export function closeWords(event) {
  switch (event.code) {
    case 1000:
      return '';
    case 1001:
      return 'The server is restarting.';
    case 1008:
      return 'The server closed the connection: too many frames too fast.';
    case 1009:
      return 'The server closed the connection: a frame was too large.';
    case 1013:
      return 'The server closed the connection: this page read too slowly.';
    default:
      return 'Connection lost.';
  }
}
