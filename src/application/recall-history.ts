import type { Message } from '../domain/message.js';
import type { Identity } from '../domain/user.js';
import type { ChatLimits, HistoryQuery, MessageRepository } from './ports.js';
import type { RequireRoom } from './require-room.js';

export interface HistoryPage {
  /** Oldest first. */
  messages: Message[];
  /** Messages exist beyond this page in the direction asked: older for latest and `before`, newer for `after`. */
  more: boolean;
}

export class RecallHistory {
  constructor(
    private readonly messages: MessageRepository,
    private readonly requireRoom: RequireRoom,
    private readonly limits: ChatLimits,
  ) {}

  /** Limits above the cap are clamped, not refused: `history 1000` still answers. */
  async execute({ identity, ...query }: HistoryQuery & { identity?: Identity | undefined }): Promise<HistoryPage> {
    await this.requireRoom.execute({ room: query.room, identity });
    const limit = Math.max(1, Math.min(query.limit, this.limits.historyMax));
    // One more than asked tells whether more follow, without a count.
    const found = await this.messages.page({ ...query, limit: limit + 1 });
    if (found.length <= limit) return { messages: found, more: false };
    // Pages are oldest first: the extra message is the oldest one unless paging forwards.
    return { messages: query.after === undefined ? found.slice(1) : found.slice(0, limit), more: true };
  }
}
