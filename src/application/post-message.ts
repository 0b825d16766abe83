import { DomainError } from '../domain/errors.js';
import { assertValidClientId, assertValidMessageText, type MessageChange } from '../domain/message.js';
import { assertValidRoomName } from '../domain/room.js';
import { sameUsername, type Identity } from '../domain/user.js';
import type { Appended, ChatLimits, Clock, MessageFanout, MessageRepository, RateLimiter, TokenService } from './ports.js';

export interface PostMessageInput {
  /** Who the connection proved to be, if anyone. */
  identity: Identity | undefined;
  /** The name the frame claims; the identity decides, the frame must agree. */
  username: string;
  text: string;
  room: string;
  clientId?: string | undefined;
  /** An edit or a deletion of a message (ChangeMessage has checked that it may be): a deletion's text is empty. */
  change?: MessageChange | undefined;
}

export class PostMessage {
  constructor(
    private readonly messages: MessageRepository,
    private readonly fanout: MessageFanout,
    private readonly clock: Clock,
    private readonly limits: ChatLimits,
    /** Messages per user, whatever the connection, node or reconnect they come through. */
    private readonly budget: RateLimiter,
    /** Knows the tokens it issued: a text holding one is never stored, so never shown. */
    private readonly tokens: TokenService,
  ) {}

  /**
   * Stores, then publishes; a repeated client id returns the stored original and publishes nothing.
   * The budget keeps one connection's messages in order: it settles in call order.
   */
  async execute({ identity, username, text, room, clientId, change }: PostMessageInput): Promise<Appended> {
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
    assertValidRoomName(room);
    if (clientId !== undefined) assertValidClientId(clientId);
    if (change?.kind !== 'delete') assertValidMessageText(text, this.limits.messageMaxCharacters);
    if (this.tokens.foundIn(text)) {
      throw new DomainError('TOKEN_IN_MESSAGE', 'this text holds a login token; it was not sent (log in again if it was seen)');
    }
    const retryAfterSeconds = await this.budget.take(identity.username.toLowerCase());
    if (retryAfterSeconds > 0) {
      throw new DomainError('RATE_LIMITED', `too many messages; slow down (next in ${retryAfterSeconds} s)`, retryAfterSeconds);
    }
    const appended = await this.messages.append({
      room,
      username: identity.username,
      text,
      createdAt: now,
      ...(clientId === undefined ? {} : { clientId }),
      ...(change === undefined ? {} : { change }),
    });
    if (!appended.duplicate) this.fanout.publish(appended.message);
    return appended;
  }
}
