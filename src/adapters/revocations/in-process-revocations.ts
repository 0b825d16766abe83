import type { Revocation, Revocations } from '../../application/ports.js';

/** Revocations when this node is the whole deployment: heard at once, never missed. */
export class InProcessRevocations implements Revocations {
  private readonly listeners = new Set<(revocation: Revocation) => void>();

  publish(revocation: Revocation): void {
    if (revocation.sessionIds.length === 0) return;
    for (const listener of this.listeners) listener(revocation);
  }

  subscribe(listener: (revocation: Revocation) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
