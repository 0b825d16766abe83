import type { Revocation, Revocations } from '../../src/application/ports.js';

/** Delivers at once, like the in-process adapter, and keeps what was published; `lose()` says some were missed. */
export class RecordingRevocations implements Revocations {
  readonly published: Revocation[] = [];
  private readonly listeners = new Set<(revocation: Revocation) => void>();
  private readonly missedListeners = new Set<() => void>();

  publish(revocation: Revocation): void {
    if (revocation.sessionIds.length === 0) return;
    this.published.push(revocation);
    for (const listener of this.listeners) listener(revocation);
  }

  /** Another node's revocation, heard here. */
  hear(revocation: Revocation): void {
    for (const listener of this.listeners) listener(revocation);
  }

  /** The link to the other nodes was down: listeners learn that some may have been lost. */
  lose(): void {
    for (const missed of this.missedListeners) missed();
  }

  subscribe(listener: (revocation: Revocation) => void, missed?: () => void): () => void {
    this.listeners.add(listener);
    if (missed) this.missedListeners.add(missed);
    return () => {
      this.listeners.delete(listener);
      if (missed) this.missedListeners.delete(missed);
    };
  }
}
