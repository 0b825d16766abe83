import type { Message } from '../domain/message.js';
import type { ChatLimits, MessageRepository } from './ports.js';

export class RecallHistory {
  constructor(
    private readonly messages: MessageRepository,
    private readonly limits: ChatLimits,
  ) {}

  /** The `count` latest messages, oldest first; counts above the limit are clamped. */
  execute({ count }: { count: number }): Promise<Message[]> {
    return this.messages.latest(Math.max(1, Math.min(count, this.limits.historyMax)));
  }
}
