import type { PresenceBoard, PresenceListener } from '../../application/ports.js';
import { PresenceLedger } from '../../application/presence-ledger.js';

/**
 * Presence when this node is the whole deployment: the users this node
 * reports are all there are, and every change is heard at once. The ledger
 * of several nodes, with this one alone in it.
 */
export class InProcessPresence implements PresenceBoard {
  private readonly listeners = new Set<PresenceListener>();
  /** No peers, so nothing ever expires. */
  private readonly ledger = new PresenceLedger(Number.POSITIVE_INFINITY, (room, user, present) => {
    for (const listener of this.listeners) listener(room, user, present);
  });

  update(room: string, user: string, present: boolean): void {
    this.ledger.setOwn(room, user, present);
  }

  users(room: string): string[] {
    return this.ledger.users(room);
  }

  subscribe(listener: PresenceListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
