import { isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';

/** How the edges learn who a request comes from, for the per-address limits. */
export type ClientAddress = (request: IncomingMessage) => string;

const plain = (address: string): string => (address.startsWith('::ffff:') ? address.slice(7) : address);

/** The address a TCP peer connects from, IPv4 written as IPv4. */
export const peerAddress = (socket: { remoteAddress?: string | undefined }): string => plain(socket.remoteAddress ?? 'unknown');

/** Whether an address is one of the reverse proxies: its sockets carry many clients. */
export function trustedProxy(trustedProxies: readonly string[]): (address: string) => boolean {
  const trusted = new Set(trustedProxies.map(plain));
  return (address) => trusted.has(address);
}

/**
 * The peer's address, or, when the peer is one of the trusted proxies, the
 * address that proxy saw: X-Forwarded-For read from the right, past every
 * trusted proxy. Nobody else may set it, or any client could pick the
 * address its limits are counted against.
 */
export function clientAddressFrom(trustedProxies: readonly string[]): ClientAddress {
  const trusted = new Set(trustedProxies.map(plain));
  return (request) => {
    const peer = peerAddress(request.socket);
    if (!trusted.has(peer)) return peer;
    const header = request.headers['x-forwarded-for'];
    const hops = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',').map((hop) => plain(hop.trim()));
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = hops[i] as string;
      if (isIP(hop) === 0) return peer; // a forged or broken header: the proxy is all we know
      if (!trusted.has(hop)) return hop;
    }
    return peer;
  };
}

/**
 * Whether the client reached us over https: a TLS socket, or a trusted
 * proxy saying so in X-Forwarded-Proto (its own value, the last one). From
 * anyone else the header means nothing.
 */
export function requestIsHttpsFrom(trustedProxies: readonly string[]): (request: IncomingMessage) => boolean {
  const trusted = new Set(trustedProxies.map(plain));
  return (request) => {
    if ((request.socket as { encrypted?: boolean }).encrypted === true) return true;
    if (!trusted.has(peerAddress(request.socket))) return false;
    const header = request.headers['x-forwarded-proto'];
    const last = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',').at(-1)?.trim().toLowerCase();
    return last === 'https';
  };
}
