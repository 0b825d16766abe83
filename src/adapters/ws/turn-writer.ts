import type { Writable } from 'node:stream';
import type { WebSocket } from 'ws';

/**
 * An unmasked, final WebSocket text frame (RFC 6455 §5.2) around `json`,
 * built once so that a broadcast writes the same bytes to every receiver
 * instead of framing the message again per connection.
 */
export function textFrame(json: string): Buffer {
  const length = Buffer.byteLength(json);
  const header = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(header + length);
  frame[0] = 0x81; // FIN, opcode 1 (text)
  if (length < 126) {
    frame[1] = length;
  } else if (length < 65_536) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  frame.write(json, header);
  return frame;
}

/**
 * Writes to connections corked until the end of the current turn, so that
 * everything one turn sends to a connection leaves in one system call: the
 * cost of a write is per call, not per byte.
 */
export class TurnWriter {
  private corked: Writable[] = [];
  /**
   * Sockets a flush left bytes on, because the kernel's buffer was full: the
   * only ones whose readers can be falling behind. Whoever checks them
   * removes those that caught up or closed.
   */
  readonly backlog = new Set<Writable>();

  /**
   * Holds what is written to a raw socket until the end of the turn: the
   * upgrade's 101 response then leaves in one write with the welcome frame.
   * A refused upgrade is written with end(), which uncorks at once.
   */
  hold(socket: Writable): void {
    this.cork(socket);
  }

  /** A frame from textFrame(), written beside ws's own sender. */
  writeFrame(connection: WebSocket, frame: Buffer): void {
    // ws writes to this socket synchronously too, as compression is off and
    // nothing is sent as a Blob, so frames from both paths keep their order.
    const socket = rawSocket(connection);
    this.cork(socket);
    socket.write(frame);
  }

  /** Whether this turn has written to the connection already; its buffer then holds this turn's frames too. */
  wroteThisTurn(connection: WebSocket): boolean {
    return rawSocket(connection).writableCorked > 0;
  }

  send(connection: WebSocket, data: string): void {
    this.cork(rawSocket(connection));
    connection.send(data);
  }

  private cork(socket: Writable): void {
    if (socket.writableCorked > 0) return;
    if (this.corked.length === 0) process.nextTick(() => this.flush());
    socket.cork();
    this.corked.push(socket);
  }

  private flush(): void {
    const corked = this.corked;
    this.corked = [];
    for (const socket of corked) {
      socket.uncork();
      if (socket.writableLength > 0) this.backlog.add(socket);
    }
  }
}

/** ws keeps the TCP socket of a connection here; it is not part of its typed API. */
export const rawSocket = (connection: WebSocket): Writable => (connection as unknown as { _socket: Writable })._socket;
