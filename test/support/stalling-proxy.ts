// A TCP proxy that can go silent without closing anything: bytes stop flowing both ways while every
// socket stays open, as when the far side's host hangs or the network between drops packets. Neither
// end sees an error or an end; only a timeout of its own can tell.
import { AddressInfo, createConnection, createServer, Server, Socket } from 'node:net';

export class StallingProxy {
  private stalled = false;
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly server: Server) {}

  static async start(databaseUrl: string): Promise<StallingProxy> {
    const target = new URL(databaseUrl);
    let proxy: StallingProxy | null = null;
    const server = createServer((client) => {
      const upstream = createConnection({ host: target.hostname, port: Number(target.port || 5432) });
      const forward = (from: Socket, to: Socket) =>
        from.on('data', (chunk) => {
          if (!proxy?.stalled) to.write(chunk);
        });
      forward(client, upstream);
      forward(upstream, client);
      for (const socket of [client, upstream]) {
        proxy?.sockets.add(socket);
        socket.on('close', () => proxy?.sockets.delete(socket));
        socket.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
    });
    proxy = new StallingProxy(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  url(databaseUrl: string): string {
    const url = new URL(databaseUrl);
    url.hostname = '127.0.0.1';
    url.port = String((this.server.address() as AddressInfo).port);
    return url.toString();
  }

  /** Silence: what either side sends from now on is dropped; nothing is closed. */
  stall(): void {
    this.stalled = true;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
