import type { RoomDirectory } from '../../application/room-directory.js';
import type { ChatSession } from '../../application/chat-session.js';
import type { Message } from '../../domain/message.js';
import type { GatewayObserver, WsConnection } from './connection.js';
import { messageFrame } from './frames.js';
import { textFrame } from './turn-writer.js';

/**
 * Every message published in one turn (a stored batch publishes many)
 * leaves in one buffer per room: one write per connection per turn,
 * whatever the number of messages, since the cost is per write, not per byte.
 */
export class RoomBroadcaster {
  /** Messages published in this turn, by room, not yet written. */
  private outgoing = new Map<string, Message[]>();

  constructor(
    private readonly directory: RoomDirectory<ChatSession<WsConnection>>,
    private readonly observer: GatewayObserver | undefined,
  ) {}

  publish(message: Message): void {
    if (this.outgoing.size === 0) process.nextTick(() => this.flush());
    const messages = this.outgoing.get(message.room);
    if (messages) messages.push(message);
    else this.outgoing.set(message.room, [message]);
  }

  /** Writes what this turn published now (before a reply, which must not overtake it). */
  flush(): void {
    if (this.outgoing.size === 0) return;
    const outgoing = this.outgoing;
    this.outgoing = new Map();
    for (const [room, messages] of outgoing) {
      const members = this.directory.members(room);
      if (members) this.deliver(room, members, messages);
    }
  }

  private deliver(room: string, members: ReadonlySet<ChatSession<WsConnection>>, messages: Message[]): void {
    let data: Buffer | undefined;
    let receivers = 0;
    for (const member of members) {
      const fresh = member.live(room, messages);
      const connection = member.peer;
      if (fresh.length === 0 || !connection.writable()) continue;
      if (fresh === messages) {
        // The common case: the same bytes for every member.
        data ??= Buffer.concat(messages.map((message) => textFrame(messageFrame(message))));
        connection.writeShared(data);
        receivers += 1;
      } else {
        // Just caught up: its last page already held some of these.
        connection.writeMessages(fresh);
      }
    }
    if (receivers > 0) this.observe(messages, receivers);
  }

  private observe(messages: readonly Message[], receivers: number): void {
    const { observer } = this;
    if (!observer) return;
    observer.delivered(messages.length, receivers);
    const now = Date.now();
    for (const message of messages) observer.fannedOut((now - message.createdAt.getTime()) / 1000);
  }
}
