import type { MessageSearch, SearchQuery } from '../../src/application/ports.js';
import type { Message } from '../../src/domain/message.js';
import type { InMemoryMessageRepository } from './in-memory-message-repository.js';
import type { InMemoryRoomRepository } from './in-memory-room-repository.js';

/** Words as the simple text search configuration finds them: each term the start of a word of the text. */
export class InMemoryMessageSearch implements MessageSearch {
  constructor(
    private readonly messages: InMemoryMessageRepository,
    private readonly rooms: InMemoryRoomRepository,
  ) {}

  async search({ username, terms, before, limit }: SearchQuery): Promise<Message[]> {
    const readable = (room: string) => (this.rooms.entries.get(room)?.kind ?? 'public') === 'public' || this.rooms.members.get(room)?.has(username) === true;
    return this.messages
      .all()
      .filter((m) => (before === undefined || m.id < before) && !m.change && readable(m.room))
      .filter((m) => {
        const words = m.text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
        return terms.every((term) => words.some((word) => word.startsWith(term)));
      })
      .reverse()
      .slice(0, limit);
  }
}
