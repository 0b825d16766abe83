import { assertValidTitle } from '../domain/room.js';
import type { Identity } from '../domain/user.js';
import type { RoomRepository } from './ports.js';
import { requireUser } from './room-roles.js';

/** A private room: a name of the server's, a title for people, its creator the first owner. */
export class CreatePrivateRoom {
  constructor(private readonly rooms: RoomRepository) {}

  async execute({ title, identity }: { title: string; identity: Identity | undefined }): Promise<{ room: string; title: string }> {
    const { username } = requireUser(identity);
    assertValidTitle(title);
    return { room: await this.rooms.createPrivate(title, username), title };
  }
}
