import type { EndReason } from '../domain/session.js';
import type { ChatPeer } from './chat-exchange.js';
import { ChatSession, type SessionServices } from './chat-session.js';
import type { PresenceBoard } from './ports.js';
import { RoomDirectory } from './room-directory.js';
import type { SessionStates } from './session-states.js';

/** The services a node's sessions share, but the two the node itself keeps; and the login sessions' states, whose endings it hears. */
export type NodeServices = Omit<SessionServices, 'directory' | 'refusingPosts'> & { readonly sessionStates: SessionStates };

/**
 * The chat sessions of one node: opens them, knows who is in which room
 * here, tells rooms who arrives and leaves (from this node or another), and
 * refuses new posts once the node begins to stop.
 */
export class ChatSessions<Peer extends ChatPeer = ChatPeer> {
  readonly directory: RoomDirectory<ChatSession<Peer>>;
  private readonly sessions = new Set<ChatSession<Peer>>();
  private readonly services: SessionServices<Peer>;
  private readonly unsubscribe: () => void;
  private readonly unsubscribeStates: () => void;
  private refusing = false;

  constructor(services: NodeServices) {
    this.directory = new RoomDirectory(services.presence);
    this.services = { ...services, directory: this.directory, refusingPosts: () => this.refusing };
    this.unsubscribe = subscribeToPresence(services.presence, this.directory);
    this.unsubscribeStates = services.sessionStates.subscribe((ended, { reason }) => this.endSessions(ended, reason));
  }

  /** A new connection's session, in `general` from its first moment. */
  open(peer: Peer, address: string): ChatSession<Peer> {
    const session = new ChatSession(this.services, peer, address);
    this.sessions.add(session);
    return session;
  }

  close(session: ChatSession<Peer>): void {
    this.sessions.delete(session);
    session.close();
  }

  /**
   * First step of a shutdown: from now on chat messages are answered
   * UNAVAILABLE (not stored), while those already taken are still stored and
   * acknowledged before the connections are let go.
   */
  refusePosts(): void {
    this.refusing = true;
  }

  get count(): number {
    return this.sessions.size;
  }

  get authorizedCount(): number {
    let count = 0;
    for (const session of this.sessions) if (session.username !== undefined) count += 1;
    return count;
  }

  /** No more presence news: the node is stopping. */
  stop(): void {
    this.unsubscribe();
    this.unsubscribeStates();
  }

  /** Login sessions ended (on any node): the connections they authorized here are unauthorized. */
  private endSessions(ended: ReadonlySet<string>, reason: EndReason): void {
    for (const session of this.sessions) session.endSession(ended, reason);
  }
}

/** The board says when a user arrives or leaves overall, on this node or on another: the room's members hear it. */
function subscribeToPresence<Peer extends ChatPeer>(presence: PresenceBoard, directory: RoomDirectory<ChatSession<Peer>>): () => void {
  return presence.subscribe((room, user, present) => {
    const members = directory.members(room);
    if (members) for (const member of members) member.presenceChanged(room, user, present);
  });
}
