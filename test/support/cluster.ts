import pg from 'pg';
import { WebSocket } from 'ws';
import { eventually } from './eventually.js';
import type { ProcessDatabase } from './process-database.js';
import { startServerProcess, type ServerProcess } from './server-process.js';
import { GENEROUS_LIMITS, TEST_JWT_SECRET, TEST_PASSWORD } from './test-server.js';
import { TestClient, type Frame } from './ws-client.js';

/** One server process of a cluster. */
export interface ClusterNode {
  name: string;
  process: ServerProcess;
  /** Where its REDIS_URL points (a TcpProxy in front of Redis, when the test wants to cut it off). */
  redisUrl: string;
  readonly port: number;
  readonly alive: boolean;
}

/**
 * Several real server processes (dist/main.js: what `npm start` runs) on
 * one PostgreSQL schema and one Redis channel, like a deployment behind a
 * load balancer.
 */
export class Cluster {
  readonly nodes: ClusterNode[] = [];

  constructor(
    private readonly database: ProcessDatabase,
    /** REDIS_CHANNEL: unique per test, so runs sharing a Redis do not hear each other. */
    readonly channel: string,
    private readonly env: Record<string, string> = {},
  ) {}

  /**
   * Starts a node and waits until /readyz says so (database and Redis up).
   * Nodes may start together (Promise.all): on an empty schema they take
   * turns to migrate it, as a deployment's nodes do.
   */
  async start(name: string, redisUrl: string): Promise<ClusterNode> {
    const process = await startServerProcess({
      ...GENEROUS_LIMITS,
      DATABASE_URL: this.database.url,
      DATA_DIR: this.database.target.dataDir,
      JWT_SECRET: TEST_JWT_SECRET,
      REDIS_URL: redisUrl,
      REDIS_CHANNEL: this.channel,
      ...this.env,
    });
    const node: ClusterNode = {
      name,
      process,
      redisUrl,
      get port() {
        return process.port;
      },
      get alive() {
        return process.child.exitCode === null && process.child.signalCode === null;
      },
    };
    this.nodes.push(node);
    await untilReady(node, 10_000);
    return node;
  }

  /** Kills what is still running: the end of a test. */
  async stopAll(): Promise<void> {
    await Promise.all(
      this.nodes.map(async (node) => {
        if (!node.alive) return;
        node.process.child.kill('SIGKILL');
        await node.process.exited;
      }),
    );
  }

  async register(node: ClusterNode, username: string): Promise<string> {
    const response = await fetch(`http://127.0.0.1:${node.port}/api/reg`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password: TEST_PASSWORD }),
    });
    if (response.status !== 201) throw new Error(`registration of ${username} failed: ${response.status} ${await response.text()}`);
    return ((await response.json()) as { token: string }).token;
  }

  /** A connection to `node`, its frames recorded from the first on; authorized when a token is given. */
  async connect(node: ClusterNode, as?: { username: string; token: string }, path = '/ws'): Promise<Recorder> {
    const client = await TestClient.connect(`ws://127.0.0.1:${node.port}${path}`);
    if (as) await client.auth(as.username, as.token);
    return new Recorder(client, node.name, as?.username);
  }
}

/** A stored message, as the table has it. */
export interface StoredRow {
  id: number;
  room: string;
  username: string;
  text: string;
}

/** The messages table in id order, read past any server. */
export async function storedRows(database: ProcessDatabase): Promise<StoredRow[]> {
  const client = new pg.Client({ connectionString: database.target.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: string; room: string; username: string; text: string }>(
      `SELECT id, room, username, text FROM "${database.target.schema}".messages ORDER BY id`,
    );
    return rows.map((row) => ({ id: Number(row.id), room: row.room, username: row.username, text: row.text }));
  } finally {
    await client.end();
  }
}

/**
 * Stores a message the way a node does (append_messages numbers it under the
 * lock) and publishes nothing: what a node leaves behind when it dies between
 * its commit and its publish. Returns the id.
 */
export async function storeWithoutPublishing(database: ProcessDatabase, { room, username, text }: Omit<StoredRow, 'id'>): Promise<number> {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ message_id: string }>(
      'SELECT message_id FROM append_messages($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::text[])',
      [[room], [username], [text], [new Date().toISOString()], [null]],
    );
    return Number(rows[0]?.message_id);
  } finally {
    await client.end();
  }
}

export async function readyz(node: ClusterNode): Promise<{ status: number; body: any }> {
  try {
    const response = await fetch(`http://127.0.0.1:${node.port}/readyz`);
    return { status: response.status, body: await response.json() };
  } catch (error) {
    return { status: 0, body: String(error) };
  }
}

/** The node's open WebSocket connections, as its /metrics says. */
export async function openConnections(node: ClusterNode): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${node.port}/metrics`)).text();
  return Number(/^chat_connections_open (\d+)/m.exec(text)?.[1] ?? NaN);
}

/** Resolves once /readyz answers 200; fails with what it last said. */
export async function untilReady(node: ClusterNode, timeoutMs: number): Promise<void> {
  await eventually(
    async () => {
      const { status, body } = await readyz(node);
      if (status !== 200) throw new Error(`${status} ${JSON.stringify(body)}`);
    },
    { what: `node ${node.name} ready`, timeoutMs, everyMs: 20 },
  );
}

/** A message as a client saw it, live or in a catch-up page. */
export interface Seen {
  id: number;
  room: string;
  username: string;
  text: string;
}

/**
 * Reads every frame of one connection in the background and keeps them, so
 * a test can look at what arrived while it does other things; can post a
 * series of messages with a window of unacknowledged ones.
 */
export class Recorder {
  /** Every frame, in arrival order. */
  readonly frames: Frame[] = [];
  /** Every message, live or in catch-up pages, in arrival order. */
  readonly seen: Seen[] = [];
  /** Texts written to the socket, in order. */
  readonly sent: string[] = [];
  /** Own messages come back: the acknowledgements, in arrival order. */
  readonly acked: Array<{ id: number; text: string }> = [];
  readonly errors: Frame[] = [];
  /** Called after each frame is recorded. */
  onFrame: ((frame: Frame) => void) | undefined;
  readonly done: Promise<void>;

  constructor(
    readonly client: TestClient,
    readonly node: string,
    readonly username: string | undefined,
  ) {
    this.done = this.read();
  }

  get ids(): number[] {
    return this.seen.map((message) => message.id);
  }

  get open(): boolean {
    return this.client.socket.readyState === WebSocket.OPEN;
  }

  /** Resolves once `condition` holds for what was recorded; fails naming `what` after `timeoutMs`. */
  async until(condition: (recorder: this) => boolean, what: string, timeoutMs = 15_000): Promise<void> {
    await eventually(() => condition(this), { what: `${this.username ?? 'anonymous'} on ${this.node}: ${what}`, timeoutMs });
  }

  /**
   * Sends `texts` (to `room`, or the default room) keeping at most `window`
   * unanswered; resolves when each is answered or the connection closes,
   * and fails if the deadline passes first.
   */
  async post(texts: readonly string[], { room, window = 5, deadlineMs = 30_000 }: { room?: string; window?: number; deadlineMs?: number } = {}): Promise<void> {
    const answered = () => this.acked.length + this.errors.length;
    const fill = () => {
      while (this.sent.length < texts.length && this.sent.length - answered() < window && this.open) {
        const text = texts[this.sent.length] as string;
        this.client.sendJson({ username: this.username, message: text, ...(room ? { room } : {}) });
        this.sent.push(text);
      }
    };
    const previous = this.onFrame;
    this.onFrame = (frame) => {
      previous?.(frame);
      fill();
    };
    fill();
    try {
      await eventually(
        () => {
          if (this.open && answered() < texts.length) throw new Error(`${answered()} of ${texts.length} answered`);
        },
        { what: `${this.username} on ${this.node}: every message answered`, timeoutMs: deadlineMs },
      );
    } finally {
      this.onFrame = previous;
    }
  }

  close(): void {
    this.client.socket.terminate();
  }

  private async read(): Promise<void> {
    for (;;) {
      let frame: Frame;
      try {
        frame = await this.client.next(60_000);
      } catch {
        if (!this.open) return;
        continue;
      }
      this.frames.push(frame);
      if (frame.type === 'message') {
        const seen = { id: frame.id as number, room: frame.room as string, username: frame.username as string, text: frame.message as string };
        this.seen.push(seen);
        if (this.username !== undefined && seen.username === this.username && !frame.duplicate) this.acked.push({ id: seen.id, text: seen.text });
      } else if (frame.type === 'catchup') {
        for (const m of frame.messages ?? []) this.seen.push({ id: m.id, room: frame.room as string, username: m.username, text: m.message });
      } else if (frame.type === 'error') {
        this.errors.push(frame);
      }
      this.onFrame?.(frame);
    }
  }
}
