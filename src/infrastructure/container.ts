import 'reflect-metadata';
import { fileURLToPath } from 'node:url';
import { Container, type ResolutionContext } from 'inversify';
import type Koa from 'koa';
import type { Knex } from 'knex';
import { SystemClock } from '../adapters/clock/system-clock.js';
import { InProcessFanout } from '../adapters/fanout/in-process-fanout.js';
import { createHttpApp } from '../adapters/http/http-app.js';
import { CountingRateLimiter } from '../adapters/metrics/counting-rate-limiter.js';
import { CountingThrottle } from '../adapters/metrics/counting-throttle.js';
import { MetricsLog } from '../adapters/metrics/metrics-log.js';
import { PromMetrics } from '../adapters/metrics/prom-metrics.js';
import { InProcessMembershipEvents } from '../adapters/membership-events/in-process-membership-events.js';
import { RedisMembershipEvents } from '../adapters/membership-events/redis-membership-events.js';
import { KnexMembershipRepository } from '../adapters/persistence/knex-membership-repository.js';
import { KnexMessageRepository } from '../adapters/persistence/knex-message-repository.js';
import { KnexMessageSearch } from '../adapters/persistence/knex-message-search.js';
import { KnexRoomRepository } from '../adapters/persistence/knex-room-repository.js';
import { KnexSessionRepository } from '../adapters/persistence/knex-session-repository.js';
import { KnexUserRepository } from '../adapters/persistence/knex-user-repository.js';
import { RecentMessagesCache } from '../adapters/persistence/recent-messages-cache.js';
import { SearchIndexer } from '../adapters/persistence/search-indexer.js';
import { InProcessPresence } from '../adapters/presence/in-process-presence.js';
import { RedisFanout } from '../adapters/fanout/redis-fanout.js';
import { RedisPresence } from '../adapters/presence/redis-presence.js';
import { InProcessRevocations } from '../adapters/revocations/in-process-revocations.js';
import { RedisRevocations } from '../adapters/revocations/redis-revocations.js';
import { BoundedPasswordHasher } from '../adapters/security/bounded-password-hasher.js';
import { JwtTokenService } from '../adapters/security/jwt-token-service.js';
import { NicedBcryptHasher } from '../adapters/security/niced-bcrypt-hasher.js';
import { RandomSecretTokens } from '../adapters/security/random-secret-tokens.js';
import { InMemoryThrottle } from '../adapters/rate-limits/in-memory-throttle.js';
import { MemoryRateLimiter } from '../adapters/rate-limits/memory-rate-limiter.js';
import { RedisRateLimits } from '../adapters/rate-limits/redis-rate-limiter.js';
import { ChatGateway } from '../adapters/ws/chat-gateway.js';
import type { WsConnection } from '../adapters/ws/connection.js';
import { Authenticate } from '../application/authenticate.js';
import { ChangePassword } from '../application/change-password.js';
import { ChangeMessage } from '../application/change-message.js';
import { ChatSessions } from '../application/chat-sessions.js';
import { DeleteAccount } from '../application/delete-account.js';
import { JoinRoom } from '../application/join-room.js';
import { ListSessions } from '../application/list-sessions.js';
import { LogOutEverywhere } from '../application/log-out-everywhere.js';
import { Login } from '../application/login.js';
import { PasswordCheck } from '../application/password-check.js';
import {
  TYPES,
  type ChatLimits,
  type Logger,
  type MembershipEvents,
  type MembershipRepository,
  type MessageFanout,
  type PresenceBoard,
  type RateLimiter,
  type ReadinessProbe,
  type RoomRepository,
  type UserRepository,
  type Revocations,
  type SessionPolicy,
} from '../application/ports.js';
import type { ConversationUseCases } from '../application/conversation-use-cases.js';
import { CreatePrivateRoom } from '../application/create-private-room.js';
import { InviteMember } from '../application/invite-member.js';
import { ListConversations } from '../application/list-conversations.js';
import { ListMembers } from '../application/list-members.js';
import { MarkRead } from '../application/mark-read.js';
import { OpenDirect } from '../application/open-direct.js';
import { PromoteMember } from '../application/promote-member.js';
import { RemoveMember } from '../application/remove-member.js';
import { SearchMessages } from '../application/search-messages.js';
import { PostMessage } from '../application/post-message.js';
import { PruneRooms } from '../application/prune-rooms.js';
import { PruneSessions } from '../application/prune-sessions.js';
import { RecallHistory } from '../application/recall-history.js';
import { RefreshSession } from '../application/refresh-session.js';
import { Register } from '../application/register.js';
import { ReinstateAccount } from '../application/reinstate-account.js';
import { RequireRoom } from '../application/require-room.js';
import { RevokeSession } from '../application/revoke-session.js';
import { SessionIssuer } from '../application/session-issuer.js';
import { SessionStates } from '../application/session-states.js';
import { SetRole } from '../application/set-role.js';
import { SuspendAccount } from '../application/suspend-account.js';
import { VerifyAccess } from '../application/verify-access.js';
import { clientAddressFrom, requestIsHttpsFrom, trustedProxy } from './client-address.js';
import type { Config, Rate } from './config.js';
import { openDatabase } from './database.js';
import { resolveJwtSecret } from './jwt-secret.js';
import { startHousekeeping } from './housekeeping.js';
import { databaseProbe, ShutdownProbe } from './readiness.js';
import { createChatServer, type ChatServer } from './server.js';

export const WEB_CLIENT_DIRECTORY = fileURLToPath(new URL('../../public/', import.meta.url));

/** How long requests in flight get to finish once the chat has closed, in a graceful stop. */
const HTTP_STOP_GRACE_MS = 2000;

/** The edges, bound beside the use cases they call. */
const EDGES = {
  ChatGateway: Symbol('ChatGateway'),
  HttpApp: Symbol('HttpApp'),
  Server: Symbol('ChatServer'),
} as const;

export interface RunningApplication extends ChatServer {
  db: Knex;
  gateway: ChatGateway;
  sessions: ChatSessions<WsConnection>;
  /** The store changed behind the server's back (a backup restored into it): forget what is cached from it. On SIGHUP. */
  reload(): void;
  /** Graceful stop: clients told, writes in flight finished, every socket closed, database closed. */
  stop(): Promise<void>;
}

/** What is opened before anything is bound: connections to the database and to Redis. */
interface Resources {
  config: Config;
  logger: Logger;
  db: Knex;
  metrics: PromMetrics;
  store: KnexMessageRepository;
  fanout: MessageFanout;
  presence: PresenceBoard;
  membershipEvents: MembershipEvents;
  /** Budgets shared by the nodes of a deployment; each node's own without Redis. */
  rateLimits: RedisRateLimits | undefined;
  rooms: KnexRoomRepository;
  hasher: NicedBcryptHasher;
  readiness: ReadinessProbe[];
  /** Ended sessions to every node: through Redis with several, in process with one. */
  revocations: Revocations;
}

/** Everything main.ts and the end-to-end tests need: the real adapters, wired, not yet listening. */
export async function createApplication(config: Config, logger: Logger, schema?: string): Promise<RunningApplication> {
  const db = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, logger, ...(schema ? { schema } : {}) });
  const metrics = new PromMetrics();
  const store = new KnexMessageRepository(db, { observer: metrics });
  // Nodes sharing a database hear each other through Redis; a single node fans out, and knows presence, in process.
  const redisFanout = config.redisUrl ? await RedisFanout.start({ url: config.redisUrl, channel: config.redisChannel, log: store, logger }) : undefined;
  const redisPresence = config.redisUrl
    ? new RedisPresence({ url: config.redisUrl, channel: config.redisChannel, logger, expiryMs: config.presenceExpirySeconds * 1000 })
    : undefined;
  const rateLimits = config.redisUrl ? new RedisRateLimits({ url: config.redisUrl, channel: config.redisChannel, logger }) : undefined;
  const redisMembership = config.redisUrl ? new RedisMembershipEvents({ url: config.redisUrl, channel: config.redisChannel, logger }) : undefined;
  const redisRevocations = config.redisUrl ? new RedisRevocations({ url: config.redisUrl, channel: config.redisChannel, logger }) : undefined;
  const shutdown = new ShutdownProbe();
  const resources: Resources = {
    config,
    logger,
    db,
    metrics,
    store,
    fanout: redisFanout ?? new InProcessFanout(),
    presence: redisPresence ?? new InProcessPresence(),
    membershipEvents: redisMembership ?? new InProcessMembershipEvents(),
    rateLimits,
    rooms: new KnexRoomRepository(db),
    hasher: new NicedBcryptHasher(config.bcryptCost, config.limits.hashConcurrency),
    readiness: [databaseProbe(db), ...(redisFanout ? [{ name: 'redis', notReady: 'unreachable', check: () => redisFanout.isReady() }] : []), shutdown],
    revocations: redisRevocations ?? new InProcessRevocations(),
  };
  const container = buildContainer(resources);
  const server = container.get<ChatServer>(EDGES.Server);
  const gateway = container.get<ChatGateway>(EDGES.ChatGateway);
  const sessions = container.get<ChatSessions<WsConnection>>(TYPES.ChatSessions);
  const recentMessages = container.get<RecentMessagesCache>(TYPES.MessageRepository);
  metrics.countConnections({
    get connectionCount() {
      return gateway.connectionCount;
    },
    get authorizedCount() {
      return sessions.authorizedCount;
    },
  });
  const metricsLog = config.metricsIntervalSeconds > 0 ? new MetricsLog(logger, config.metricsIntervalSeconds, () => metrics.snapshot()) : undefined;
  const stopHousekeeping = startHousekeeping({
    pruneRooms: container.get<PruneRooms>(TYPES.PruneRooms),
    pruneSessions: container.get<PruneSessions>(TYPES.PruneSessions),
    sessionStates: container.get<SessionStates>(TYPES.SessionStates),
    searchIndexer: new SearchIndexer(db, logger),
    logger,
    sessionCheckEveryMs: config.sessions.checkIntervalSeconds * 1000,
  });

  return {
    ...server,
    db,
    gateway,
    sessions,
    reload: () => {
      recentMessages.invalidate();
      redisFanout?.restart().catch((error: unknown) => logger.error('fan-out restart failed', { error }));
      resources.rooms.forget();
    },
    async stop() {
      // Not ready from now on; stop accepting, refuse new posts, finish (and acknowledge) the writes already taken, then let clients go.
      shutdown.begin();
      // Ends with the runs in flight, awaited before the database closes.
      const housekeepingStopped = stopHousekeeping();
      const closed = new Promise<void>((resolve) => server.http.close(() => resolve()));
      server.http.closeIdleConnections();
      server.sockets.cutSilent();
      sessions.refusePosts();
      await store.whenIdle();
      // Own messages waiting behind another node's (the Redis fan-out delivers in id order) go out before the goodbyes.
      await redisFanout?.drain(1000);
      await gateway.close();
      sessions.stop();
      // After the gateway: its clients are gone, and the goodbye tells the other nodes at once.
      await Promise.all([redisFanout?.close(), redisPresence?.close(), rateLimits?.close(), redisMembership?.close(), redisRevocations?.close()]);
      // Requests still in flight get a moment; a socket that trickles or says nothing does not hold the stop.
      await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, HTTP_STOP_GRACE_MS).unref())]);
      server.http.closeAllConnections();
      server.sockets.cutAll();
      await closed;
      metricsLog?.stop();
      await housekeepingStopped;
      await Promise.all([db.destroy(), resources.hasher.close()]);
    },
  };
}

/**
 * The composition root: every port bound to its adapter, every use case to
 * the ports it names, and the edges to the use cases. Use cases stay free of
 * DI decorators: they are plain classes, built here. Nothing else asks the
 * container for anything.
 */
function buildContainer({
  config,
  logger,
  db,
  metrics,
  store,
  fanout,
  presence,
  membershipEvents,
  rateLimits,
  rooms,
  hasher,
  readiness,
  revocations,
}: Resources): Container {
  const { limits } = config;
  const container = new Container({ defaultScope: 'Singleton' });
  const chatLimits: ChatLimits = {
    historyMax: config.historyMax,
    messageMaxCharacters: config.messageMax,
    roomsPerConnection: limits.roomsPerConnection,
  };
  const clientAddress = clientAddressFrom(limits.trustedProxies);
  const budget = (rate: Rate, limit: string): RateLimiter =>
    new CountingRateLimiter(rateLimits ? rateLimits.limiter(limit, rate) : new MemoryRateLimiter(rate), limit, metrics);

  container.bind(TYPES.UserRepository).toConstantValue(new KnexUserRepository(db));
  // One more than a page: the extra message tells whether more follow.
  container.bind(TYPES.MessageRepository).toConstantValue(new RecentMessagesCache(store, fanout, config.historyMax + 1));
  container.bind(TYPES.RoomRepository).toConstantValue(rooms);
  container.bind(TYPES.MessageFanout).toConstantValue(fanout);
  container.bind(TYPES.PresenceBoard).toConstantValue(presence);
  container.bind(TYPES.MembershipEvents).toConstantValue(membershipEvents);
  container.bind(TYPES.MembershipRepository).toConstantValue(new KnexMembershipRepository(db));
  container.bind(TYPES.MessageSearch).toConstantValue(new KnexMessageSearch(db));
  container.bind(TYPES.TokenService).toConstantValue(new JwtTokenService(resolveJwtSecret(config.jwtSecret, config.dataDir, logger)));
  container.bind(TYPES.PasswordHasher).toConstantValue(new BoundedPasswordHasher(hasher, limits.hashConcurrency, limits.hashQueueMax));
  container.bind(TYPES.Clock).toConstantValue(new SystemClock());
  container.bind(TYPES.Logger).toConstantValue(logger);
  container.bind(TYPES.ChatLimits).toConstantValue(chatLimits);
  container.bind(TYPES.MessageBudget).toConstantValue(budget(bucket(limits.messagesPerSecond, limits.messageBurst), 'messages'));
  container.bind(TYPES.AnonymousReadBudget).toConstantValue(budget(limits.anonymousReads, 'anonymous_reads'));

  bindAccounts(container, config, db, revocations);
  container.bind(TYPES.Register).toDynamicValue((c) => new Register(c.get(TYPES.UserRepository), c.get(TYPES.PasswordHasher), c.get(TYPES.SessionIssuer)));
  container.bind(TYPES.Login).toDynamicValue((c) => new Login(c.get(TYPES.UserRepository), c.get(TYPES.PasswordCheck), c.get(TYPES.SessionIssuer)));
  container.bind(TYPES.Authenticate).toDynamicValue((c) => new Authenticate(c.get(TYPES.TokenService), c.get(TYPES.SessionStates)));
  container
    .bind(TYPES.PostMessage)
    .toDynamicValue(
      (c) =>
        new PostMessage(
          c.get(TYPES.MessageRepository),
          c.get(TYPES.MessageFanout),
          c.get(TYPES.Clock),
          c.get(TYPES.ChatLimits),
          c.get(TYPES.MessageBudget),
          c.get(TYPES.TokenService),
        ),
    );
  container
    .bind(TYPES.RecallHistory)
    .toDynamicValue((c) => new RecallHistory(c.get(TYPES.MessageRepository), c.get(TYPES.RequireRoom), c.get(TYPES.ChatLimits)));
  container.bind(TYPES.JoinRoom).toDynamicValue((c) => new JoinRoom(c.get(TYPES.RoomRepository), c.get(TYPES.MembershipRepository), c.get(TYPES.RequireRoom)));
  container.bind(TYPES.RequireRoom).toDynamicValue((c) => new RequireRoom(c.get(TYPES.RoomRepository), c.get(TYPES.MembershipRepository)));
  container.bind(TYPES.Conversations).toDynamicValue((c): ConversationUseCases => {
    const [users, rooms, members, requireRoom, events] = [
      c.get<UserRepository>(TYPES.UserRepository),
      c.get<RoomRepository>(TYPES.RoomRepository),
      c.get<MembershipRepository>(TYPES.MembershipRepository),
      c.get<RequireRoom>(TYPES.RequireRoom),
      c.get<MembershipEvents>(TYPES.MembershipEvents),
    ];
    return {
      create: new CreatePrivateRoom(rooms, events),
      invite: new InviteMember(users, members, requireRoom, events),
      remove: new RemoveMember(users, members, requireRoom, events),
      promote: new PromoteMember(users, members, requireRoom),
      members: new ListMembers(members, requireRoom),
      direct: new OpenDirect(users, rooms, members, events),
      list: new ListConversations(members),
      read: new MarkRead(members, requireRoom, events),
      search: new SearchMessages(c.get(TYPES.MessageSearch)),
    };
  });
  container.bind(TYPES.PruneRooms).toDynamicValue((c) => new PruneRooms(c.get(TYPES.RoomRepository), c.get(TYPES.Clock)));
  container.bind(TYPES.ChatSessions).toDynamicValue(
    (c) =>
      new ChatSessions<WsConnection>({
        authenticate: c.get(TYPES.Authenticate),
        postMessage: c.get(TYPES.PostMessage),
        changeMessage: new ChangeMessage(c.get(TYPES.MessageRepository), c.get(TYPES.PostMessage), c.get(TYPES.UserRepository)),
        recallHistory: c.get(TYPES.RecallHistory),
        joinRoom: c.get(TYPES.JoinRoom),
        requireRoom: c.get(TYPES.RequireRoom),
        messages: c.get(TYPES.MessageRepository),
        presence: c.get(TYPES.PresenceBoard),
        anonymousReads: c.get(TYPES.AnonymousReadBudget),
        clock: c.get(TYPES.Clock),
        limits: c.get(TYPES.ChatLimits),
        conversations: c.get(TYPES.Conversations),
        memberships: c.get(TYPES.MembershipRepository),
        events: c.get(TYPES.MembershipEvents),
        sessionStates: c.get(TYPES.SessionStates),
      }),
  );

  container.bind(EDGES.ChatGateway).toDynamicValue(
    (c) =>
      new ChatGateway(c.get(TYPES.ChatSessions), c.get(TYPES.MessageFanout), logger, {
        frameThrottle: new CountingThrottle(new InMemoryThrottle(bucket(limits.framesPerSecond, limits.frameBurst)), 'frames', metrics),
        maxConnections: limits.maxConnections,
        maxConnectionsPerAddress: limits.maxConnectionsPerAddress,
        allowedOrigins: limits.allowedOrigins,
        heartbeatMs: limits.heartbeatSeconds * 1000,
        sendBufferMaxBytes: limits.sendBufferMaxBytes,
        clientAddress,
        observer: metrics,
      }),
  );
  container.bind(EDGES.HttpApp).toDynamicValue((c) =>
    createHttpApp({ register: c.get(TYPES.Register), login: c.get(TYPES.Login), accounts: accountUseCases(c) }, logger, {
      clientAddress,
      limits: chatLimits,
      isHttps: requestIsHttpsFrom(limits.trustedProxies),
      webClientDirectory: WEB_CLIENT_DIRECTORY,
      throttles: {
        loginPerAccount: budget(limits.loginPerAccount, 'login_account'),
        loginPerAddress: budget(limits.loginPerAddress, 'login_address'),
        registerPerAddress: budget(limits.registerPerAddress, 'register_address'),
      },
      ops: { readiness, metrics },
      metrics,
    }),
  );
  container.bind(EDGES.Server).toDynamicValue((c) =>
    createChatServer(
      c.get<Koa>(EDGES.HttpApp),
      c.get(EDGES.ChatGateway),
      {
        perAddress: limits.maxConnectionsPerAddress,
        exempt: trustedProxy(limits.trustedProxies),
        headersTimeoutMs: limits.headersTimeoutSeconds * 1000,
        requestTimeoutMs: limits.requestTimeoutSeconds * 1000,
      },
      logger,
    ),
  );
  return container;
}

/**
 * Sessions and accounts: the ports they add, and their use cases. The
 * ports of the rest (users, tokens, hashes, clock) are bound beside them.
 */
function bindAccounts(container: Container, config: Config, db: Knex, revocations: Revocations): void {
  const policy: SessionPolicy = {
    tokenTtlSeconds: config.tokenTtlSeconds,
    accessTtlSeconds: config.sessions.accessTokenTtlSeconds,
    refreshTtlSeconds: config.sessions.refreshTtlSeconds,
  };
  container.bind(TYPES.SessionPolicy).toConstantValue(policy);
  container.bind(TYPES.Revocations).toConstantValue(revocations);
  container.bind(TYPES.SecretTokens).toConstantValue(new RandomSecretTokens());
  container.bind(TYPES.SessionRepository).toConstantValue(new KnexSessionRepository(db));
  container.bind(TYPES.SessionStates).toDynamicValue((c) => new SessionStates(c.get(TYPES.SessionRepository), c.get(TYPES.Revocations), c.get(TYPES.Clock)));
  container.bind(TYPES.PasswordCheck).toDynamicValue((c) => new PasswordCheck(c.get(TYPES.PasswordHasher)));
  container
    .bind(TYPES.SessionIssuer)
    .toDynamicValue(
      (c) =>
        new SessionIssuer(c.get(TYPES.SessionRepository), c.get(TYPES.TokenService), c.get(TYPES.SecretTokens), c.get(TYPES.Clock), c.get(TYPES.SessionPolicy)),
    );
  container
    .bind(TYPES.VerifyAccess)
    .toDynamicValue((c) => new VerifyAccess(c.get(TYPES.TokenService), c.get(TYPES.SessionRepository), c.get(TYPES.UserRepository), c.get(TYPES.Clock)));
  container
    .bind(TYPES.RefreshSession)
    .toDynamicValue(
      (c) =>
        new RefreshSession(
          c.get(TYPES.SessionRepository),
          c.get(TYPES.UserRepository),
          c.get(TYPES.SecretTokens),
          c.get(TYPES.SessionIssuer),
          c.get(TYPES.Revocations),
          c.get(TYPES.Clock),
          c.get(TYPES.SessionPolicy),
        ),
    );
  container.bind(TYPES.ListSessions).toDynamicValue((c) => new ListSessions(c.get(TYPES.SessionRepository), c.get(TYPES.Clock)));
  container.bind(TYPES.RevokeSession).toDynamicValue((c) => new RevokeSession(c.get(TYPES.SessionRepository), c.get(TYPES.Revocations), c.get(TYPES.Clock)));
  container
    .bind(TYPES.LogOutEverywhere)
    .toDynamicValue((c) => new LogOutEverywhere(c.get(TYPES.SessionRepository), c.get(TYPES.Revocations), c.get(TYPES.Clock)));
  container
    .bind(TYPES.ChangePassword)
    .toDynamicValue(
      (c) =>
        new ChangePassword(
          c.get(TYPES.UserRepository),
          c.get(TYPES.PasswordCheck),
          c.get(TYPES.PasswordHasher),
          c.get(TYPES.SessionRepository),
          c.get(TYPES.Revocations),
          c.get(TYPES.Clock),
        ),
    );
  container
    .bind(TYPES.DeleteAccount)
    .toDynamicValue(
      (c) =>
        new DeleteAccount(
          c.get(TYPES.UserRepository),
          c.get(TYPES.PasswordCheck),
          c.get(TYPES.SessionRepository),
          c.get(TYPES.Revocations),
          c.get(TYPES.Clock),
        ),
    );
  container
    .bind(TYPES.SuspendAccount)
    .toDynamicValue((c) => new SuspendAccount(c.get(TYPES.UserRepository), c.get(TYPES.SessionRepository), c.get(TYPES.Revocations), c.get(TYPES.Clock)));
  container.bind(TYPES.ReinstateAccount).toDynamicValue((c) => new ReinstateAccount(c.get(TYPES.UserRepository)));
  container.bind(TYPES.SetRole).toDynamicValue((c) => new SetRole(c.get(TYPES.UserRepository)));
  container.bind(TYPES.PruneSessions).toDynamicValue((c) => new PruneSessions(c.get(TYPES.SessionRepository), c.get(TYPES.Clock)));
}

/** The account routes' use cases, for the HTTP edge. */
function accountUseCases(c: ResolutionContext) {
  return {
    verifyAccess: c.get<VerifyAccess>(TYPES.VerifyAccess),
    refreshSession: c.get<RefreshSession>(TYPES.RefreshSession),
    listSessions: c.get<ListSessions>(TYPES.ListSessions),
    revokeSession: c.get<RevokeSession>(TYPES.RevokeSession),
    logOutEverywhere: c.get<LogOutEverywhere>(TYPES.LogOutEverywhere),
    changePassword: c.get<ChangePassword>(TYPES.ChangePassword),
    deleteAccount: c.get<DeleteAccount>(TYPES.DeleteAccount),
    suspendAccount: c.get<SuspendAccount>(TYPES.SuspendAccount),
    reinstateAccount: c.get<ReinstateAccount>(TYPES.ReinstateAccount),
  };
}

/** A budget of `burst` per the time `perSecond` takes to spend it, in whole seconds (the shared limiter's windows are). */
function bucket(perSecond: number, burst: number): Rate {
  return { count: burst, perSeconds: Math.max(1, Math.round(burst / perSecond)) };
}
