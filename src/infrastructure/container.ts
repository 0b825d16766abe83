import 'reflect-metadata';
import { Container } from 'inversify';
import { Authenticate } from '../application/authenticate.js';
import { JoinRoom } from '../application/join-room.js';
import { Login } from '../application/login.js';
import {
  TYPES,
  type ChatLimits,
  type Clock,
  type Logger,
  type MessageFanout,
  type MessageRepository,
  type PasswordHasher,
  type RoomRepository,
  type TokenService,
  type UserRepository,
} from '../application/ports.js';
import { PostMessage } from '../application/post-message.js';
import { RecallHistory } from '../application/recall-history.js';
import { Register } from '../application/register.js';
import { RequireRoom } from '../application/require-room.js';

/** One implementation of every port; production and tests each bring their own. */
export interface Adapters {
  users: UserRepository;
  messages: MessageRepository;
  rooms: RoomRepository;
  fanout: MessageFanout;
  tokens: TokenService;
  passwords: PasswordHasher;
  clock: Clock;
  logger: Logger;
}

/**
 * The composition root. Use cases stay free of DI decorators: they are plain
 * classes, built here from the ports they name.
 */
export function buildContainer(adapters: Adapters, limits: ChatLimits): Container {
  const container = new Container({ defaultScope: 'Singleton' });
  container.bind<UserRepository>(TYPES.UserRepository).toConstantValue(adapters.users);
  container.bind<MessageRepository>(TYPES.MessageRepository).toConstantValue(adapters.messages);
  container.bind<RoomRepository>(TYPES.RoomRepository).toConstantValue(adapters.rooms);
  container.bind<MessageFanout>(TYPES.MessageFanout).toConstantValue(adapters.fanout);
  container.bind<TokenService>(TYPES.TokenService).toConstantValue(adapters.tokens);
  container.bind<PasswordHasher>(TYPES.PasswordHasher).toConstantValue(adapters.passwords);
  container.bind<Clock>(TYPES.Clock).toConstantValue(adapters.clock);
  container.bind<Logger>(TYPES.Logger).toConstantValue(adapters.logger);
  container.bind<ChatLimits>(TYPES.ChatLimits).toConstantValue(limits);

  container
    .bind(TYPES.Register)
    .toDynamicValue((context) => new Register(context.get(TYPES.UserRepository), context.get(TYPES.PasswordHasher), context.get(TYPES.TokenService)));
  container
    .bind(TYPES.Login)
    .toDynamicValue((context) => new Login(context.get(TYPES.UserRepository), context.get(TYPES.PasswordHasher), context.get(TYPES.TokenService)));
  container.bind(TYPES.Authenticate).toDynamicValue((context) => new Authenticate(context.get(TYPES.TokenService)));
  container
    .bind(TYPES.PostMessage)
    .toDynamicValue(
      (context) =>
        new PostMessage(context.get(TYPES.MessageRepository), context.get(TYPES.MessageFanout), context.get(TYPES.Clock), context.get(TYPES.ChatLimits)),
    );
  container
    .bind(TYPES.RecallHistory)
    .toDynamicValue(
      (context) => new RecallHistory(context.get(TYPES.MessageRepository), context.get(TYPES.RequireRoom), context.get(TYPES.ChatLimits)),
    );
  container.bind(TYPES.JoinRoom).toDynamicValue((context) => new JoinRoom(context.get(TYPES.RoomRepository)));
  container.bind(TYPES.RequireRoom).toDynamicValue((context) => new RequireRoom(context.get(TYPES.RoomRepository)));
  return container;
}
