import { DomainError, isDomainError } from '../domain/errors.js';
import type { Message } from '../domain/message.js';
import { assertValidRoomName, DEFAULT_ROOM, DIRECT_PREFIX, PRIVATE_PREFIX, type Conversation } from '../domain/room.js';
import type { EndReason } from '../domain/session.js';
import type { Identity } from '../domain/user.js';
import type { Authenticate } from './authenticate.js';
import type { ChatCommand, ChatPeer, ReplyContext } from './chat-exchange.js';
import { catchUp, type CatchUpClient } from './catch-up.js';
import { converse, type ConversationCommand } from './conversation-commands.js';
import type { ConversationUseCases } from './conversation-use-cases.js';
import type { JoinRoom } from './join-room.js';
import type { Appended, ChatLimits, Clock, MembershipEvent, MembershipRepository, MessageRepository, PresenceBoard, RateLimiter } from './ports.js';
import type { ChangeMessage } from './change-message.js';
import type { PostMessage } from './post-message.js';
import type { RecallHistory } from './recall-history.js';
import type { RequireRoom } from './require-room.js';
import { RoomCursor } from './room-cursor.js';
import type { RoomDirectory } from './room-directory.js';

/** What every session of a node shares. */
export interface SessionServices<Peer extends ChatPeer = ChatPeer> {
  readonly authenticate: Authenticate;
  readonly postMessage: PostMessage;
  /** Edits and deletions of one's messages. */
  readonly changeMessage: ChangeMessage;
  readonly recallHistory: RecallHistory;
  readonly joinRoom: JoinRoom;
  readonly requireRoom: RequireRoom;
  /** Where a catch-up that found nothing learns whether its cursor is past the store's end. */
  readonly messages: MessageRepository;
  readonly presence: PresenceBoard;
  /** Messages read by connections that are not authorized, per client address: catch-up and history alike. */
  readonly anonymousReads: RateLimiter;
  readonly clock: Clock;
  readonly limits: ChatLimits;
  readonly directory: RoomDirectory<ChatSession<Peer>>;
  /** The node is shutting down: chat messages are refused, so that every one gets a definite answer. */
  refusingPosts(): boolean;
  readonly conversations: ConversationUseCases;
  /** Which direct conversations a connection is put in when its user logs in. */
  readonly memberships: MembershipRepository;
  /** The session now speaks for another user (or none): the node keeps its sessions by user. */
  identified(session: ChatSession<Peer>, before: string | undefined, after: string | undefined): void;
}

/** A connection is put in its user's most recently active direct conversations, up to this many, when it logs in. */
export const DIRECTS_ON_AUTH = 100;

interface RoomState {
  readonly cursor: RoomCursor;
  /**
   * Hears the room's presence changes: set by a join frame or a presence
   * request, so clients of the original protocol never see a frame they do not know.
   */
  hearsPresence: boolean;
}

/**
 * One connection's chat: who it speaks for, which rooms it is in, what it
 * was sent of each, and the rules of all that. Commands come in from the
 * transport, replies go out through the peer; no sockets, no timers but the
 * Clock's, so every rule is unit-tested without a network.
 */
export class ChatSession<Peer extends ChatPeer = ChatPeer> {
  private identity: Identity | undefined;
  private readonly rooms = new Map<string, RoomState>();
  /** Joins and leaves of this connection, one after the other, in the order they came. */
  private roomChanges: Promise<void> = Promise.resolve();
  private changingRooms = 0;
  /** Settles when this connection's latest post has been stored or refused: history waits for it. */
  private lastPost: Promise<unknown> = Promise.resolve();
  private cancelExpiry: (() => void) | undefined;
  private closed = false;
  /**
   * Has sent a frame of the extensions: only such a client is put in rooms
   * it did not ask for (direct conversations) or told about them, so a
   * client of the original protocol never sees a frame it does not know.
   */
  private extended = false;
  /** Frames that came while an `auth` waited for the store: handled, in order, once it is decided. */
  private held: ChatCommand[] | undefined;

  constructor(
    private readonly services: SessionServices<Peer>,
    readonly peer: Peer,
    /** Who the client is on the network: budgets of connections without a user are kept per address. */
    readonly address: string,
  ) {
    // Clients of the original protocol know no rooms: they live in the default one.
    this.enter(DEFAULT_ROOM);
  }

  get username(): string | undefined {
    return this.identity?.username;
  }

  handle(command: ChatCommand): void {
    if (this.held) {
      this.held.push(command);
      return;
    }
    try {
      if (!this.extended && speaksExtensions(command)) this.useExtensions();
      this.dispatch(command);
    } catch (error) {
      this.fail(error, contextOf(command));
    }
  }

  /** Resumes `general` after a cursor given with the connection, before any live message can come. */
  resume(after: number): void {
    this.useExtensions();
    const general = this.rooms.get(DEFAULT_ROOM) as RoomState;
    general.hearsPresence = true;
    this.peer.send({ kind: 'joined', room: DEFAULT_ROOM });
    this.startCatchUp(DEFAULT_ROOM, general, after);
  }

  /**
   * The room's live messages, in id order: those this connection is to be
   * sent now (the batch itself when all are new). Edits and deletions are
   * for clients of the extensions: the original protocol has no frame for them.
   */
  live(room: string, messages: readonly Message[]): readonly Message[] {
    const fresh = this.rooms.get(room)?.cursor.live(messages) ?? [];
    return this.extended || !fresh.some((message) => message.change) ? fresh : fresh.filter((message) => !message.change);
  }

  presenceChanged(room: string, username: string, present: boolean): void {
    if (this.rooms.get(room)?.hearsPresence) this.peer.send({ kind: 'presenceChange', room, username, present });
  }

  /** The connection is gone: out of every room, no timer left. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const room of [...this.rooms.keys()]) this.exit(room);
    this.cancelExpiry?.();
  }

  private dispatch(command: ChatCommand): void {
    switch (command.kind) {
      case 'auth':
        return this.authorizeWhenDecided(this.services.authenticate.execute(command));
      case 'post':
        return this.post(command);
      case 'history':
        return this.history(command);
      case 'join':
        return this.changeRooms(command.room, () => this.join(command.room, command.after));
      case 'leave':
        return this.changeRooms(command.room, async () => this.leave(command.room));
      case 'presence':
        return this.presence(command.room);
      case 'edit':
      case 'delete':
        return this.post(command);
      default:
        return this.converse(command);
    }
  }

  private authorize(identity: Identity): void {
    this.peer.send({ kind: 'authenticated', username: identity.username });
    this.identify(identity);
    if (this.extended) this.enterDirects();
    this.cancelExpiry?.();
    // When the token expires the connection is unauthorized again, and told so.
    this.cancelExpiry = this.services.clock.schedule(identity.expiresAt.getTime() - this.services.clock.now().getTime(), () => {
      if (this.identity !== identity) return;
      this.identify(undefined);
      this.peer.send({ kind: 'expired' });
    });
  }

  // Login sessions: an `auth` may wait for its session's state; a session that ends unauthorizes.

  /** An identity whose session is known here is taken at once; one that needs the store holds the frames after it. */
  private authorizeWhenDecided(outcome: Identity | Promise<Identity>): void {
    if (!(outcome instanceof Promise)) return this.authorize(outcome);
    const held: ChatCommand[] = [];
    this.held = held;
    void outcome
      .then(
        (identity) => {
          if (!this.closed) this.authorize(identity);
        },
        (error: unknown) => this.fail(error, undefined),
      )
      .finally(() => {
        this.held = undefined;
        // One of them may be another auth that holds the rest again.
        for (const command of held) if (!this.closed) this.handle(command);
      });
  }

  /** Some login sessions ended: if this connection's is one, it is unauthorized, and told why. */
  endSession(ended: ReadonlySet<string>, reason: EndReason): void {
    if (!this.identity || !ended.has(this.identity.sessionId)) return;
    this.cancelExpiry?.();
    this.cancelExpiry = undefined;
    this.identify(undefined);
    this.peer.send({ kind: 'revoked', reason });
  }

  /** A post waits for the joins and leaves sent before it, with the identity it came with. */
  /** A post, an edit or a deletion waits for the joins and leaves sent before it, with the identity it came with. */
  private post(command: Extract<ChatCommand, { kind: 'post' | 'edit' | 'delete' }>): void {
    const identity = this.identity;
    const store = () => this.store(identity, command);
    this.lastPost = this.changingRooms > 0 ? this.roomChanges.then(store) : store();
  }

  private store(identity: Identity | undefined, command: Extract<ChatCommand, { kind: 'post' | 'edit' | 'delete' }>): Promise<void> {
    const { room, clientId } = command;
    const context = { room, clientId };
    try {
      if (this.services.refusingPosts()) {
        throw new DomainError('UNAVAILABLE', 'the server is shutting down; message not stored, send it again after reconnecting');
      }
      if (!this.rooms.has(room)) {
        assertValidRoomName(room);
        throw new DomainError('NOT_A_MEMBER', `join "${room}" before posting to it: {"type": "join", "room": "${room}"}`);
      }
    } catch (error) {
      this.fail(error, context);
      return Promise.resolve();
    }
    // No reply on success: the broadcast copy is the sender's acknowledgement.
    // A repeated client id is answered to the sender alone, with the original.
    return this.storeCommand(identity, command).then(
      ({ message, duplicate }) => {
        if (duplicate) this.peer.send({ kind: 'duplicate', message });
      },
      (error: unknown) => {
        if (isDomainError(error) && error.code === 'TOKEN_EXPIRED' && this.identity === identity) this.identify(undefined);
        this.fail(error, context);
      },
    );
  }

  private storeCommand(identity: Identity | undefined, command: Extract<ChatCommand, { kind: 'post' | 'edit' | 'delete' }>): Promise<Appended> {
    const { room, clientId } = command;
    switch (command.kind) {
      case 'post': {
        // A typed message names no author: the connection's user is the one.
        const username = command.typed ? (identity?.username ?? command.username) : command.username;
        return this.services.postMessage.execute({ identity, username, text: command.text, room, clientId });
      }
      case 'edit':
        return this.services.changeMessage.execute({ identity, room, target: command.id, kind: 'edit', text: command.text, clientId });
      case 'delete':
        return this.services.changeMessage.execute({ identity, room, target: command.id, kind: 'delete', text: '', clientId });
    }
  }

  private history(query: Extract<ChatCommand, { kind: 'history' }>): void {
    const { room, limit, before, after, original = false } = query;
    const identity = this.identity;
    // Read your own writes: history includes what this connection posted before asking.
    this.lastPost
      .then(() => this.paceRead(Math.min(limit, this.services.limits.historyMax)))
      .then(() => this.services.recallHistory.execute({ room, limit, before, after, identity }))
      .then(
        (page) => this.peer.send({ kind: 'history', room, messages: page.messages, more: page.more, original, before, after }),
        (error: unknown) => this.fail(error, { room }),
      );
  }

  private changeRooms(room: string | undefined, change: () => Promise<void>): void {
    this.changingRooms += 1;
    this.roomChanges = this.roomChanges
      .then(change)
      .catch((error: unknown) => this.fail(error, room === undefined ? undefined : { room }))
      .finally(() => (this.changingRooms -= 1));
  }

  private async join(room: string, after: number | undefined): Promise<void> {
    const { roomsPerConnection } = this.services.limits;
    if (!this.rooms.has(room) && !room.startsWith(DIRECT_PREFIX) && this.roomsCounted() >= roomsPerConnection) {
      throw new DomainError('TOO_MANY_ROOMS', `a connection may be in at most ${roomsPerConnection} rooms; leave one first`);
    }
    await this.services.joinRoom.execute({ room, identity: this.identity });
    if (this.closed) return;
    const joined = this.enter(room);
    joined.hearsPresence = true;
    this.peer.send({ kind: 'joined', room });
    if (after !== undefined) this.startCatchUp(room, joined, after);
  }

  private leave(room: string): void {
    assertValidRoomName(room);
    if (!this.rooms.has(room)) throw new DomainError('NOT_A_MEMBER', `this connection is not in "${room}"`);
    this.exit(room);
    this.peer.send({ kind: 'left', room });
  }

  private presence(room: string): void {
    assertValidRoomName(room);
    const state = this.rooms.get(room);
    if (state) state.hearsPresence = true;
    const { presence, requireRoom } = this.services;
    // Asked of the store each time: who is in a private room is its members' business alone.
    requireRoom.execute({ room, identity: this.identity }).then(
      () => this.peer.send({ kind: 'presence', room, users: presence.users(room) }),
      (error: unknown) => this.fail(error, { room }),
    );
  }

  private startCatchUp(room: string, state: RoomState, after: number): void {
    const generation = state.cursor.beginCatchUp(after);
    const client: CatchUpClient = {
      peer: this.peer,
      identity: () => this.identity,
      current: () => !this.closed && this.rooms.get(room) === state && state.cursor.isCurrent(generation),
      paceRead: (messages) => this.paceRead(messages),
    };
    catchUp(room, state.cursor, generation, client, this.services).catch((error: unknown) => {
      if (!client.current()) return;
      // Live delivery from here would leave a hole: the room is left, to be joined again.
      this.exit(room);
      this.fail(error, { room });
    });
  }

  /** Connections without a user read at a bounded rate per address, so that none can load the store for everyone. */
  private async paceRead(messages: number): Promise<void> {
    const { anonymousReads, clock } = this.services;
    while (!this.identity && !this.closed) {
      const waitSeconds = await anonymousReads.take(this.address, messages);
      if (waitSeconds === 0) return;
      await new Promise<void>((resolve) => clock.schedule(waitSeconds * 1000, resolve));
    }
  }

  private enter(room: string): RoomState {
    const existing = this.rooms.get(room);
    if (existing) return existing;
    const state: RoomState = { cursor: new RoomCursor(), hearsPresence: false };
    this.rooms.set(room, state);
    this.services.directory.enter(room, this, this.username);
    return state;
  }

  private exit(room: string): void {
    if (!this.rooms.delete(room)) return;
    this.services.directory.exit(room, this, this.username);
  }

  /** Who the connection is, with the presence changes that follow. */
  private identify(identity: Identity | undefined): void {
    const before = this.username;
    this.identity = identity;
    this.services.directory.identify(this.rooms.keys(), before, this.username);
    this.services.identified(this, before, this.username);
  }

  /** Rooms the cap counts: direct conversations are put in by the server, and do not. */
  private roomsCounted(): number {
    let count = 0;
    for (const room of this.rooms.keys()) if (!room.startsWith(DIRECT_PREFIX)) count += 1;
    return count;
  }

  // Private conversations -------------------------------------------------

  private useExtensions(): void {
    this.extended = true;
    if (this.identity) this.enterDirects();
  }

  private converse(command: ConversationCommand): void {
    const context = 'room' in command ? { room: command.room } : undefined;
    const run = async () => {
      const { replies, enter } = await converse(command, this.identity, this.services.conversations);
      for (const reply of replies) this.peer.send(reply);
      if (enter !== undefined) this.enterAsked(enter);
    };
    // Creating and opening put the connection in a room: in order with its joins and leaves.
    if (command.kind === 'create' || command.kind === 'direct') this.changeRooms(undefined, run);
    else run().catch((error: unknown) => this.fail(error, context));
  }

  /** A room the client asked for (created, opened): in it now, and hearing its presence. */
  private enterAsked(room: string): void {
    if (this.closed) return;
    this.enter(room).hearsPresence = true;
    this.peer.send({ kind: 'joined', room });
  }

  /** The user's direct conversations, live from now on: a direct message reaches every connection of both users. */
  private enterDirects(): void {
    const identity = this.identity as Identity;
    this.services.memberships.directsOf(identity.username, DIRECTS_ON_AUTH).then(
      (rooms) => {
        if (this.closed || this.identity !== identity) return;
        for (const room of rooms) this.enter(room).hearsPresence = true;
      },
      (error: unknown) => this.fail(error, undefined),
    );
  }

  /** Whether the connection speaks for this user. */
  isUser(username: string): boolean {
    return this.identity !== undefined && this.identity.username.toLowerCase() === username.toLowerCase();
  }

  /** Hears what happened to its user's rooms on any node (see ChatSessions). */
  membershipChanged(event: Exclude<MembershipEvent, { kind: 'resync' }>, conversation?: Conversation): void {
    if (!this.extended) return;
    switch (event.kind) {
      case 'added':
        if (!conversation) return;
        this.peer.send({ kind: 'added', conversation });
        if (conversation.kind === 'direct') this.enter(event.room).hearsPresence = true;
        return;
      case 'removed':
        this.exit(event.room);
        this.peer.send({ kind: 'removed', room: event.room, username: event.username });
        return;
      case 'read':
        this.peer.send({ kind: 'read', room: event.room, id: event.id });
        return;
    }
  }

  /** Events may have been missed: out of every private room and direct conversation the user no longer belongs to. */
  async recheckMemberships(): Promise<void> {
    const identity = this.identity;
    if (!identity) return;
    for (const room of [...this.rooms.keys()]) {
      if (!room.startsWith(PRIVATE_PREFIX) && !room.startsWith(DIRECT_PREFIX)) continue;
      try {
        await this.services.requireRoom.execute({ room, identity });
      } catch (error) {
        if (!isDomainError(error) || error.code !== 'UNKNOWN_ROOM' || !this.rooms.has(room)) continue;
        this.exit(room);
        if (this.extended) this.peer.send({ kind: 'removed', room, username: identity.username });
      }
    }
  }

  private fail(error: unknown, context: ReplyContext | undefined): void {
    this.peer.send({ kind: 'error', error, context });
  }
}

/** What an error names so that the client knows which request failed. */
function contextOf(command: ChatCommand): ReplyContext | undefined {
  if (command.kind === 'post') return { room: command.room, clientId: command.clientId };
  return 'room' in command ? { room: command.room } : undefined;
}

/** Frames only a client of the extensions sends (the original protocol has auth, chat and `history N`). */
function speaksExtensions(command: ChatCommand): boolean {
  switch (command.kind) {
    case 'auth':
      return false;
    case 'post':
      return command.typed === true;
    case 'history':
      return command.original !== true;
    default:
      return true;
  }
}
