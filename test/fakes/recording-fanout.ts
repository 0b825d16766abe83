import type { MessageFanout } from '../../src/application/ports.js';
import type { Message } from '../../src/domain/message.js';

type Listener = (message: Message) => void;

/** Delivers like the in-process fanout and keeps what was published. */
export class RecordingFanout implements MessageFanout {
  readonly published: Message[] = [];
  private readonly listeners = new Set<Listener>();

  publish(message: Message): void {
    this.published.push(message);
    for (const listener of this.listeners) listener(message);
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
