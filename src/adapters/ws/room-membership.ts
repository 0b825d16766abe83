/**
 * Who is in which room on this node, and which users that makes present here.
 * A user is present in a room while at least one of the user's authorized
 * connections is a member; the boolean results say when that starts or ends
 * on this node, which is what the gateway reports to the presence board (the
 * board knows the other nodes, and decides what the room hears).
 */
export class RoomMembership<C> {
  private readonly rooms = new Map<string, Set<C>>();
  /** Room → user → how many of the user's connections are in it. */
  private readonly present = new Map<string, Map<string, number>>();

  members(room: string): ReadonlySet<C> | undefined {
    return this.rooms.get(room);
  }

  /** The room's users present on this node, sorted. */
  users(room: string): string[] {
    return [...(this.present.get(room)?.keys() ?? [])].sort();
  }

  /** Returns true when the user (if any) just became present. */
  add(room: string, connection: C, user: string | undefined): boolean {
    let members = this.rooms.get(room);
    if (!members) {
      members = new Set();
      this.rooms.set(room, members);
    }
    if (members.has(connection)) return false;
    members.add(connection);
    return user !== undefined && this.addUser(room, user);
  }

  /** Returns true when the user (if any) is no longer present. */
  remove(room: string, connection: C, user: string | undefined): boolean {
    const members = this.rooms.get(room);
    if (!members?.delete(connection)) return false;
    if (members.size === 0) this.rooms.delete(room);
    return user !== undefined && this.removeUser(room, user);
  }

  /** A member connection became authorized as `user`: true when the user just became present. */
  addUser(room: string, user: string): boolean {
    let users = this.present.get(room);
    if (!users) {
      users = new Map();
      this.present.set(room, users);
    }
    const count = users.get(user) ?? 0;
    users.set(user, count + 1);
    return count === 0;
  }

  /** A member connection stopped being `user`: true when the user is no longer present. */
  removeUser(room: string, user: string): boolean {
    const users = this.present.get(room);
    const count = users?.get(user);
    if (!users || count === undefined) return false;
    if (count > 1) {
      users.set(user, count - 1);
      return false;
    }
    users.delete(user);
    if (users.size === 0) this.present.delete(room);
    return true;
  }
}
