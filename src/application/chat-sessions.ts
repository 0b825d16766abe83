import type { EndReason } from '../domain/session.js';
import type { ChatPeer } from './chat-exchange.js';
import { ChatSession, type SessionServices } from './chat-session.js';
import type { MembershipEvent, MembershipEvents, PresenceBoard } from './ports.js';
import { RoomDirectory } from './room-directory.js';
import type { SessionStates } from './session-states.js';

/** The services a node's sessions share, but those the node itself keeps. */
export type NodeServices = Omit<SessionServices, 'directory' | 'refusingPosts' | 'identified'> & {
  /** What happens to users' rooms, on this node and the others. */
  readonly events: MembershipEvents;
  /** The login sessions' states, whose endings it hears. */
  readonly sessionStates: SessionStates;
};

/**
 * The chat sessions of one node: opens them, knows who is in which room
 * here and which sessions speak for which user, tells rooms who arrives and
 * leaves (from this node or another), tells users' connections what
 * happened to their rooms, and refuses new posts once the node begins to stop.
 */
export class ChatSessions<Peer extends ChatPeer = ChatPeer> {
  readonly directory: RoomDirectory<ChatSession<Peer>>;
  private readonly sessions = new Set<ChatSession<Peer>>();
  /** Lower-cased username → the sessions speaking for it here. */
  private readonly byUser = new Map<string, Set<ChatSession<Peer>>>();
  private readonly services: SessionServices<Peer>;
  private readonly unsubscribe: Array<() => void>;
  private refusing = false;

  constructor(private readonly node: NodeServices) {
    this.directory = new RoomDirectory(node.presence);
    this.services = {
      ...node,
      directory: this.directory,
      refusingPosts: () => this.refusing,
      identified: (session, before, after) => this.reindex(session, before, after),
    };
    this.unsubscribe = [
      subscribeToPresence(node.presence, this.directory),
      node.events.subscribe((event) => this.hear(event)),
      node.sessionStates.subscribe((ended, { reason }) => this.endSessions(ended, reason)),
    ];
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
    this.reindex(session, session.username, undefined);
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

  /** No more presence and membership news: the node is stopping. */
  stop(): void {
    for (const unsubscribe of this.unsubscribe) unsubscribe();
  }

  /** Login sessions ended (on any node): the connections they authorized here are unauthorized. */
  private endSessions(ended: ReadonlySet<string>, reason: EndReason): void {
    for (const session of this.sessions) session.endSession(ended, reason);
  }

  private reindex(session: ChatSession<Peer>, before: string | undefined, after: string | undefined): void {
    if (before !== undefined) {
      const sessions = this.byUser.get(before.toLowerCase());
      sessions?.delete(session);
      if (sessions?.size === 0) this.byUser.delete(before.toLowerCase());
    }
    if (after !== undefined && this.sessions.has(session)) {
      const key = after.toLowerCase();
      const sessions = this.byUser.get(key) ?? new Set();
      sessions.add(session);
      this.byUser.set(key, sessions);
    }
  }

  private hear(event: MembershipEvent): void {
    if (event.kind === 'resync') {
      for (const session of this.sessions) void session.recheckMemberships();
      return;
    }
    const sessions = [...(this.byUser.get(event.username.toLowerCase()) ?? [])];
    if (sessions.length === 0) return;
    if (event.kind !== 'added') {
      for (const session of sessions) session.membershipChanged(event);
      return;
    }
    // One read of the store for every connection of the user here.
    this.node.memberships.conversations(event.username).then(
      (list) => {
        const conversation = list.find(({ room }) => room === event.room);
        if (conversation) for (const session of sessions) session.membershipChanged(event, conversation);
      },
      () => undefined,
    );
  }
}

/** The board says when a user arrives or leaves overall, on this node or on another: the room's members hear it. */
function subscribeToPresence<Peer extends ChatPeer>(presence: PresenceBoard, directory: RoomDirectory<ChatSession<Peer>>): () => void {
  return presence.subscribe((room, user, present) => {
    const members = directory.members(room);
    if (members) for (const member of members) member.presenceChanged(room, user, present);
  });
}
