/**
 * A WebSocket client on a raw TCP socket, built for load generation: one load
 * process has to keep up with a server that pushes millions of frames a second
 * to a thousand connections, so a receiver must be able to count frames by
 * their headers without decoding (or even copying) their payloads.
 *
 * What it does: the HTTP upgrade (RFC 6455 §4, with the Sec-WebSocket-Accept
 * check), masked client frames (§5.3; a fresh random key per frame), and a
 * streaming frame parser that
 *   - counts text frames, telling chat messages from everything else by one
 *     byte of the payload (the server's frames all start `{"type":"` and the
 *     tenth byte is the type's first letter: m(essage), e(rror), i(nfo), h(istory)),
 *   - hands over the whole payload only when `capture` is on (setup, sampled
 *     receivers, senders waiting for acks); a payload lying inside one read
 *     is passed as a view of the read buffer, without a copy,
 *   - answers pings and close frames as the RFC requires.
 * Traffic goes only where it is pointed; the bench points it at 127.0.0.1.
 */
import { createHash, randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

const HANDSHAKE_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const MAX_HANDSHAKE_BYTES = 16 * 1024;

export const OP_CONTINUATION = 0x0;
export const OP_TEXT = 0x1;
export const OP_BINARY = 0x2;
export const OP_CLOSE = 0x8;
export const OP_PING = 0x9;
export const OP_PONG = 0xa;

/** The tenth payload byte of the server's frames: `{"type":"m...`. */
export const TYPE_BYTE_OFFSET = 9;
export const TYPE_MESSAGE = 0x6d; // m
export const TYPE_ERROR = 0x65; // e
export const TYPE_INFO = 0x69; // i
export const TYPE_HISTORY = 0x68; // h

/**
 * Called once per complete text frame. `payload` is set only while `capture`
 * is on; it is a view into the shared read buffer, valid only during the call. `now` is
 * performance.now() when the chunk holding the frame's end was read.
 */
/**
 * Every socket reads into this one buffer (net's `onread`): no allocation
 * and no stream machinery per read, which is most of what a read costs in
 * Node. Safe because each read is parsed to the end before the next one.
 */
const READ_BUFFER = Buffer.allocUnsafe(256 * 1024);

/**
 * Lazy reading, for receivers that only count. A read costs a system call
 * whatever its size, and on a virtual machine system calls are most of what
 * receiving costs: a receiver that reads each frame as it comes pays as much
 * per delivery as the server does to send it, and the load could not keep up
 * with the server it measures. So a lazy socket stops reading after each read,
 * and is let read again once per LAZY_READ_INTERVAL_MS; meanwhile frames wait
 * in the kernel's receive buffer (a few KiB: the server's writes are not held
 * up) and the next read takes them all. The sockets are woken a slice at a
 * time, so the load's event loop never has a large burst of reads that
 * would delay the eager receivers that measure latency.
 */
export const LAZY_READ_INTERVAL_MS = 100;
const LAZY_TICK_MS = 5;
const lazyPaused: WsLoadClient[] = [];
let lazyTimer: NodeJS.Timeout | undefined;

function wakeLazySockets(): void {
  // Each tick wakes the sockets that paused longest ago, a slice sized to wake them all once per interval.
  const slice = Math.ceil((lazyPaused.length * LAZY_TICK_MS) / LAZY_READ_INTERVAL_MS);
  for (const client of lazyPaused.splice(0, slice)) client.wake();
  if (lazyPaused.length === 0 && lazyTimer) {
    clearInterval(lazyTimer);
    lazyTimer = undefined;
  }
}

function pauseLazily(client: WsLoadClient): void {
  lazyPaused.push(client);
  lazyTimer ??= setInterval(wakeLazySockets, LAZY_TICK_MS);
}

export type TextHandler = (typeByte: number, payload: Buffer | undefined, now: number) => void;

export interface OpenOptions {
  host?: string;
  port: number;
  path?: string;
  timeoutMs?: number;
}

interface Waiter {
  test: (frame: Record<string, unknown>) => boolean;
  resolve: (frame: Record<string, unknown>) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/** Random mask keys come from a pool: one crypto call per 16 Ki frames instead of one per frame. */
const MASK_POOL_BYTES = 64 * 1024;
let maskPool = randomBytes(MASK_POOL_BYTES);
let maskOffset = 0;
function nextMaskOffset(): number {
  if (maskOffset + 4 > MASK_POOL_BYTES) {
    maskPool = randomBytes(MASK_POOL_BYTES);
    maskOffset = 0;
  }
  const offset = maskOffset;
  maskOffset += 4;
  return offset;
}

/** One masked client frame (FIN set), payload copied in and masked in place. */
export function encodeClientFrame(opcode: number, payload: Buffer | string): Buffer {
  const length = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
  const extended = length < 126 ? 0 : length < 65536 ? 2 : 8;
  const headerLength = 2 + extended + 4;
  const frame = Buffer.allocUnsafe(headerLength + length);
  frame[0] = 0x80 | opcode;
  if (extended === 0) {
    frame[1] = 0x80 | length;
  } else if (extended === 2) {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 0x80 | 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  const keyAt = nextMaskOffset();
  const m0 = maskPool[keyAt]!,
    m1 = maskPool[keyAt + 1]!,
    m2 = maskPool[keyAt + 2]!,
    m3 = maskPool[keyAt + 3]!;
  const start = headerLength - 4;
  frame[start] = m0;
  frame[start + 1] = m1;
  frame[start + 2] = m2;
  frame[start + 3] = m3;
  if (typeof payload === 'string') frame.write(payload, headerLength, 'utf8');
  else payload.copy(frame, headerLength);
  for (let i = 0; i < length; i++) {
    const mask = (i & 3) === 0 ? m0 : (i & 3) === 1 ? m1 : (i & 3) === 2 ? m2 : m3;
    frame[headerLength + i]! ^= mask;
  }
  return frame;
}

export class ProtocolError extends Error {
  override name = 'ProtocolError';
}

export class WsLoadClient {
  /** Hand whole payloads to onText (and to waiters). Off: frames are only counted. */
  capture = true;
  onText: TextHandler = () => undefined;
  onPong: (payload: Buffer, now: number) => void = () => undefined;
  /**
   * Where a chat frame's id digits start in its payload (the bytes before
   * them, `{"type":"message","room":"…","id":`, are the same for every
   * frame of a room). Set, every chat frame read without `capture` has its
   * id read from those bytes as they stream by and handed to onId: an order
   * check on every connection for a few byte reads per frame, no decode.
   */
  idOffset = -1;
  /** Each chat frame's id (NaN if no digits stood at idOffset), when idOffset is set and the frame was not captured. */
  onId: (id: number) => void = () => undefined;

  /** Text frames whose type byte says "message" (chat broadcasts). */
  messageFrames = 0;
  /** Every other text or binary frame (info, error, history, ...). */
  otherFrames = 0;
  bytesIn = 0;
  closed = false;
  /** The close code the server sent, if it sent one. */
  closeCode: number | undefined;
  /** The first error frame seen, for diagnosis. */
  firstError: string | undefined;

  private lazyReading = false;
  private paused = false;
  private upgraded = false;
  private handshake: Buffer | undefined = Buffer.alloc(0);
  private readonly key = randomBytes(16).toString('base64');
  private waiters: Waiter[] = [];
  private sentClose = false;

  // Frame parser state. A header can be split across chunks, so it is gathered in `header`.
  private readonly header = Buffer.alloc(14);
  private headerHave = 0;
  private inPayload = false;
  private opcode = 0;
  private remaining = 0;
  private payloadOffset = 0;
  private payloadStart = 0;
  private typeByte = 0;
  private capturing = false;
  private parts: Buffer[] = [];
  /** The id being read at idOffset: its value so far, and how many digits. */
  private idValue = 0;
  private idDigits = 0;
  private idEnded = false;

  private constructor(private readonly socket: Socket) {}

  /** Connects, upgrades and waits for the server's WELCOME frame. */
  static open({ host = '127.0.0.1', port, path = '/ws', timeoutMs = 10_000 }: OpenOptions): Promise<WsLoadClient> {
    return new Promise((resolve, reject) => {
      let client: WsLoadClient | undefined;
      const socket = connect({
        host,
        port,
        onread: {
          buffer: READ_BUFFER,
          callback: (bytes: number, buffer: Uint8Array) => {
            try {
              client!.read(Buffer.from(buffer.buffer, buffer.byteOffset, bytes));
            } catch (error) {
              socket.destroy(error as Error);
            }
            // false stops reading until wake().
            return !client!.shouldPause();
          },
        },
      });
      socket.setNoDelay(true);
      client = new WsLoadClient(socket);
      const timer = setTimeout(() => fail(new Error(`WebSocket open timed out after ${timeoutMs} ms`)), timeoutMs);
      const fail = (error: Error) => {
        clearTimeout(timer);
        socket.destroy();
        reject(error);
      };
      socket.once('error', fail);
      socket.on('close', () => client.markClosed());
      socket.once('connect', () => {
        socket.write(
          `GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
            `Sec-WebSocket-Key: ${client.key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
        );
      });
      client
        .waitFor((frame) => frame.type === 'info' && frame.code === 'WELCOME', timeoutMs)
        .then(() => {
          clearTimeout(timer);
          socket.off('error', fail);
          // From now on a socket error only marks the client closed; the scenario sees it in its counts.
          socket.on('error', () => client.markClosed());
          resolve(client);
        }, fail);
    });
  }

  /** Lazy reading (see LAZY_READ_INTERVAL_MS): only for connections that count and measure nothing. */
  set lazy(on: boolean) {
    this.lazyReading = on;
    if (!on) this.wake();
  }

  get lazy(): boolean {
    return this.lazyReading;
  }

  /** Called after each read: whether to stop reading until woken. */
  shouldPause(): boolean {
    if (!this.lazyReading || this.closed || this.paused) return false;
    this.paused = true;
    pauseLazily(this);
    return true;
  }

  /** Reads again (net.Socket's _read starts the handle reading when it is not). */
  wake(): void {
    if (!this.paused) return;
    this.paused = false;
    if (!this.closed) (this.socket as unknown as { _read(size: number): void })._read(0);
  }

  /** `auth <token>` and wait for AUTHENTICATED (an error frame rejects). */
  async auth(username: string, token: string, timeoutMs = 10_000): Promise<void> {
    const answer = this.waitFor((frame) => frame.type === 'error' || (frame.type === 'info' && frame.code === 'AUTHENTICATED'), timeoutMs);
    this.sendChat(username, `auth ${token}`);
    const frame = await answer;
    if (frame.type === 'error') throw new Error(`auth refused: ${String(frame.code)} ${String(frame.message)}`);
  }

  /** Resolves with the next captured text frame that passes `test`. */
  waitFor(test: (frame: Record<string, unknown>) => boolean, timeoutMs: number): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        test,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          reject(new Error(`no expected frame within ${timeoutMs} ms`));
        }, timeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  /** A client frame as docs/protocol.md defines it. */
  sendChat(username: string, message: string): void {
    this.sendText(JSON.stringify({ username, message }));
  }

  sendText(text: string): void {
    if (!this.closed) this.socket.write(encodeClientFrame(OP_TEXT, text));
  }

  ping(payload: Buffer): void {
    if (!this.closed) this.socket.write(encodeClientFrame(OP_PING, payload));
  }

  /** Several sends in one write: cork before, uncork after. */
  cork(): void {
    this.socket.cork();
  }

  uncork(): void {
    this.socket.uncork();
  }

  /** Bytes queued in this process, not yet taken by the kernel. */
  get backlogBytes(): number {
    return this.socket.writableLength;
  }

  /** Close handshake from our side; the socket is destroyed if the server does not finish it in time. */
  close(code = 1000): void {
    if (this.closed) return;
    this.sendClose(code);
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 2000).unref();
  }

  destroy(): void {
    this.socket.destroy();
    this.markClosed();
  }

  private markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    for (const waiter of this.waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(new Error(`connection closed (code ${this.closeCode ?? 'none'})`));
    }
    this.waiters = [];
  }

  private sendClose(code: number): void {
    if (this.sentClose) return;
    this.sentClose = true;
    const payload = Buffer.alloc(2);
    payload.writeUInt16BE(code, 0);
    this.socket.write(encodeClientFrame(OP_CLOSE, payload));
  }

  private read(chunk: Buffer): void {
    this.bytesIn += chunk.length;
    if (!this.upgraded) {
      const rest = this.readHandshake(chunk);
      if (rest === undefined || rest.length === 0) return;
      chunk = rest;
    }
    this.parse(chunk, performance.now());
  }

  /** Returns the bytes after the response header once it is complete. */
  private readHandshake(chunk: Buffer): Buffer | undefined {
    // Concat copies: what is kept between reads must not point into the read buffer.
    const buffered = Buffer.concat([this.handshake ?? Buffer.alloc(0), chunk]);
    const end = buffered.indexOf('\r\n\r\n');
    if (end < 0) {
      if (buffered.length > MAX_HANDSHAKE_BYTES) throw new ProtocolError('upgrade response header too long');
      this.handshake = buffered;
      return undefined;
    }
    const head = buffered.subarray(0, end).toString('latin1');
    const [statusLine = '', ...lines] = head.split('\r\n');
    if (!/^HTTP\/1\.1 101 /.test(statusLine)) throw new ProtocolError(`upgrade refused: ${statusLine}`);
    const expected = createHash('sha1')
      .update(this.key + HANDSHAKE_GUID)
      .digest('base64');
    const accept = lines
      .find((line) => /^sec-websocket-accept:/i.test(line))
      ?.split(':')[1]
      ?.trim();
    if (accept !== expected) throw new ProtocolError('upgrade response has a wrong Sec-WebSocket-Accept');
    this.upgraded = true;
    this.handshake = undefined;
    return buffered.subarray(end + 4);
  }

  private parse(chunk: Buffer, now: number): void {
    const length = chunk.length;
    let i = 0;
    while (i < length) {
      if (!this.inPayload) {
        i = this.readHeader(chunk, i);
        if (!this.inPayload) continue; // header still incomplete (then i === length), or an empty frame was finished
      }
      const take = Math.min(this.remaining, length - i);
      const offset = this.payloadOffset;
      if (offset === 0) this.payloadStart = i;
      if (offset <= TYPE_BYTE_OFFSET && TYPE_BYTE_OFFSET < offset + take) this.typeByte = chunk[i + TYPE_BYTE_OFFSET - offset]!;
      if (this.capturing) this.parts.push(chunk.subarray(i, i + take));
      else if (this.idOffset >= 0 && !this.idEnded && offset + take > this.idOffset) this.readIdDigits(chunk, i, offset, take);
      i += take;
      this.remaining -= take;
      this.payloadOffset += take;
      if (this.remaining === 0) {
        // An error frame while only counting: keep the first one for the report when it lies in this read.
        if (this.typeByte === TYPE_ERROR && !this.capturing && this.firstError === undefined && offset === 0) {
          this.firstError = chunk.toString('utf8', this.payloadStart, i);
        }
        this.finishFrame(now);
      }
    }
    // A frame continues in the next read, which reuses the read buffer: keep copies.
    if (this.inPayload && this.capturing) this.parts = this.parts.map((part) => Buffer.from(part));
  }

  /** Reads the id's digits in this piece of the payload (which began at payload offset `offset`); they may go on in the next read. */
  private readIdDigits(chunk: Buffer, i: number, offset: number, take: number): void {
    for (let at = Math.max(offset, this.idOffset); at < offset + take; at++) {
      const digit = chunk[i + at - offset]! - 0x30;
      if (digit < 0 || digit > 9) {
        this.idEnded = true;
        return;
      }
      this.idValue = this.idValue * 10 + digit;
      this.idDigits++;
    }
  }

  /** Consumes header bytes from chunk[i..]; returns the new index. */
  private readHeader(chunk: Buffer, i: number): number {
    const header = this.header;
    // Gather at least the two fixed bytes, then as many as the length field says.
    while (this.headerHave < 2 && i < chunk.length) header[this.headerHave++] = chunk[i++]!;
    if (this.headerHave < 2) return i;
    const b0 = header[0]!;
    const b1 = header[1]!;
    const short = b1 & 0x7f;
    const needed = 2 + (short === 126 ? 2 : short === 127 ? 8 : 0) + (b1 & 0x80 ? 4 : 0);
    while (this.headerHave < needed && i < chunk.length) header[this.headerHave++] = chunk[i++]!;
    if (this.headerHave < needed) return i;

    if (b1 & 0x80) throw new ProtocolError('server sent a masked frame');
    if (!(b0 & 0x80)) throw new ProtocolError('server sent a fragmented frame; this client does not reassemble');
    const payloadLength = short === 126 ? header.readUInt16BE(2) : short === 127 ? Number(header.readBigUInt64BE(2)) : short;
    this.opcode = b0 & 0x0f;
    this.remaining = payloadLength;
    this.payloadOffset = 0;
    this.typeByte = 0;
    this.headerHave = 0;
    // Control frames are tiny and always needed whole; data frames only when asked.
    this.capturing = this.opcode >= OP_CLOSE || this.capture || this.waiters.length > 0;
    this.parts.length = 0;
    this.idValue = 0;
    this.idDigits = 0;
    this.idEnded = false;
    this.inPayload = true;
    if (payloadLength === 0) this.finishFrame(performance.now());
    return i;
  }

  private finishFrame(now: number): void {
    this.inPayload = false;
    const payload = this.capturing ? (this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts)) : undefined;
    this.parts.length = 0;
    switch (this.opcode) {
      case OP_TEXT:
        if (this.typeByte === TYPE_MESSAGE) this.messageFrames++;
        else this.otherFrames++;
        if (payload !== undefined) this.deliver(this.typeByte, payload, now);
        else {
          if (this.idOffset >= 0 && this.typeByte === TYPE_MESSAGE) this.onId(this.idDigits > 0 ? this.idValue : Number.NaN);
          this.onText(this.typeByte, undefined, now);
        }
        return;
      case OP_BINARY:
      case OP_CONTINUATION:
        this.otherFrames++;
        return;
      case OP_PING:
        this.socket.write(encodeClientFrame(OP_PONG, payload ?? Buffer.alloc(0)));
        return;
      case OP_PONG:
        this.onPong(payload ?? Buffer.alloc(0), now);
        return;
      case OP_CLOSE:
        this.closeCode = payload && payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
        this.sendClose(1000);
        this.socket.end();
        this.markClosed();
        return;
      default:
        throw new ProtocolError(`unknown opcode ${this.opcode}`);
    }
  }

  private deliver(typeByte: number, payload: Buffer, now: number): void {
    if (typeByte === TYPE_ERROR && this.firstError === undefined) this.firstError = payload.toString('utf8');
    if (this.waiters.length > 0) {
      const frame = JSON.parse(payload.toString('utf8')) as Record<string, unknown>;
      const index = this.waiters.findIndex((waiter) => waiter.test(frame));
      if (index >= 0) {
        const [waiter] = this.waiters.splice(index, 1);
        clearTimeout(waiter!.timer);
        waiter!.resolve(frame);
        return;
      }
    }
    this.onText(typeByte, payload, now);
  }
}
