import { DomainError } from '../domain/errors.js';
import { assertValidMessageText, type Message } from '../domain/message.js';
import { sameUsername, type Identity } from '../domain/user.js';
import type { ChatLimits, Clock, MessageFanout, MessageRepository } from './ports.js';

export interface PostMessageInput {
  /** Who the connection proved to be, if anyone. */
  identity: Identity | undefined;
  /** The name the frame claims; the identity decides, the frame must agree. */
  username: string;
  text: string;
}

export class PostMessage {
  constructor(
    private readonly messages: MessageRepository,
    private readonly fanout: MessageFanout,
    private readonly clock: Clock,
    private readonly limits: ChatLimits,
  ) {}

  async execute({ identity, username, text }: PostMessageInput): Promise<Message> {
    if (!identity) {
      throw new DomainError('NOT_AUTHENTICATED', 'send "auth <token>" before posting messages');
    }
    const now = this.clock.now();
    if (identity.expiresAt <= now) {
      throw new DomainError('TOKEN_EXPIRED', 'your token has expired; log in again and send "auth <token>"');
    }
    if (!sameUsername(identity.username, username)) {
      throw new DomainError('USERNAME_MISMATCH', `this connection is authorized as "${identity.username}"`);
    }
    assertValidMessageText(text, this.limits.messageMaxCharacters);
    const message = await this.messages.append({ username: identity.username, text, createdAt: now });
    this.fanout.publish(message);
    return message;
  }
}
