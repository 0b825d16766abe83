import type { RoomRepository } from '../../src/application/ports.js';
import { DEFAULT_ROOM, DIRECT_PREFIX, PRIVATE_PREFIX, type MemberRole, type RoomKind } from '../../src/domain/room.js';

export interface MemberEntry {
  role: MemberRole;
  joinedAt: number;
  readUpTo: number;
}

interface RoomEntry {
  kind: RoomKind;
  title?: string;
  createdAt: Date;
}

/** Rooms, and who belongs to each (InMemoryMembershipRepository reads and writes `members`). */
export class InMemoryRoomRepository implements RoomRepository {
  readonly entries = new Map<string, RoomEntry>([[DEFAULT_ROOM, { kind: 'public', createdAt: new Date(0) }]]);
  /** Room → username → membership. */
  readonly members = new Map<string, Map<string, MemberEntry>>();
  /** Rooms that hold a message, as the message store would tell. */
  readonly used = new Set<string>();
  private readonly directs = new Map<string, string>();
  private counter = 0;
  private joins = 0;

  constructor(private readonly now: () => Date = () => new Date()) {}

  /** The names of the rooms that exist. */
  get rooms(): Set<string> {
    return new Set(this.entries.keys());
  }

  /** @deprecated the creation dates, as tests of pruning read them. */
  get created(): Map<string, Date> {
    return new Map([...this.entries].map(([name, entry]) => [name, entry.createdAt]));
  }

  async ensure(name: string): Promise<void> {
    if (!this.entries.has(name)) this.entries.set(name, { kind: 'public', createdAt: this.now() });
  }

  async exists(name: string): Promise<boolean> {
    return this.entries.has(name) || this.used.has(name);
  }

  async kindOf(name: string): Promise<RoomKind | undefined> {
    return this.entries.get(name)?.kind;
  }

  async removeUnused(createdBefore: Date): Promise<number> {
    let removed = 0;
    for (const [name, entry] of this.entries) {
      if (name !== DEFAULT_ROOM && entry.kind === 'public' && entry.createdAt < createdBefore && !this.used.has(name)) {
        this.entries.delete(name);
        this.members.delete(name);
        removed += 1;
      }
    }
    return removed;
  }

  async createPrivate(title: string, owner: string): Promise<string> {
    const name = `${PRIVATE_PREFIX}${String(++this.counter).padStart(16, '0')}`;
    this.entries.set(name, { kind: 'private', title, createdAt: this.now() });
    this.join(name, owner, 'owner');
    return name;
  }

  async openDirect(a: string, b: string): Promise<{ room: string; created: boolean }> {
    const pair = [a.toLowerCase(), b.toLowerCase()].sort().join('\n');
    const existing = this.directs.get(pair);
    if (existing) return { room: existing, created: false };
    const name = `${DIRECT_PREFIX}${String(++this.counter).padStart(16, '0')}`;
    this.entries.set(name, { kind: 'direct', createdAt: this.now() });
    this.directs.set(pair, name);
    this.join(name, a, 'member');
    this.join(name, b, 'member');
    return { room: name, created: true };
  }

  /** Adds a member unless there; false when it was there. */
  join(room: string, username: string, role: MemberRole): boolean {
    const members = this.members.get(room) ?? new Map<string, MemberEntry>();
    this.members.set(room, members);
    if (members.has(username)) return false;
    members.set(username, { role, joinedAt: ++this.joins, readUpTo: 0 });
    return true;
  }
}
