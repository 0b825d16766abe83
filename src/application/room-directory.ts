import type { PresenceBoard } from './ports.js';

/**
 * Who is in which room on this node, and which users that makes present.
 * A user is present in a room while at least one of the user's authorized
 * connections is a member; when that starts or ends here, the presence board
 * hears it (the board knows the other nodes, and decides what rooms hear).
 */
export class RoomDirectory<Member> {
  private readonly rooms = new Map<string, Set<Member>>();
  /** Room → user → how many of the user's connections here are in it. */
  private readonly present = new Map<string, Map<string, number>>();

  constructor(private readonly board: PresenceBoard) {}

  members(room: string): ReadonlySet<Member> | undefined {
    return this.rooms.get(room);
  }

  /** `member`, speaking for `user` if anyone, is in the room from now on. */
  enter(room: string, member: Member, user: string | undefined): void {
    let members = this.rooms.get(room);
    if (!members) {
      members = new Set();
      this.rooms.set(room, members);
    }
    if (members.has(member)) return;
    members.add(member);
    if (user !== undefined) this.arrive(room, user);
  }

  exit(room: string, member: Member, user: string | undefined): void {
    const members = this.rooms.get(room);
    if (!members?.delete(member)) return;
    if (members.size === 0) this.rooms.delete(room);
    if (user !== undefined) this.depart(room, user);
  }

  /** A member of these rooms now speaks for `after` instead of `before` (a login, a switch, an expiry). */
  identify(rooms: Iterable<string>, before: string | undefined, after: string | undefined): void {
    if (before === after) return;
    for (const room of rooms) {
      if (before !== undefined) this.depart(room, before);
      if (after !== undefined) this.arrive(room, after);
    }
  }

  private arrive(room: string, user: string): void {
    let users = this.present.get(room);
    if (!users) {
      users = new Map();
      this.present.set(room, users);
    }
    const count = users.get(user) ?? 0;
    users.set(user, count + 1);
    if (count === 0) this.board.update(room, user, true);
  }

  private depart(room: string, user: string): void {
    const users = this.present.get(room);
    const count = users?.get(user);
    if (!users || count === undefined) return;
    if (count > 1) {
      users.set(user, count - 1);
      return;
    }
    users.delete(user);
    if (users.size === 0) this.present.delete(room);
    this.board.update(room, user, false);
  }
}
