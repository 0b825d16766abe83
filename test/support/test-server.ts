import type { AddressInfo } from 'node:net';
import type { Knex } from 'knex';
import type { ClientOptions } from 'ws';
import type { Logger } from '../../src/application/ports.js';
import { createApplication, type RunningApplication } from '../../src/infrastructure/container.js';
import { loadConfig } from '../../src/infrastructure/config.js';
import { resetTables, type DatabaseTarget } from './databases.js';
import { TestClient } from './ws-client.js';

export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';
export const TEST_PASSWORD = 'correct horse battery';

/** Tests register, log in and send far faster than people; suites about the limits set their own. */
export const GENEROUS_LIMITS: Record<string, string> = {
  LOGIN_LIMIT_PER_ACCOUNT: '100000/1s',
  LOGIN_LIMIT_PER_ADDRESS: '100000/1s',
  REGISTER_LIMIT_PER_ADDRESS: '100000/1s',
  HASH_QUEUE_MAX: '100000',
  MESSAGE_RATE_PER_SECOND: '100000',
  MESSAGE_RATE_BURST: '100000',
  FRAME_RATE_PER_SECOND: '100000',
  FRAME_RATE_BURST: '100000',
  ANONYMOUS_READ_RATE: '100000000/1s',
  MAX_CONNECTIONS_PER_ADDRESS: '100000',
};

const quietLogger: Logger = { info() {}, warn() {}, error() {} };

export interface HttpReply {
  status: number;
  headers: Headers;
  body: any;
}

/** The real server, on the real adapters, listening on a free port of 127.0.0.1. */
export class TestServer {
  private clients: TestClient[] = [];

  private constructor(
    private readonly app: RunningApplication,
    readonly baseUrl: string,
  ) {}

  static async start(target: DatabaseTarget, env: Record<string, string> = {}): Promise<TestServer> {
    const config = loadConfig({
      BCRYPT_COST: '4',
      JWT_SECRET: TEST_JWT_SECRET,
      ...GENEROUS_LIMITS,
      DATA_DIR: target.dataDir,
      ...(target.url ? { DATABASE_URL: target.url } : {}),
      ...env,
    });
    const app = await createApplication(config, quietLogger, target.schema);
    await new Promise<void>((resolve) => app.http.listen(0, '127.0.0.1', resolve));
    const { port } = app.http.address() as AddressInfo;
    return new TestServer(app, `http://127.0.0.1:${port}`);
  }

  get db(): Knex {
    return this.app.db;
  }

  /** The listening server, for a test that watches its connections arrive. */
  get http(): RunningApplication['http'] {
    return this.app.http;
  }

  get openConnections(): number {
    return this.app.gateway.connectionCount;
  }

  get wsUrl(): string {
    return `${this.baseUrl.replace('http', 'ws')}/ws`;
  }

  async post(path: string, body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }): Promise<HttpReply> {
    const response = await fetch(this.baseUrl + path, {
      method: 'POST',
      headers,
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
  }

  /** Registers a user and returns its token. */
  async register(username: string, password = TEST_PASSWORD): Promise<string> {
    const reply = await this.post('/api/reg', { username, password });
    if (reply.status !== 201) throw new Error(`registration failed: ${JSON.stringify(reply.body)}`);
    return reply.body.token as string;
  }

  async connect(path = '/ws', options: ClientOptions = {}): Promise<TestClient> {
    const client = await TestClient.connect(this.baseUrl.replace('http', 'ws') + path, options);
    this.clients.push(client);
    return client;
  }

  /** A registered user's connection, already authorized. */
  async connectAs(username: string): Promise<TestClient> {
    const token = await this.register(username);
    const client = await this.connect();
    await client.auth(username, token);
    return client;
  }

  /** Between tests: drop the clients (also those a test left stalled), empty the tables. */
  async reset(): Promise<void> {
    for (const client of this.clients) client.socket.terminate();
    await Promise.all(this.clients.map((client) => client.closed));
    this.clients = [];
    await resetTables(this.db);
    this.app.reload();
  }

  async stop(): Promise<void> {
    for (const client of this.clients) client.close();
    await this.app.stop();
  }
}
