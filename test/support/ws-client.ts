import { WebSocket, type ClientOptions } from 'ws';
import { ArrivalQueue } from './arrival-queue.js';

export interface Frame {
  type: string;
  code?: string;
  message?: string;
  id?: number;
  room?: string;
  username?: string;
  createdAt?: string;
  clientId?: string;
  duplicate?: boolean;
  messages?: Array<{ id: number; username: string; message: string; createdAt: string; clientId?: string }>;
  more?: boolean;
  users?: string[];
  event?: 'join' | 'leave';
  title?: string;
  /** `added`: the conversation the user now belongs to. */
  conversation?: Record<string, unknown>;
  conversations?: Array<Record<string, unknown>>;
  /** `search`: messages with their room. */
  results?: Array<{ id: number; room: string; username: string; message: string; createdAt: string }>;
  members?: Array<{ username: string; role: string }>;
  /** Why a session ended, in a SESSION_REVOKED frame. */
  reason?: string;
}

const WAIT_MS = 3000;

/** A real WebSocket client that queues what the server sends, for tests to take in order. */
export class TestClient {
  private readonly frames = new ArrivalQueue<Frame>();
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => this.frames.push(JSON.parse((data as Buffer).toString()) as Frame));
    this.closed = new Promise((resolve) => {
      socket.on('close', (code, reason) => {
        resolve({ code, reason: reason.toString() });
        this.frames.end();
      });
    });
  }

  /** Connects and takes the WELCOME frame, so tests start from a quiet connection. */
  static async connect(url: string, options: ClientOptions = {}): Promise<TestClient> {
    const socket = new WebSocket(url, options);
    socket.on('error', () => undefined);
    const client = new TestClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    const welcome = await client.next();
    if (welcome.code !== 'WELCOME') throw new Error(`expected WELCOME, got ${JSON.stringify(welcome)}`);
    return client;
  }

  send(username: unknown, message: unknown): void {
    this.socket.send(JSON.stringify({ username, message }));
  }

  /** A frame of the extended protocol, or an original one with extra fields. */
  sendJson(frame: Record<string, unknown>): void {
    this.socket.send(JSON.stringify(frame));
  }

  sendRaw(data: string | Buffer, options: { binary?: boolean } = {}): void {
    this.socket.send(data, { binary: options.binary ?? false });
  }

  /** Authorizes the connection and takes the AUTHENTICATED frame. */
  async auth(username: string, token: string): Promise<void> {
    this.send(username, `auth ${token}`);
    const frame = await this.next();
    if (frame.code !== 'AUTHENTICATED') throw new Error(`auth failed: ${JSON.stringify(frame)}`);
  }

  next(timeoutMs = WAIT_MS): Promise<Frame> {
    return this.frames.take(timeoutMs);
  }

  async nextMany(count: number, timeoutMs = WAIT_MS): Promise<Frame[]> {
    const frames: Frame[] = [];
    while (frames.length < count) frames.push(await this.next(timeoutMs));
    return frames;
  }

  /**
   * Fails if anything arrives within the window: for what must not be
   * delivered. The one sleep a test may take, since it measures that nothing
   * happens; keep the window short, and prefer a round trip on the connection
   * (a request whose answer comes after anything sent before) where one fits.
   */
  async expectNothing(windowMs = 150): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    const frame = this.frames.peek();
    if (frame !== undefined) throw new Error(`expected no frame, got ${JSON.stringify(frame)}`);
  }

  close(): void {
    this.socket.close();
  }
}
