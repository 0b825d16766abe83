import type { PresenceBoard, PresenceListener } from '../../application/ports.js';

/**
 * Presence when this node is the whole deployment: the users this node
 * reports are all there are, and every change is heard at once.
 */
export class InProcessPresence implements PresenceBoard {
  /** Room → its present users. */
  private readonly rooms = new Map<string, Set<string>>();
  private readonly listeners = new Set<PresenceListener>();

  update(room: string, user: string, present: boolean): void {
    let users = this.rooms.get(room);
    if (present) {
      if (users?.has(user)) return;
      if (!users) {
        users = new Set();
        this.rooms.set(room, users);
      }
      users.add(user);
    } else {
      if (!users?.delete(user)) return;
      if (users.size === 0) this.rooms.delete(room);
    }
    for (const listener of this.listeners) listener(room, user, present);
  }

  users(room: string): string[] {
    return [...(this.rooms.get(room) ?? [])].sort();
  }

  subscribe(listener: PresenceListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
