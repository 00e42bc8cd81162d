import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy on loopback between a client (worker, tracker) and PostgreSQL that can misbehave
 * on demand, like a broken network path would:
 * - `forward`: passes bytes both ways (the normal state);
 * - `freeze`: keeps every connection open but silently drops the bytes (a half-open path: no
 *   FIN, no RST, the kernel still ACKs, so TCP keepalive sees nothing wrong);
 * - `refuse`: resets new connections at once (the server is unreachable).
 * `dropAll()` destroys every open connection (a middlebox forgetting its state). Bytes dropped
 * while frozen leave those streams corrupt, so `thaw()` drops them before forwarding again.
 */
export type ProxyMode = 'forward' | 'freeze' | 'refuse';

export class FaultProxy {
  private mode: ProxyMode = 'forward';
  private readonly pairs = new Set<{ client: Socket; upstream: Socket }>();
  private server: Server | null = null;
  /** Connections accepted since start (reconnects show up here). */
  accepted = 0;

  private constructor(private readonly target: URL) {}

  /** A proxy in front of the server `connectionString` points at. */
  static async start(connectionString: string): Promise<FaultProxy> {
    const proxy = new FaultProxy(new URL(connectionString));
    await proxy.listen();
    return proxy;
  }

  get port(): number {
    const address = this.server?.address();
    if (!address || typeof address === 'string') throw new Error('proxy is not listening');
    return address.port;
  }

  /** The proxied server's connection string, pointed at the proxy. */
  get connectionString(): string {
    const url = new URL(this.target);
    url.hostname = '127.0.0.1';
    url.port = String(this.port);
    return url.toString();
  }

  get openConnections(): number {
    return this.pairs.size;
  }

  setMode(mode: ProxyMode): void {
    this.mode = mode;
    if (mode === 'refuse') this.dropAll();
  }

  /** Ends a freeze the way a real path recovers: the frozen connections die, new ones work. */
  thaw(): void {
    this.dropAll();
    this.mode = 'forward';
  }

  dropAll(): void {
    for (const pair of this.pairs) {
      pair.client.destroy();
      pair.upstream.destroy();
    }
    this.pairs.clear();
  }

  async close(): Promise<void> {
    this.dropAll();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private listen(): Promise<void> {
    const server = createServer((client) => this.accept(client));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: '127.0.0.1', port: 0 }, () => resolve());
    });
  }

  private accept(client: Socket): void {
    if (this.mode === 'refuse') {
      client.resetAndDestroy();
      return;
    }
    this.accepted += 1;
    const upstream = connect({ host: this.target.hostname, port: Number(this.target.port) });
    const pair = { client, upstream };
    this.pairs.add(pair);
    // Bytes pass only in `forward` mode; in `freeze` they vanish and the sockets stay open.
    client.on('data', (chunk) => {
      if (this.mode === 'forward') upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (this.mode === 'forward') client.write(chunk);
    });
    const close = () => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', close);
    upstream.on('close', close);
    client.on('error', close);
    upstream.on('error', close);
  }
}
