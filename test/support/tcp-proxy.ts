import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/** One client connection through the proxy, and what the network holds for it while stalled. */
interface Link {
  incoming: Socket;
  outgoing: Socket | undefined;
  toTarget: Buffer[];
  toClient: Buffer[];
}

/**
 * A TCP forwarder on 127.0.0.1 that a test can break and mend, to make a
 * database unreachable for the code under test without touching the real
 * server behind it.
 *
 * - cut(): every connection is reset and new ones are reset as soon as they
 *   are accepted — the database host went away, and the network says so.
 * - stall(): connections stay open but nothing gets through either way, and
 *   new ones hang before reaching the target — a network partition, where
 *   nobody answers and nobody resets. What is sent meanwhile is held, as
 *   TCP would keep retransmitting it: it arrives after restore() unless its
 *   sender has closed the connection by then.
 * - restore(): forwards again.
 */
export class TcpProxy {
  private readonly links = new Set<Link>();
  private mode: 'forward' | 'cut' | 'stall' = 'forward';
  /** Connections reset on arrival while cut: how a test sees that a client keeps trying to reconnect. */
  refused = 0;

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly target: { port: number; host: string },
  ) {}

  static async start(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
    let proxy: TcpProxy | undefined;
    const server = createServer((incoming) => proxy?.accept(incoming));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    proxy = new TcpProxy(server, (server.address() as AddressInfo).port, { port: targetPort, host: targetHost });
    return proxy;
  }

  /** The same URL with its host and port replaced by the proxy's. */
  rewrite(url: string): string {
    const parsed = new URL(url);
    parsed.hostname = '127.0.0.1';
    parsed.port = String(this.port);
    return parsed.toString();
  }

  cut(): void {
    this.mode = 'cut';
    for (const link of this.links) this.drop(link);
  }

  stall(): void {
    this.mode = 'stall';
  }

  restore(): void {
    this.mode = 'forward';
    for (const link of this.links) {
      if (!link.outgoing) {
        this.reachTarget(link);
        continue;
      }
      for (const chunk of link.toTarget.splice(0)) link.outgoing.write(chunk);
      for (const chunk of link.toClient.splice(0)) link.incoming.write(chunk);
    }
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(incoming: Socket): void {
    incoming.on('error', () => undefined);
    if (this.mode === 'cut') {
      this.refused += 1;
      incoming.destroy();
      return;
    }
    const link: Link = { incoming, outgoing: undefined, toTarget: [], toClient: [] };
    this.links.add(link);
    // Always read, also while stalled, so that a client that gives up is noticed at once.
    incoming.on('data', (chunk: Buffer) => {
      if (this.mode === 'forward' && link.outgoing) link.outgoing.write(chunk);
      else link.toTarget.push(chunk);
    });
    incoming.on('close', () => this.drop(link));
    if (this.mode === 'forward') this.reachTarget(link);
  }

  private reachTarget(link: Link): void {
    const outgoing = connect(this.target.port, this.target.host);
    link.outgoing = outgoing;
    outgoing.on('error', () => undefined);
    outgoing.on('data', (chunk: Buffer) => {
      if (this.mode === 'forward') link.incoming.write(chunk);
      else link.toClient.push(chunk);
    });
    outgoing.on('close', () => this.drop(link));
    for (const chunk of link.toTarget.splice(0)) outgoing.write(chunk);
  }

  /** One side gone: the other goes too, and whatever the network held for them is lost. */
  private drop(link: Link): void {
    if (!this.links.delete(link)) return;
    link.incoming.destroy();
    link.outgoing?.destroy();
  }
}
