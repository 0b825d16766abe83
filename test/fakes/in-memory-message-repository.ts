import type { MessageRepository } from '../../src/application/ports.js';
import type { Message, NewMessage } from '../../src/domain/message.js';

export class InMemoryMessageRepository implements MessageRepository {
  private readonly messages: Message[] = [];

  async append(message: NewMessage): Promise<Message> {
    const stored: Message = { id: this.messages.length + 1, ...message };
    this.messages.push(stored);
    return stored;
  }

  async latest(count: number): Promise<Message[]> {
    // Not slice(-count): slice(-0) would return everything.
    return this.messages.slice(Math.max(0, this.messages.length - count));
  }

  /** Everything stored, oldest first; synchronous so a fanout listener can look. */
  all(): readonly Message[] {
    return [...this.messages];
  }
}
