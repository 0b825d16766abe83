import type { Message, NewMessage } from '../domain/message.js';
import type { Identity, User } from '../domain/user.js';

export interface UserRepository {
  /** Throws DomainError USERNAME_TAKEN when the name exists in any case. */
  create(user: Omit<User, 'id'>): Promise<User>;
  findByUsername(username: string): Promise<User | undefined>;
}

export interface MessageRepository {
  /** Resolves once the message is durable; ids increase in resolution order. */
  append(message: NewMessage): Promise<Message>;
  /** The `count` latest messages, oldest first. */
  latest(count: number): Promise<Message[]>;
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
}

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(password: string, hash: string): Promise<boolean>;
}

export interface Clock {
  now(): Date;
}

export interface ChatLimits {
  readonly historyMax: number;
  readonly messageMaxCharacters: number;
}

/** Keyed budgets against abuse (logins per account, messages per connection, ...). */
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
} as const;
