/**
 * A node's chat sessions on in-memory adapters and a manual clock, with
 * recording clients: what the unit tests of ChatSession drive.
 */
import { Authenticate } from '../../src/application/authenticate.js';
import { ChangeMessage } from '../../src/application/change-message.js';
import { CreatePrivateRoom } from '../../src/application/create-private-room.js';
import { InviteMember } from '../../src/application/invite-member.js';
import { ListConversations } from '../../src/application/list-conversations.js';
import { ListMembers } from '../../src/application/list-members.js';
import { MarkRead } from '../../src/application/mark-read.js';
import { OpenDirect } from '../../src/application/open-direct.js';
import { PromoteMember } from '../../src/application/promote-member.js';
import { RemoveMember } from '../../src/application/remove-member.js';
import { SearchMessages } from '../../src/application/search-messages.js';
import type { ChatCommand, ChatPeer, ChatReply } from '../../src/application/chat-exchange.js';
import { ChatSessions } from '../../src/application/chat-sessions.js';
import { JoinRoom } from '../../src/application/join-room.js';
import type { MessageRepository } from '../../src/application/ports.js';
import { PostMessage } from '../../src/application/post-message.js';
import { RecallHistory } from '../../src/application/recall-history.js';
import { RequireRoom } from '../../src/application/require-room.js';
import { isDomainError } from '../../src/domain/errors.js';
import { ClockedRateLimiter } from '../fakes/clocked-rate-limiter.js';
import { FakeTokenService } from '../fakes/fake-token-service.js';
import { FixedClock } from '../fakes/fixed-clock.js';
import { InMemoryMessageRepository } from '../fakes/in-memory-message-repository.js';
import { InMemoryMembershipRepository } from '../fakes/in-memory-membership-repository.js';
import { InMemoryMessageSearch } from '../fakes/in-memory-message-search.js';
import { InMemoryRoomRepository } from '../fakes/in-memory-room-repository.js';
import { InMemorySessionRepository } from '../fakes/in-memory-session-repository.js';
import { InMemoryUserRepository } from '../fakes/in-memory-user-repository.js';
import { RecordingRevocations } from '../fakes/recording-revocations.js';
import { SessionStates } from '../../src/application/session-states.js';
import { RecordingMembershipEvents } from '../fakes/recording-membership-events.js';
import { RecordingFanout } from '../fakes/recording-fanout.js';
import { RecordingPresence } from '../fakes/recording-presence.js';

/** A client as the session sees it: replies recorded as short lines, a send buffer that drains when the test says. */
export class RecordingPeer implements ChatPeer {
  readonly replies: ChatReply[] = [];
  private gate: { promise: Promise<void>; open: () => void } | undefined;

  send(reply: ChatReply): void {
    this.replies.push(reply);
  }

  drained(): Promise<void> {
    return this.gate?.promise ?? Promise.resolve();
  }

  /** From now on the client reads nothing until release(). */
  stall(): void {
    let open = () => {};
    const promise = new Promise<void>((resolve) => (open = resolve));
    this.gate = { promise, open };
  }

  release(): void {
    this.gate?.open();
    this.gate = undefined;
  }

  /** Every reply as one line, e.g. "joined dev", "catchup dev 1,2 more", "error NOT_A_MEMBER dev". */
  get lines(): string[] {
    return this.replies.map(line);
  }

  /** The ids sent for a room, live and caught up, in the order sent. */
  idsOf(room: string): number[] {
    return this.replies.flatMap((reply) => {
      if (reply.kind === 'messages') return reply.messages.filter((m) => m.room === room).map(({ id }) => id);
      if (reply.kind === 'catchup' && reply.room === room) return reply.messages.map(({ id }) => id);
      return [];
    });
  }

  clear(): void {
    this.replies.length = 0;
  }
}

export function line(reply: ChatReply): string {
  const ids = (messages: ReadonlyArray<{ id: number }>) => messages.map(({ id }) => id).join(',');
  switch (reply.kind) {
    case 'authenticated':
      return `authenticated ${reply.username}`;
    case 'expired':
      return 'expired';
    case 'messages':
      return `messages ${ids(reply.messages)}`;
    case 'duplicate':
      return `duplicate ${reply.message.id}`;
    case 'history':
      return `history ${reply.room} ${ids(reply.messages)}${reply.more ? ' more' : ''}${reply.original ? ' original' : ''}`;
    case 'catchup':
      return `catchup ${reply.room} ${ids(reply.messages)}${reply.more ? ' more' : ''}`;
    case 'joined':
    case 'left':
      return `${reply.kind} ${reply.room}`;
    case 'presence':
      return `presence ${reply.room} ${reply.users.join(',')}`;
    case 'presenceChange':
      return `presence ${reply.room} ${reply.present ? '+' : '-'}${reply.username}`;
    case 'error': {
      const code = isDomainError(reply.error) ? reply.error.code : 'INTERNAL';
      return ['error', code, reply.context?.room, reply.context?.clientId].filter(Boolean).join(' ');
    }
    case 'created':
      return `created ${reply.room} ${reply.title}`;
    case 'invited':
    case 'removed':
    case 'promoted':
    case 'direct':
      return `${reply.kind} ${reply.room} ${reply.username}`;
    case 'members':
      return `members ${reply.room} ${reply.members.map(({ username, role }) => `${username}:${role}`).join(',')}`;
    case 'conversations':
      return `conversations ${reply.conversations.map(({ room, unread }) => `${room}:${unread}`).join(',')}`;
    case 'added':
      return `added ${reply.conversation.room}`;
    case 'read':
      return `read ${reply.room} ${reply.id}`;
    case 'search':
      return `search ${ids(reply.results)}${reply.more ? ' more' : ''}`;
    case 'revoked':
      return `revoked ${reply.reason}`;
  }
}

/** Lets every promise chain that can move, move: sessions answer asynchronously, never on a timer of their own. */
export const settle = async () => {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
};

export interface Options {
  historyMax?: number;
  roomsPerConnection?: number;
  /** Messages per user: burst, refilled at one a second. */
  messageBurst?: number;
  /** Messages read without a user, per address: burst, refilled at this rate. */
  anonymousBurst?: number;
  anonymousPerSecond?: number;
  messages?: MessageRepository;
}

export function setup(options: Options = {}) {
  const clock = new FixedClock();
  const store = new InMemoryMessageRepository();
  const messages = options.messages ?? store;
  const rooms = new InMemoryRoomRepository(() => clock.now());
  const fanout = new RecordingFanout();
  const tokens = new FakeTokenService(clock, 60_000);
  const presence = new RecordingPresence();
  const limits = { historyMax: options.historyMax ?? 3, messageMaxCharacters: 100, roomsPerConnection: options.roomsPerConnection ?? 3 };
  const members = new InMemoryMembershipRepository(rooms, store);
  const users = new InMemoryUserRepository();
  // Login sessions: every user's `s-<name>` is active in the store until a test ends it.
  const loginSessions = new InMemorySessionRepository(users);
  const revocations = new RecordingRevocations();
  const sessionStates = new SessionStates(loginSessions, revocations, clock);
  const events = new RecordingMembershipEvents();
  const requireRoom = new RequireRoom(rooms, members);
  const anonymousReads = new ClockedRateLimiter(clock, options.anonymousBurst, options.anonymousPerSecond);
  const postMessage = new PostMessage(messages, fanout, clock, limits, new ClockedRateLimiter(clock, options.messageBurst, 1), tokens);
  const sessions = new ChatSessions({
    authenticate: new Authenticate(tokens, sessionStates),
    postMessage,
    changeMessage: new ChangeMessage(messages, postMessage, users),
    recallHistory: new RecallHistory(messages, requireRoom, limits),
    joinRoom: new JoinRoom(rooms, members, requireRoom),
    requireRoom,
    messages,
    presence,
    anonymousReads,
    clock,
    limits,
    conversations: {
      create: new CreatePrivateRoom(rooms, events),
      invite: new InviteMember(users, members, requireRoom, events),
      remove: new RemoveMember(users, members, requireRoom, events),
      promote: new PromoteMember(users, members, requireRoom),
      members: new ListMembers(members, requireRoom),
      direct: new OpenDirect(users, rooms, members, events),
      list: new ListConversations(members),
      read: new MarkRead(members, requireRoom, events),
      search: new SearchMessages(new InMemoryMessageSearch(store, rooms)),
    },
    memberships: members,
    events,
    sessionStates,
  });
  // Live delivery as a transport does it: each published message to its room's members, through their cursors.
  fanout.subscribe((message) => {
    for (const member of sessions.directory.members(message.room) ?? []) {
      const fresh = member.live(message.room, [message]);
      if (fresh.length > 0) member.peer.send({ kind: 'messages', messages: fresh });
    }
  });
  const connect = (address = '203.0.113.7') => {
    const peer = new RecordingPeer();
    return { peer, session: sessions.open(peer, address) };
  };
  const userIds = new Map<string, number>();
  /** An `auth` with a token of the user's login session `sessionId` (opened in the store on first use). */
  const auth = (username: string, sessionId = `s-${username}`): ChatCommand => {
    if (!loginSessions.sessions.has(sessionId)) {
      const user = users.byId(userIds.get(username) ?? 0) ?? users.add({ username, passwordHash: 'hashed:x' });
      userIds.set(username, user.id);
      const now = clock.now();
      loginSessions.add({
        id: sessionId,
        userId: user.id,
        kind: 'token',
        createdAt: now,
        lastSeenAt: now,
        expiresAt: new Date(now.getTime() + 3_600_000),
        device: { userAgent: '', address: '' },
      });
    }
    return { kind: 'auth', username, token: tokens.issueFor(username, sessionId).token };
  };
  /** Registers users, so that invitations and direct conversations can name them. */
  const register = async (...names: string[]) => {
    for (const username of names) userIds.set(username, users.add({ username, passwordHash: 'hashed:x' }).id);
  };
  const post = (username: string, text: string, room = 'general', clientId?: string): ChatCommand => ({ kind: 'post', username, text, room, clientId });
  /** Stores messages as if posted elsewhere before the test's connections came. */
  const seed = async (room: string, count: number) => {
    await rooms.ensure(room);
    for (let i = 0; i < count; i++) await store.append({ room, username: 'zoe', text: `${room} ${i}`, createdAt: clock.now() });
  };
  return {
    clock,
    store,
    rooms,
    members,
    users,
    events,
    tokens,
    fanout,
    presence,
    sessions,
    anonymousReads,
    connect,
    auth,
    post,
    seed,
    register,
    loginSessions,
    revocations,
    sessionStates,
  };
}
