import { DomainError } from '../domain/errors.js';
import type { MessageChange } from '../domain/message.js';
import { sameUsername, type Identity } from '../domain/user.js';
import type { Appended, MessageRepository, UserRepository } from './ports.js';
import type { PostMessage } from './post-message.js';
import { requireUser } from './room-roles.js';

export interface ChangeMessageInput {
  identity: Identity | undefined;
  room: string;
  /** The chat message to change. */
  target: number;
  kind: MessageChange['kind'];
  /** The new text of an edit; ignored for a deletion. */
  text: string;
  clientId?: string | undefined;
}

/**
 * An author edits or deletes one of its messages, and an administrator
 * deletes anyone's. The change is stored as a message of its own (with its
 * own id, so a resuming client learns it) and applied to the message by the
 * store; posting rules (budget, tokens, client ids) apply to it as to any
 * message.
 */
export class ChangeMessage {
  constructor(
    private readonly messages: MessageRepository,
    private readonly postMessage: PostMessage,
    private readonly users: UserRepository,
  ) {}

  async execute({ identity, room, target, kind, text, clientId }: ChangeMessageInput): Promise<Appended> {
    const author = requireUser(identity);
    const original = await this.messages.find(target);
    // Another room's message, or a deleted one, is as unknown as one that never was: nothing tells them apart.
    if (!original || original.room !== room || original.deletedAt) {
      throw new DomainError('UNKNOWN_MESSAGE', `there is no message ${target} in "${room}" to ${kind}`);
    }
    if (!sameUsername(original.username, author.username) && !(kind === 'delete' && (await this.isAdministrator(author.username)))) {
      throw new DomainError('NOT_THE_AUTHOR', `only ${original.username} may ${kind} message ${target}`);
    }
    return this.postMessage.execute({
      identity: author,
      username: author.username,
      text: kind === 'delete' ? '' : text,
      room,
      clientId,
      change: { kind, target },
    });
  }

  private async isAdministrator(username: string): Promise<boolean> {
    return (await this.users.findByUsername(username))?.role === 'administrator';
  }
}
