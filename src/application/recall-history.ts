import { DomainError } from '../domain/errors.js';
import type { Message } from '../domain/message.js';
import { assertValidRoomName } from '../domain/room.js';
import type { ChatLimits, HistoryQuery, MessageRepository, RoomRepository } from './ports.js';

export interface HistoryPage {
  /** Oldest first. */
  messages: Message[];
  /** Messages exist beyond this page in the direction asked: older for latest and `before`, newer for `after`. */
  more: boolean;
}

export class RecallHistory {
  constructor(
    private readonly messages: MessageRepository,
    private readonly rooms: RoomRepository,
    private readonly limits: ChatLimits,
  ) {}

  /** Limits above the cap are clamped, not refused: `history 1000` still answers. */
  async execute(query: HistoryQuery): Promise<HistoryPage> {
    assertValidRoomName(query.room);
    if (!(await this.rooms.exists(query.room))) {
      throw new DomainError('UNKNOWN_ROOM', `there is no room "${query.room}"; join it to create it`);
    }
    const limit = Math.max(1, Math.min(query.limit, this.limits.historyMax));
    // One more than asked tells whether more follow, without a count.
    const found = await this.messages.page({ ...query, limit: limit + 1 });
    if (found.length <= limit) return { messages: found, more: false };
    // Pages are oldest first: the extra message is the oldest one unless paging forwards.
    return { messages: query.after === undefined ? found.slice(1) : found.slice(0, limit), more: true };
  }
}
