import type { MessageFanout } from '../../application/ports.js';
import type { Message } from '../../domain/message.js';

type Listener = (message: Message) => void;

/** One node: publishing is delivering, synchronously and in publish order. */
export class InProcessFanout implements MessageFanout {
  private readonly listeners = new Set<Listener>();

  publish(message: Message): void {
    for (const listener of this.listeners) listener(message);
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
