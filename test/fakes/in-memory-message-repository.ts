import type { Appended, HistoryQuery, MessageRepository } from '../../src/application/ports.js';
import { storedMessage, type Message, type NewMessage } from '../../src/domain/message.js';

/** Dense ids and a unique (username, clientId), like the real store. */
export class InMemoryMessageRepository implements MessageRepository {
  private readonly messages: Message[] = [];

  async append(message: NewMessage): Promise<Appended> {
    const original = message.clientId === undefined ? undefined : this.messages.find((m) => m.username === message.username && m.clientId === message.clientId);
    if (original) return { message: original, duplicate: true };
    const stored = storedMessage(this.messages.length + 1, message);
    this.messages.push(stored);
    if (message.change) this.apply(message.change, stored);
    return { message: stored, duplicate: false };
  }

  async page({ room, limit, before, after, withChanges = false }: HistoryQuery): Promise<Message[]> {
    const inRoom = this.messages.filter((m) => m.room === room && (withChanges || !m.change));
    if (after !== undefined) return inRoom.filter((m) => m.id > after).slice(0, limit);
    const older = before === undefined ? inRoom : inRoom.filter((m) => m.id < before);
    // Not slice(-limit): slice(-0) would return everything.
    return older.slice(Math.max(0, older.length - limit));
  }

  async since(afterId: number, limit: number): Promise<Message[]> {
    return this.messages.filter((m) => m.id > afterId).slice(0, limit);
  }

  async find(id: number): Promise<Message | undefined> {
    const found = this.messages[id - 1];
    return found && !found.change ? found : undefined;
  }

  async lastId(): Promise<number> {
    return this.messages.length;
  }

  /** Everything stored, oldest first; synchronous so a fanout listener can look. */
  all(): readonly Message[] {
    return [...this.messages];
  }

  /** As append_messages does: the change applies to its message, and a deletion empties it and its edits. */
  private apply(change: NonNullable<Message['change']>, stored: Message): void {
    const at = change.target - 1;
    const original = this.messages[at];
    if (!original || original.change || original.deletedAt) return;
    if (change.kind === 'edit') {
      this.messages[at] = { ...original, text: stored.text, editedAt: stored.createdAt };
      return;
    }
    this.messages[at] = { ...original, text: '', deletedAt: stored.createdAt };
    this.messages.forEach((m, i) => {
      if (m.change?.target === change.target) this.messages[i] = { ...m, text: '' };
    });
  }
}
