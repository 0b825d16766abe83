import { DomainError } from './errors.js';

/** Where frames without a room go, so clients of the original protocol see no change. */
export const DEFAULT_ROOM = 'general';

/** Lower case only: a name is written one way, so "Dev" and "dev" cannot be two rooms. */
export const ROOM_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,31}$/;

export function assertValidRoomName(room: unknown): asserts room is string {
  if (typeof room !== 'string' || !ROOM_NAME_PATTERN.test(room)) {
    throw new DomainError('INVALID_ROOM', 'room names are 1-32 characters of a-z, 0-9, "-" and "_", starting with a letter or a digit');
  }
}
