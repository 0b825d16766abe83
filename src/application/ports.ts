import type { Message, NewMessage } from '../domain/message.js';
import type { Conversation, MemberRole, RoomKind } from '../domain/room.js';
import type { EndReason, LoginSession } from '../domain/session.js';
import type { Identity, NewUser, Role, User } from '../domain/user.js';

export interface UserRepository {
  /** Throws DomainError USERNAME_TAKEN when the name exists in any case, a deleted account's included. */
  create(user: NewUser): Promise<User>;
  /** Deleted accounts are found too: their names stay taken. */
  findByUsername(username: string): Promise<User | undefined>;
  findById(id: number): Promise<User | undefined>;
  setPasswordHash(id: number, passwordHash: string): Promise<void>;
  setRole(id: number, role: Role): Promise<void>;
  /** Suspends the user from `at`, or reinstates it (undefined). */
  setSuspended(id: number, at: Date | undefined): Promise<void>;
  /** The account is deleted: its password forgotten, its name kept, so that nobody can take it over. */
  markDeleted(id: number, at: Date): Promise<void>;
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
  /** Edits and deletions too, in id order among the messages: what a catch-up sends. History shows messages as they are now. */
  withChanges?: boolean;
}

export interface MessageRepository {
  /**
   * Resolves once the message is durable. Ids are dense and global (1, 2, 3...),
   * handed out in commit order, so a committed id means every lower one is committed.
   */
  append(message: NewMessage): Promise<Appended>;
  page(query: HistoryQuery): Promise<Message[]>;
  /** A chat message as it is now (not a change), or undefined. */
  find(id: number): Promise<Message | undefined>;
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

/** Whom a token speaks for: the user, and the session that can be revoked. */
export interface TokenSubject {
  username: string;
  sessionId: string;
}

export interface TokenService {
  /** A token for the subject until `expiresAt`, which may be cut to whole seconds: the answer says when it really ends. */
  issue(subject: TokenSubject, expiresAt: Date): { token: string; expiresAt: Date };
  /** Throws DomainError INVALID_TOKEN for anything but a genuine, unexpired token naming a session. */
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
  SessionRepository: Symbol('SessionRepository'),
  SecretTokens: Symbol('SecretTokens'),
  Revocations: Symbol('Revocations'),
  SessionPolicy: Symbol('SessionPolicy'),
  SessionStates: Symbol('SessionStates'),
  PasswordCheck: Symbol('PasswordCheck'),
  SessionIssuer: Symbol('SessionIssuer'),
  VerifyAccess: Symbol('VerifyAccess'),
  RefreshSession: Symbol('RefreshSession'),
  ListSessions: Symbol('ListSessions'),
  RevokeSession: Symbol('RevokeSession'),
  LogOutEverywhere: Symbol('LogOutEverywhere'),
  ChangePassword: Symbol('ChangePassword'),
  DeleteAccount: Symbol('DeleteAccount'),
  SuspendAccount: Symbol('SuspendAccount'),
  ReinstateAccount: Symbol('ReinstateAccount'),
  SetRole: Symbol('SetRole'),
  PruneSessions: Symbol('PruneSessions'),
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

/** A rotating refresh credential, as stored: only its digest. */
export interface RefreshCredential {
  readonly digest: string;
  readonly sessionId: string;
  /** When it was rotated out; unset while it is the session's current one. */
  readonly replacedAt?: Date;
  /** The digest of the session's current credential (the one not rotated out), if it has one. */
  readonly current?: string;
}

export interface SessionRepository {
  /** Stores a new session under a fresh random id; with a digest, that is its first refresh credential. */
  create(session: Omit<LoginSession, 'id' | 'endedAt' | 'endReason'>, refreshDigest?: string): Promise<LoginSession>;
  find(id: string): Promise<LoginSession | undefined>;
  /** The user's sessions that were not ended and have not expired, the latest seen first. */
  listOpen(userId: number, now: Date): Promise<LoginSession[]>;
  /** The session was used at `at` (written at most about once a minute per session). */
  touch(id: string, at: Date): Promise<void>;
  /** Ends these sessions of the user (all but `except` when `ids` is 'all'); resolves the ids it ended, not those ended before. */
  end(userId: number, ids: readonly string[] | 'all', at: Date, reason: EndReason, except?: string): Promise<string[]>;
  /**
   * Which of these ids do not name an active session (isSessionActive, in
   * one query): unknown, ended, expired at `now`, or of a user suspended or
   * deleted; each with the reason it ended (`revoked` when it just ran out or
   * is unknown, `suspended` for a user suspended in a race with its login).
   */
  inactiveAmong(ids: readonly string[], now: Date): Promise<Array<{ id: string; reason: EndReason }>>;
  findRefresh(digest: string): Promise<RefreshCredential | undefined>;
  /**
   * Rotates `retire` out for `next`, and moves the session's end to
   * `expiresAt`, only if `retire` was not rotated out already: false when
   * another request did it first.
   */
  replaceRefresh(retire: string, next: string, at: Date, expiresAt: Date): Promise<boolean>;
  /** Forgets sessions that expired or ended before `before`, with their credentials; resolves how many. */
  prune(before: Date): Promise<number>;
}

/**
 * Random bearer secrets that are kept only as digests (refresh
 * credentials): a copy of the store cannot be replayed.
 */
export interface SecretTokens {
  issue(): { token: string; digest: string };
  /** undefined for text that could not be a token: nothing is looked up for it. */
  digest(token: string): string | undefined;
}

/** Sessions that have just ended, for every node to unauthorize their connections. */
export interface Revocation {
  readonly sessionIds: readonly string[];
  readonly reason: EndReason;
}

/**
 * Carries revocations to every node of a deployment (this one included,
 * at once). Delivery is best effort: a node that missed one finds it at its
 * next check of its sessions (SESSION_CHECK_INTERVAL).
 */
export interface Revocations {
  publish(revocation: Revocation): void;
  /**
   * `missed` is called when revocations may have been lost (the link to the
   * other nodes was down): time to check. Returns the unsubscribe.
   */
  subscribe(listener: (revocation: Revocation) => void, missed?: () => void): () => void;
}

/** Lifetimes of sessions and their tokens, in seconds. */
export interface SessionPolicy {
  /** A token of the original /api/reg and /api/login, and its session (TOKEN_TTL). */
  readonly tokenTtlSeconds: number;
  /** An access token of a refresh session (ACCESS_TOKEN_TTL). */
  readonly accessTtlSeconds: number;
  /** A refresh session not refreshed for this long ends (REFRESH_TTL). */
  readonly refreshTtlSeconds: number;
}
