import type { Socket } from 'node:net';
import type { Logger } from '../application/ports.js';
import { refuseOnSocket } from '../adapters/ws/http-refusal.js';
import { peerAddress } from './client-address.js';

export interface SocketLimits {
  /** Open sockets per client address, HTTP and WebSocket alike, from their first byte on. */
  perAddress: number;
  /** Reverse proxies carry many clients on their sockets: their limit is per client, at the upgrade. */
  exempt: (address: string) => boolean;
}

/**
 * Every TCP socket of the server, counted per address from the moment it is
 * accepted, before any byte of HTTP: a client that opens sockets and says
 * nothing (or trickles a request) holds one descriptor each, and without a
 * limit here one address could take them all. Also what a graceful stop
 * needs to end on time, whatever the sockets are doing.
 */
export class SocketGuard {
  private readonly sockets = new Set<Socket>();
  private readonly perAddress = new Map<string, number>();

  constructor(
    private readonly limits: SocketLimits,
    private readonly logger: Logger,
  ) {}

  /** For the server's 'connection' event. */
  readonly admit = (socket: Socket): void => {
    const address = peerAddress(socket);
    const counted = !this.limits.exempt(address);
    const open = this.perAddress.get(address) ?? 0;
    if (counted && open >= this.limits.perAddress) {
      this.logger.warn('connection refused', { address, status: 429, reason: 'too many sockets from this address' });
      refuseOnSocket(socket, { status: 429, code: 'TOO_MANY_CONNECTIONS', message: `too many connections from ${address}`, retryAfter: 10 });
      socket.destroySoon();
      return;
    }
    this.sockets.add(socket);
    if (counted) this.perAddress.set(address, open + 1);
    socket.once('close', () => {
      this.sockets.delete(socket);
      if (!counted) return;
      const left = (this.perAddress.get(address) ?? 1) - 1;
      if (left > 0) this.perAddress.set(address, left);
      else this.perAddress.delete(address);
    });
  };

  /** Sockets that never sent a byte (health checks, browser preconnects): nothing is lost by cutting them. */
  cutSilent(): void {
    for (const socket of this.sockets) if (socket.bytesRead === 0) socket.destroy();
  }

  /** The end of a graceful stop: whatever is still open goes. */
  cutAll(): void {
    for (const socket of this.sockets) socket.destroy();
  }
}
