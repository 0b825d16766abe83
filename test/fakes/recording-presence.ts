import type { PresenceBoard, PresenceListener } from '../../src/application/ports.js';

/** One node's presence board that remembers what it was told, in order. */
export class RecordingPresence implements PresenceBoard {
  readonly updates: string[] = [];
  private readonly present = new Map<string, Set<string>>();
  private readonly listeners = new Set<PresenceListener>();

  update(room: string, user: string, present: boolean): void {
    const users = this.present.get(room) ?? new Set();
    if (users.has(user) === present) return;
    if (present) users.add(user);
    else users.delete(user);
    this.present.set(room, users);
    this.updates.push(`${room} ${present ? '+' : '-'}${user}`);
    for (const listener of this.listeners) listener(room, user, present);
  }

  users(room: string): string[] {
    return [...(this.present.get(room) ?? [])].sort();
  }

  subscribe(listener: PresenceListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Another node's user arriving or leaving, as the board would hear it. */
  fromElsewhere(room: string, user: string, present: boolean): void {
    this.update(room, user, present);
  }
}
