import type { PresenceListener } from './ports.js';

/** One user arriving in or leaving a room on one node. */
export interface PresenceChange {
  room: string;
  user: string;
  present: boolean;
}

/** Everything one node has present: room → users. */
export type RoomUsers = Record<string, string[]>;

interface Peer {
  rooms: Map<string, Set<string>>;
  /** When this node last heard from it, on its own clock (never another node's: clocks differ). */
  heardAt: number;
}

/**
 * Who is present where according to each node, merged. Pure: no Redis, no
 * timers; the caller says what each node said and what time it is.
 *
 * A user is present in a room while any node has the user there. The
 * listener hears only when that starts or ends, whichever node it comes
 * from, so a user on two nodes arrives once and leaves once, and a node
 * that repeats what it said before (its periodic snapshot) changes nothing.
 */
export class PresenceLedger {
  /** This node's own users. */
  private readonly own = new Map<string, Set<string>>();
  private readonly peers = new Map<string, Peer>();
  /** Room → user → on how many nodes (this one included) the user is present. */
  private readonly counts = new Map<string, Map<string, number>>();

  constructor(
    /** A node not heard from for this long is taken for dead, and its users for gone. */
    private readonly expiryMs: number,
    private readonly listener: PresenceListener,
  ) {}

  /** This node's user arrived or left: true when that changed this node's list (the others should hear of it). */
  setOwn(room: string, user: string, present: boolean): boolean {
    return this.place(this.own, room, user, present);
  }

  /** This node's list, as it goes on the wire. */
  ownRooms(): RoomUsers {
    return Object.fromEntries([...this.own].map(([room, users]) => [room, [...users]]));
  }

  /** Everything `node` has present now, in place of what it said before. */
  replace(node: string, rooms: RoomUsers, now: number): void {
    const peer = this.heard(node, now);
    const next = new Map(Object.entries(rooms).map(([room, users]) => [room, new Set(users)]));
    for (const [room, users] of next) for (const user of users) this.place(peer.rooms, room, user, true);
    for (const [room, users] of [...peer.rooms]) {
      for (const user of [...users]) if (!next.get(room)?.has(user)) this.place(peer.rooms, room, user, false);
    }
  }

  /** What changed on `node` since it last said. */
  change(node: string, changes: readonly PresenceChange[], now: number): void {
    const peer = this.heard(node, now);
    for (const { room, user, present } of changes) this.place(peer.rooms, room, user, present);
  }

  /** `node` is gone (it said so, or went silent): its users leave. */
  drop(node: string): void {
    const peer = this.peers.get(node);
    if (!peer) return;
    this.peers.delete(node);
    for (const [room, users] of [...peer.rooms]) for (const user of [...users]) this.place(peer.rooms, room, user, false);
  }

  /** Drops the nodes not heard from for the expiry time; returns their ids. */
  expire(now: number): string[] {
    const silent = [...this.peers].filter(([, peer]) => now - peer.heardAt >= this.expiryMs).map(([node]) => node);
    for (const node of silent) this.drop(node);
    return silent;
  }

  /** The room's users present on any node, sorted. */
  users(room: string): string[] {
    return [...(this.counts.get(room)?.keys() ?? [])].sort();
  }

  /** The other nodes this one knows of. */
  get peerIds(): string[] {
    return [...this.peers.keys()];
  }

  private heard(node: string, now: number): Peer {
    let peer = this.peers.get(node);
    if (!peer) {
      peer = { rooms: new Map(), heardAt: now };
      this.peers.set(node, peer);
    }
    peer.heardAt = now;
    return peer;
  }

  /** Sets one node's (room, user) and keeps the counts; the listener hears a count going 0 → 1 or 1 → 0. */
  private place(rooms: Map<string, Set<string>>, room: string, user: string, present: boolean): boolean {
    let users = rooms.get(room);
    if (present) {
      if (users?.has(user)) return false;
      if (!users) {
        users = new Set();
        rooms.set(room, users);
      }
      users.add(user);
    } else {
      if (!users?.delete(user)) return false;
      if (users.size === 0) rooms.delete(room);
    }
    this.count(room, user, present ? 1 : -1);
    return true;
  }

  private count(room: string, user: string, by: 1 | -1): void {
    let users = this.counts.get(room);
    if (!users) {
      users = new Map();
      this.counts.set(room, users);
    }
    const count = (users.get(user) ?? 0) + by;
    if (count > 0) users.set(user, count);
    else users.delete(user);
    if (users.size === 0) this.counts.delete(room);
    if (count === 1 && by === 1) this.listener(room, user, true);
    if (count === 0) this.listener(room, user, false);
  }
}
