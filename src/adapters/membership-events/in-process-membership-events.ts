import type { MembershipEvent, MembershipEvents } from '../../application/ports.js';

type Listener = (event: MembershipEvent) => void;

/** One node: an event is heard at once, by every listener. */
export class InProcessMembershipEvents implements MembershipEvents {
  private readonly listeners = new Set<Listener>();

  publish(event: MembershipEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
