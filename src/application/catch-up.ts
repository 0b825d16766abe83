import type { Identity } from '../domain/user.js';
import type { ChatPeer } from './chat-exchange.js';
import type { ChatLimits, MessageRepository } from './ports.js';
import type { RecallHistory } from './recall-history.js';
import type { RoomCursor } from './room-cursor.js';

export interface CatchUpServices {
  readonly recallHistory: RecallHistory;
  /** Where a catch-up that found nothing learns whether its cursor is past the store's end. */
  readonly messages: MessageRepository;
  readonly limits: ChatLimits;
}

/** The connection a catch-up runs for, as the session lends it. */
export interface CatchUpClient {
  readonly peer: ChatPeer;
  /** Who it speaks for now: a catch-up page is read for that user. */
  identity(): Identity | undefined;
  /** Still this connection's catch-up of the room: not superseded, left or closed. */
  current(): boolean;
  /** Waits until the connection may read this many messages more. */
  paceRead(messages: number): Promise<void>;
}

/**
 * Sends a room's messages after the cursor in pages, then what was
 * published meanwhile, then hands over to live delivery. Each page is read
 * once the client has taken most of the last one. A newer catch-up of the
 * room supersedes this one: its pages are then dropped unsent, and it
 * resolves. Rejects when a page cannot be read while it is still current.
 */
export async function catchUp(
  room: string,
  cursor: RoomCursor,
  generation: number,
  client: CatchUpClient,
  { recallHistory, messages, limits }: CatchUpServices,
): Promise<void> {
  for (;;) {
    await client.peer.drained();
    if (!client.current()) return;
    await client.paceRead(limits.historyMax);
    if (!client.current()) return;
    // Changes too: a client resuming from a cursor learns every edit and deletion after it.
    const found = await recallHistory.execute({ room, after: cursor.nextPage(generation), limit: Infinity, withChanges: true, identity: client.identity() });
    const storeEnd = found.messages.length === 0 && !found.more ? await messages.lastId() : undefined;
    const step = client.current() ? cursor.page(generation, found.messages, found.more, storeEnd) : undefined;
    if (!step) return;
    client.peer.send({ kind: 'catchup', room, messages: step.page, more: step.more });
    if (step.then.length > 0) client.peer.send({ kind: 'messages', messages: step.then });
    if (!step.more) return;
  }
}
