import type { Message, NewMessage } from '../domain/message.js';
import type { Conversation, MemberRole, RoomKind } from '../domain/room.js';
import type { Identity, User } from '../domain/user.js';

export interface UserRepository {
  /** Throws DomainError USERNAME_TAKEN when the name exists in any case. */
  create(user: Omit<User, 'id'>): Promise<User>;
  findByUsername(username: string): Promise<User | undefined>;
}

export interface Appended {
  message: Message;
  /** The message repeats a stored one's client id: this is the stored one, and nothing new was stored. */
  duplicate: boolean;
}

/** Up to `limit` messages of a room, oldest first: the latest ones, or those before or after an id. */
export interface HistoryQuery {
  room: string;
  limit: number;
  before?: number;
  after?: number;
}

export interface MessageRepository {
  /**
   * Resolves once the message is durable. Ids are dense and global (1, 2, 3...),
   * handed out in commit order, so a committed id means every lower one is committed.
   */
  append(message: NewMessage): Promise<Appended>;
  page(query: HistoryQuery): Promise<Message[]>;
  /** Every room's messages with ids above `afterId`, oldest first: what a fan-out missed. */
  since(afterId: number, limit: number): Promise<Message[]>;
  /** The highest committed id, 0 when nothing is stored. */
  lastId(): Promise<number>;
}

export interface RoomRepository {
  /** Creates the public room unless a room of that name exists. */
  ensure(name: string): Promise<void>;
  /** A room exists once created, and for as long as it holds a message. */
  exists(name: string): Promise<boolean>;
  /** Forgets the public rooms created before `createdBefore` that never held a message (never `general`); resolves how many. */
  removeUnused(createdBefore: Date): Promise<number>;
  /** Undefined when there is no such room. A room's kind never changes. */
  kindOf(name: string): Promise<RoomKind | undefined>;
  /** A new private room with a name of the server's, its creator its first owner. */
  createPrivate(title: string, owner: string): Promise<string>;
  /** The one direct conversation of two users (as registered), made on first use; both are its members. */
  openDirect(a: string, b: string): Promise<{ room: string; created: boolean }>;
}

export interface RoomMember {
  username: string;
  role: MemberRole;
}

/** Users' relations to rooms: who belongs where, in which role, and how far each has read. Usernames as registered. */
export interface MembershipRepository {
  roleOf(room: string, username: string): Promise<MemberRole | undefined>;
  /** In the order they joined. */
  members(room: string): Promise<RoomMember[]>;
  /** False when the user was a member already (its role is left as it was). */
  add(room: string, username: string, role: MemberRole): Promise<boolean>;
  /** False when the user was not a member. A private room that loses its last owner gets its earliest member as owner. */
  remove(room: string, username: string): Promise<boolean>;
  setRole(room: string, username: string, role: MemberRole): Promise<void>;
  /** The rooms the user belongs to, general included, most recently active first. */
  conversations(username: string): Promise<Conversation[]>;
  /** Moves the user's read marker to `id` unless it is past it already; resolves the marker. */
  markRead(username: string, room: string, id: number): Promise<number>;
  /** The user's direct conversations, most recently active first. */
  directsOf(username: string, limit: number): Promise<string[]>;
}

export interface SearchQuery {
  /** Whose rooms: public ones, and the private and direct ones this user is a member of. */
  username: string;
  /** Every one must match, as a word or the beginning of one. */
  terms: string[];
  before?: number;
  limit: number;
}

export interface MessageSearch {
  /** Newest first. */
  search(query: SearchQuery): Promise<Message[]>;
}

/**
 * What happened to a user's rooms, told to every node so that each user's
 * connections, wherever they are, follow at once.
 */
export type MembershipEvent =
  | { kind: 'added'; room: string; username: string }
  | { kind: 'removed'; room: string; username: string }
  | { kind: 'read'; room: string; username: string; id: number }
  /** Heard, never published: events may have been missed (Redis was away), check against the store. */
  | { kind: 'resync' };

export interface MembershipEvents {
  publish(event: MembershipEvent): void;
  subscribe(listener: (event: MembershipEvent) => void): () => void;
}

/** Delivers stored messages to every listener, in the order they are published. */
export interface MessageFanout {
  publish(message: Message): void;
  subscribe(listener: (message: Message) => void): () => void;
}

export interface TokenService {
  issue(username: string): { token: string; expiresAt: Date };
  /** Throws DomainError INVALID_TOKEN for anything but a genuine, unexpired token. */
  verify(token: string): Identity;
  /** Whether `text` holds a token this service issued, expired or not, whatever surrounds it. */
  foundIn(text: string): boolean;
}

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(password: string, hash: string): Promise<boolean>;
}

export interface Clock {
  now(): Date;
  /** Calls `callback` once, `ms` from now, unless cancelled first; a pending call never keeps the process alive. */
  schedule(ms: number, callback: () => void): () => void;
}

export interface ChatLimits {
  /** The most messages one history answer or catch-up page holds. */
  readonly historyMax: number;
  readonly messageMaxCharacters: number;
  /** Rooms one connection may be in at once, general included. */
  readonly roomsPerConnection: number;
}

/**
 * Keyed budgets against abuse, shared by every node of a deployment when
 * they share a Redis. Calls for one key settle in the order they were made,
 * so a budget never reorders what it admits.
 */
export interface RateLimiter {
  /** Spends `units` (default 1) of the key's budget: resolves 0 when allowed, else the whole seconds until it would be. Never rejects for a refusal. */
  take(key: string, units?: number): Promise<number>;
}

/** A budget kept by one connection alone, checked synchronously on every frame (so never shared between nodes). */
export interface Throttle {
  /** Spends one unit of the key's budget: 0 when allowed, else the seconds until it would be. */
  take(key: string): number;
  /** Drops a key's budget, for keys that will not come back (a closed connection). */
  forget(key: string): void;
}

export interface Logger {
  info(event: string, fields?: Record<string, unknown>): void;
  warn(event: string, fields?: Record<string, unknown>): void;
  error(event: string, fields?: Record<string, unknown>): void;
}

export const TYPES = {
  UserRepository: Symbol('UserRepository'),
  MessageRepository: Symbol('MessageRepository'),
  RoomRepository: Symbol('RoomRepository'),
  MessageFanout: Symbol('MessageFanout'),
  TokenService: Symbol('TokenService'),
  PasswordHasher: Symbol('PasswordHasher'),
  Clock: Symbol('Clock'),
  ChatLimits: Symbol('ChatLimits'),
  Logger: Symbol('Logger'),
  Register: Symbol('Register'),
  Login: Symbol('Login'),
  Authenticate: Symbol('Authenticate'),
  PostMessage: Symbol('PostMessage'),
  RecallHistory: Symbol('RecallHistory'),
  JoinRoom: Symbol('JoinRoom'),
  RequireRoom: Symbol('RequireRoom'),
  PruneRooms: Symbol('PruneRooms'),
  MessageBudget: Symbol('MessageBudget'),
  AnonymousReadBudget: Symbol('AnonymousReadBudget'),
  PresenceBoard: Symbol('PresenceBoard'),
  ChatSessions: Symbol('ChatSessions'),
  MembershipRepository: Symbol('MembershipRepository'),
  MessageSearch: Symbol('MessageSearch'),
  MembershipEvents: Symbol('MembershipEvents'),
  Conversations: Symbol('Conversations'),
} as const;

/** One thing the server needs before it should be sent traffic (the database, Redis, not shutting down). */
export interface ReadinessProbe {
  readonly name: string;
  /** What /readyz reports for this probe when check() is false, throws or is late: "unreachable", "shutting down". */
  readonly notReady: string;
  check(): Promise<boolean> | boolean;
}

/**
 * What the edges and the message store report as they work, for metrics.
 * The chat gateway and the message repository declare the part they call
 * (GatewayObserver, StorageObserver). The calls sit on hot paths:
 * implementations only count, never wait.
 */
export interface ChatMetrics {
  /** A batch of `batchSize` messages committed, `seconds` after its INSERT began. */
  stored(batchSize: number, seconds: number): void;
  /** `frames` chat frames written to each of `receivers` connections. */
  delivered(frames: number, receivers: number): void;
  /** A message's frames written to its room, `seconds` after it was posted. */
  fannedOut(seconds: number): void;
  /** A WebSocket error frame with this code. */
  errorSent(code: string): void;
  /** An HTTP error reply with this code. */
  httpErrorSent(code: string): void;
  /** A throttle said no: login_account, login_address, register_address or frames. */
  refused(limit: string): void;
}

/** For tests and for adapters built without metrics. */
export const NO_METRICS: ChatMetrics = {
  stored() {},
  delivered() {},
  fannedOut() {},
  errorSent() {},
  httpErrorSent() {},
  refused() {},
};

/** The text GET /metrics serves. */
export interface MetricsExposition {
  readonly contentType: string;
  render(): Promise<string>;
}

/** Hears a user arrive in (true) or leave (false) a room, on whichever node that happens. */
export type PresenceListener = (room: string, user: string, present: boolean) => void;

/**
 * Which users are in which room, over every node of a deployment. Each node
 * reports its own users; a user is present while present on any node, and
 * listeners hear only those overall changes, so a user connected to two
 * nodes arrives once and leaves once.
 */
export interface PresenceBoard {
  /** This node's user became present (true) or absent (false) in the room. Repeating the current state changes nothing. */
  update(room: string, user: string, present: boolean): void;
  /** The room's users present on any node, sorted. */
  users(room: string): string[];
  /** Returns the unsubscribe. Listeners are called synchronously for this node's own changes. */
  subscribe(listener: PresenceListener): () => void;
}
