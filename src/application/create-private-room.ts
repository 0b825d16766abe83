import { assertValidTitle } from '../domain/room.js';
import type { Identity } from '../domain/user.js';
import type { MembershipEvents, RoomRepository } from './ports.js';
import { requireUser } from './room-roles.js';

/**
 * A private room: a name of the server's, a title for people, its creator
 * the first owner. The creator's other connections hear of it (`added`).
 */
export class CreatePrivateRoom {
  constructor(
    private readonly rooms: RoomRepository,
    private readonly events: MembershipEvents,
  ) {}

  async execute({ title, identity }: { title: string; identity: Identity | undefined }): Promise<{ room: string; title: string }> {
    const { username } = requireUser(identity);
    assertValidTitle(title);
    const room = await this.rooms.createPrivate(title, username);
    this.events.publish({ kind: 'added', room, username });
    return { room, title };
  }
}
