import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { ArrivalQueue } from './arrival-queue.js';

/** RFC 6455 opcodes. */
export const OPCODE = { continuation: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa } as const;

export interface FrameSpec {
  opcode: number;
  payload?: Buffer | string;
  fin?: boolean;
  /** RSV1..RSV3 as the bits 0x4, 0x2, 0x1 of the first byte's 0x70 nibble: pass 0x40, 0x20, 0x10. */
  rsv?: number;
  /** Clients must mask; false writes an unmasked frame. */
  masked?: boolean;
  /** Writes this length in the header instead of the payload's. */
  claimedLength?: number;
}

/** One WebSocket frame as the bytes a client would write, hostile or not. */
export function encodeFrame({ opcode, payload = Buffer.alloc(0), fin = true, rsv = 0, masked = true, claimedLength }: FrameSpec): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const length = claimedLength ?? data.length;
  const header: number[] = [(fin ? 0x80 : 0) | rsv | opcode];
  const maskBit = masked ? 0x80 : 0;
  let extended = Buffer.alloc(0);
  if (length < 126) {
    header.push(maskBit | length);
  } else if (length < 0x10000) {
    header.push(maskBit | 126);
    extended = Buffer.alloc(2);
    extended.writeUInt16BE(length);
  } else {
    header.push(maskBit | 127);
    extended = Buffer.alloc(8);
    extended.writeBigUInt64BE(BigInt(length));
  }
  if (!masked) return Buffer.concat([Buffer.from(header), extended, data]);
  const mask = randomBytes(4);
  const body = Buffer.from(data);
  for (let i = 0; i < body.length; i += 1) body[i]! ^= mask[i % 4]!;
  return Buffer.concat([Buffer.from(header), extended, mask, body]);
}

export interface ServerFrame {
  fin: boolean;
  opcode: number;
  payload: Buffer;
}

export interface CloseFrame {
  code: number | undefined;
  reason: string;
}

const WAIT_MS = 3000;

/**
 * A WebSocket client on a bare TCP socket: it does the upgrade handshake
 * itself and then writes whatever bytes a test hands it, so it can send what
 * no well-behaved library would. It reads the server's frames as they come.
 */
export class RawWebSocket {
  private buffer = Buffer.alloc(0);
  private readonly frames = new ArrivalQueue<ServerFrame>();
  /** Resolves when the server has ended or reset the TCP connection. */
  readonly closed: Promise<void>;

  private constructor(
    private readonly socket: net.Socket,
    rest: Buffer,
  ) {
    this.closed = new Promise((resolve) => {
      const done = () => {
        this.frames.end();
        resolve();
      };
      socket.on('end', done);
      socket.on('close', done);
      socket.on('error', done);
    });
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    if (rest.length > 0) this.receive(rest);
    socket.resume();
  }

  /** Opens a TCP connection to `baseUrl`'s port and performs the HTTP upgrade to WebSocket on `path`. */
  static async connect(baseUrl: string, path = '/ws', options: { localAddress?: string } = {}): Promise<RawWebSocket> {
    const url = new URL(baseUrl);
    const socket = net.connect({ port: Number(url.port), host: url.hostname, ...options });
    socket.setNoDelay(true);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const key = randomBytes(16).toString('base64');
    socket.write(
      `GET ${path} HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
    const { head, rest } = await readHttpHead(socket);
    const expectedAccept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
    if (!/^HTTP\/1\.1 101 /.test(head) || !head.includes(`Sec-WebSocket-Accept: ${expectedAccept}`)) {
      socket.destroy();
      throw new Error(`upgrade refused: ${head.split('\r\n')[0]}`);
    }
    return new RawWebSocket(socket, rest);
  }

  /** Writes bytes as they are: one frame, several, or a part of one. */
  write(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  send(spec: FrameSpec): void {
    this.write(encodeFrame(spec));
  }

  nextFrame(timeoutMs = WAIT_MS): Promise<ServerFrame> {
    return this.frames.take(timeoutMs);
  }

  /** The next text frame, parsed as JSON. */
  async nextJson(timeoutMs = WAIT_MS): Promise<{ type: string; code?: string; message?: string }> {
    const frame = await this.nextFrame(timeoutMs);
    if (frame.opcode !== OPCODE.text) throw new Error(`expected a text frame, got opcode ${frame.opcode}`);
    return JSON.parse(frame.payload.toString());
  }

  /**
   * Skips text frames until the server's close frame and returns its status
   * code (undefined for an empty close payload) and reason.
   */
  async closeFrame(timeoutMs = WAIT_MS): Promise<CloseFrame> {
    for (;;) {
      const frame = await this.nextFrame(timeoutMs);
      if (frame.opcode !== OPCODE.close) continue;
      return {
        code: frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : undefined,
        reason: frame.payload.subarray(2).toString(),
      };
    }
  }

  /** Whether the server ends the TCP connection within the time. */
  async endsWithin(timeoutMs = WAIT_MS): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    const result = await Promise.race([this.closed.then(() => true as const), timedOut]);
    clearTimeout(timer);
    return result;
  }

  destroy(): void {
    this.socket.destroy();
  }

  private receive(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const frame = decodeServerFrame(this.buffer);
      if (!frame) break;
      this.frames.push(frame.frame);
      this.buffer = this.buffer.subarray(frame.size);
    }
  }
}

/** One unmasked server frame from the front of `buffer`, or undefined while it is incomplete. */
function decodeServerFrame(buffer: Buffer): { frame: ServerFrame; size: number } | undefined {
  if (buffer.length < 2) return undefined;
  const first = buffer[0]!;
  const second = buffer[1]!;
  let length = second & 0x7f;
  let offset = 2;
  if (length === 126) {
    if (buffer.length < 4) return undefined;
    length = buffer.readUInt16BE(2);
    offset = 4;
  } else if (length === 127) {
    if (buffer.length < 10) return undefined;
    length = Number(buffer.readBigUInt64BE(2));
    offset = 10;
  }
  if (second & 0x80) throw new Error('the server sent a masked frame');
  if (buffer.length < offset + length) return undefined;
  return {
    frame: { fin: (first & 0x80) !== 0, opcode: first & 0x0f, payload: Buffer.from(buffer.subarray(offset, offset + length)) },
    size: offset + length,
  };
}

function readHttpHead(socket: net.Socket): Promise<{ head: string; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    let received = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf('\r\n\r\n');
      if (end === -1) return;
      socket.off('data', onData);
      socket.off('error', reject);
      socket.pause();
      resolve({ head: received.subarray(0, end).toString('latin1'), rest: received.subarray(end + 4) });
    };
    socket.on('data', onData);
    socket.once('error', reject);
  });
}
