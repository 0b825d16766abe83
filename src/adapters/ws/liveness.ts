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

  constructor(
    private readonly connections: ReadonlySet<WsConnection>,
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
    for (const connection of this.connections) {
      if (!connection.alive) {
        this.logger.info('connection lost', { address: connection.address, reason: 'no answer to ping' });
        connection.socket.terminate();
        continue;
      }
      connection.alive = false;
      connection.socket.ping();
    }
  }

  private checkSendBuffers(): void {
    for (const connection of this.connections) {
      const over = connection.socket.bufferedAmount > this.sendBufferMaxBytes;
      if (over && connection.behind) connection.dropSlow();
      connection.behind = over;
    }
  }
}
