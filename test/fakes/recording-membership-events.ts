import type { MembershipEvent, MembershipEvents } from '../../src/application/ports.js';

/** One node's events, heard at once, and kept for the test to read. */
export class RecordingMembershipEvents implements MembershipEvents {
  readonly published: MembershipEvent[] = [];
  private readonly listeners = new Set<(event: MembershipEvent) => void>();

  publish(event: MembershipEvent): void {
    this.published.push(event);
    this.hear(event);
  }

  subscribe(listener: (event: MembershipEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** What another node published, or a resync after an outage. */
  hear(event: MembershipEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}
