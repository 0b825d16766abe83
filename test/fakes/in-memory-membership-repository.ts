import type { MembershipRepository, RoomMember } from '../../src/application/ports.js';
import { DEFAULT_ROOM, UNREAD_COUNT_MAX, type Conversation, type MemberRole } from '../../src/domain/room.js';
import type { InMemoryMessageRepository } from './in-memory-message-repository.js';
import type { InMemoryRoomRepository } from './in-memory-room-repository.js';

/** Membership kept in the room fake, counts read from the message fake, as the real store does. */
export class InMemoryMembershipRepository implements MembershipRepository {
  constructor(
    private readonly rooms: InMemoryRoomRepository,
    private readonly messages: InMemoryMessageRepository,
  ) {}

  async roleOf(room: string, username: string): Promise<MemberRole | undefined> {
    return this.rooms.members.get(room)?.get(username)?.role;
  }

  async members(room: string): Promise<RoomMember[]> {
    return [...(this.rooms.members.get(room) ?? [])].sort(([, a], [, b]) => a.joinedAt - b.joinedAt).map(([username, { role }]) => ({ username, role }));
  }

  async add(room: string, username: string, role: MemberRole): Promise<boolean> {
    return this.rooms.join(room, username, role);
  }

  async remove(room: string, username: string): Promise<boolean> {
    const members = this.rooms.members.get(room);
    if (!members?.delete(username)) return false;
    const heir = [...members].sort(([, a], [, b]) => a.joinedAt - b.joinedAt)[0];
    if (heir && this.rooms.entries.get(room)?.kind === 'private' && ![...members.values()].some(({ role }) => role === 'owner')) heir[1].role = 'owner';
    return true;
  }

  async setRole(room: string, username: string, role: MemberRole): Promise<void> {
    const member = this.rooms.members.get(room)?.get(username);
    if (member) member.role = role;
  }

  async markRead(username: string, room: string, id: number): Promise<number> {
    this.rooms.join(room, username, 'member');
    const member = this.rooms.members.get(room)?.get(username);
    if (!member) return id;
    member.readUpTo = Math.max(member.readUpTo, id);
    return member.readUpTo;
  }

  async conversations(username: string): Promise<Conversation[]> {
    const mine = [...this.rooms.members].filter(([, members]) => members.has(username)).map(([room]) => room);
    if (!mine.includes(DEFAULT_ROOM)) mine.push(DEFAULT_ROOM);
    return mine.map((room) => this.conversation(room, username)).sort((a, b) => b.lastId - a.lastId || a.room.localeCompare(b.room));
  }

  async directsOf(username: string, limit: number): Promise<string[]> {
    return (await this.conversations(username))
      .filter(({ kind }) => kind === 'direct')
      .slice(0, limit)
      .map(({ room }) => room);
  }

  private conversation(room: string, username: string): Conversation {
    const entry = this.rooms.entries.get(room);
    const member = this.rooms.members.get(room)?.get(username);
    const inRoom = this.messages.all().filter((m) => m.room === room && !m.change);
    const readUpTo = member?.readUpTo ?? 0;
    const other = [...(this.rooms.members.get(room)?.keys() ?? [])].find((name) => name !== username);
    return {
      room,
      kind: entry?.kind ?? 'public',
      ...(entry?.kind === 'private' ? { title: entry.title, role: member?.role } : {}),
      ...(entry?.kind === 'direct' && other ? { with: other } : {}),
      lastId: inRoom.at(-1)?.id ?? 0,
      readUpTo,
      unread: Math.min(UNREAD_COUNT_MAX, inRoom.filter((m) => m.id > readUpTo && m.username !== username && !m.deletedAt).length),
    };
  }
}
