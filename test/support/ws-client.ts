import { WebSocket, type ClientOptions } from 'ws';

export interface Frame {
  type: string;
  code?: string;
  message?: string;
  id?: number;
  username?: string;
  createdAt?: string;
  messages?: Array<{ id: number; username: string; message: string; createdAt: string }>;
}

const WAIT_MS = 3000;

/** A real WebSocket client that queues what the server sends, for tests to take in order. */
export class TestClient {
  private readonly frames: Frame[] = [];
  private waiter: (() => void) | undefined;
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      this.frames.push(JSON.parse(data.toString()) as Frame);
      this.waiter?.();
    });
    this.closed = new Promise((resolve) => {
      socket.on('close', (code, reason) => {
        resolve({ code, reason: reason.toString() });
        this.waiter?.();
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

  sendRaw(data: string | Buffer, options: { binary?: boolean } = {}): void {
    this.socket.send(data, { binary: options.binary ?? false });
  }

  /** Authorizes the connection and takes the AUTHENTICATED frame. */
  async auth(username: string, token: string): Promise<void> {
    this.send(username, `auth ${token}`);
    const frame = await this.next();
    if (frame.code !== 'AUTHENTICATED') throw new Error(`auth failed: ${JSON.stringify(frame)}`);
  }

  async next(timeoutMs = WAIT_MS): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    while (this.frames.length === 0) {
      if (this.socket.readyState === WebSocket.CLOSED) throw new Error('connection closed while waiting for a frame');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no frame within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiter = undefined;
    }
    return this.frames.shift() as Frame;
  }

  async nextMany(count: number, timeoutMs = WAIT_MS): Promise<Frame[]> {
    const frames: Frame[] = [];
    while (frames.length < count) frames.push(await this.next(timeoutMs));
    return frames;
  }

  /** Fails if anything arrives within the window: for what must not be delivered. */
  async expectNothing(windowMs = 150): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    if (this.frames.length > 0) throw new Error(`expected no frame, got ${JSON.stringify(this.frames[0])}`);
  }

  close(): void {
    this.socket.close();
  }
}
