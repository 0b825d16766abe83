import type { Clock, RoomRepository } from './ports.js';

/** A room nobody posted to is forgotten this long after it was created. */
export const UNUSED_ROOM_LIFETIME_MS = 24 * 60 * 60 * 1000;

/** Rooms joined once and never used do not pile up in the store: those without a message go after a day. */
export class PruneRooms {
  constructor(
    private readonly rooms: RoomRepository,
    private readonly clock: Clock,
  ) {}

  execute(): Promise<number> {
    return this.rooms.removeUnused(new Date(this.clock.now().getTime() - UNUSED_ROOM_LIFETIME_MS));
  }
}
