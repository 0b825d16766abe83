import type { Writable } from 'node:stream';
import type { Logger } from '../../application/ports.js';
import type { WsConnection } from './connection.js';

/**
 * How often send buffers are checked. One event-loop turn can legitimately
 * queue a whole stored batch for every reader, so a buffer over the limit
 * only marks a reader slow when it is still over at the next check.
 */
const SLOW_CHECK_MS = 1000;

/** Cuts connections that stopped answering pings, and readers that stay too far behind. */
export class Liveness {
  private readonly heartbeat: NodeJS.Timeout;
  private readonly slowCheck: NodeJS.Timeout;

  /**
   * `connections` by their TCP socket; `backlog`, the sockets a write left
   * bytes on (TurnWriter's): a reader can only be behind if it is there, so
   * the check costs nothing per idle or keeping-up connection.
   */
  constructor(
    private readonly connections: ReadonlyMap<Writable, WsConnection>,
    private readonly backlog: Set<Writable>,
    heartbeatMs: number,
    private readonly sendBufferMaxBytes: number,
    private readonly logger: Logger,
  ) {
    this.heartbeat = setInterval(() => this.checkHeartbeats(), heartbeatMs).unref();
    this.slowCheck = setInterval(() => this.checkSendBuffers(), SLOW_CHECK_MS).unref();
  }

  /** A pong makes the connection alive again until the next ping. */
  answered(connection: WsConnection): void {
    connection.alive = true;
  }

  stop(): void {
    clearInterval(this.heartbeat);
    clearInterval(this.slowCheck);
  }

  private checkHeartbeats(): void {
    for (const connection of this.connections.values()) {
      if (!connection.alive) {
        this.logger.info('connection lost', { address: connection.address, reason: 'no answer to ping' });
        connection.socket.terminate();
        continue;
      }
      connection.alive = false;
      connection.socket.ping();
    }
  }

  /** Run each second; a reader over the limit at two checks in a row is cut. */
  checkSendBuffers(): void {
    for (const socket of this.backlog) {
      const connection = this.connections.get(socket);
      if (connection === undefined || socket.writableLength === 0) {
        this.backlog.delete(socket);
        if (connection) connection.behind = false;
        continue;
      }
      const over = connection.socket.bufferedAmount > this.sendBufferMaxBytes;
      if (over && connection.behind) connection.dropSlow();
      connection.behind = over;
    }
  }
}
