import type { Appended, HistoryQuery, MessageRepository } from '../../src/application/ports.js';
import type { Message, NewMessage } from '../../src/domain/message.js';

/** Dense ids and a unique (username, clientId), like the real store. */
export class InMemoryMessageRepository implements MessageRepository {
  private readonly messages: Message[] = [];

  async append(message: NewMessage): Promise<Appended> {
    const original = message.clientId === undefined ? undefined : this.messages.find((m) => m.username === message.username && m.clientId === message.clientId);
    if (original) return { message: original, duplicate: true };
    const stored: Message = { id: this.messages.length + 1, ...message };
    this.messages.push(stored);
    return { message: stored, duplicate: false };
  }

  async page({ room, limit, before, after }: HistoryQuery): Promise<Message[]> {
    const inRoom = this.messages.filter((m) => m.room === room);
    if (after !== undefined) return inRoom.filter((m) => m.id > after).slice(0, limit);
    const older = before === undefined ? inRoom : inRoom.filter((m) => m.id < before);
    // Not slice(-limit): slice(-0) would return everything.
    return older.slice(Math.max(0, older.length - limit));
  }

  async since(afterId: number, limit: number): Promise<Message[]> {
    return this.messages.filter((m) => m.id > afterId).slice(0, limit);
  }

  async lastId(): Promise<number> {
    return this.messages.length;
  }

  /** Everything stored, oldest first; synchronous so a fanout listener can look. */
  all(): readonly Message[] {
    return [...this.messages];
  }
}
