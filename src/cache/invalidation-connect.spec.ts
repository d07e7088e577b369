// Review of issue 20: a LISTEN address that accepts the TCP connection and never answers (a host
// stuck in I/O, a proxy holding the connection for a backend that never comes). The first LISTEN is
// awaited in onApplicationBootstrap, so the instance does not start until it settles.
import { Logger } from '@nestjs/common';
import { createServer, Server, Socket } from 'node:net';
import { loadConfig } from '../config/app-config';
import { Invalidation } from './invalidation';

describe('Invalidation, when the LISTEN address never answers', () => {
  let server: Server;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    Logger.overrideLogger(false);
    server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    Logger.overrideLogger(['log', 'error', 'warn', 'debug', 'verbose']);
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it('does not hold up the start: the first attempt gives up in bounded time and the caches are bypassed', async () => {
    const { port } = server.address() as { port: number };
    const invalidation = new Invalidation(
      loadConfig({
        DATABASE_URL: 'postgres://latchkey@127.0.0.1:1/latchkey',
        LATCHKEY_DATABASE_LISTEN_URL: `postgres://latchkey@127.0.0.1:${port}/latchkey`,
        LATCHKEY_CACHE_TTL_SECONDS: '300',
      }),
    );
    let settled = false;
    const bootstrap = invalidation.onApplicationBootstrap().then(() => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 8000));
    // Bug: the LISTEN Client has no connectionTimeoutMillis (the pool has dbAcquireTimeoutMs), so
    // connect() waits for the server's first byte forever and app.init() never returns.
    expect(settled).toBe(true);
    expect(invalidation.state).toBe('lost');
    await invalidation.onApplicationShutdown();
    for (const socket of sockets) socket.destroy();
    await bootstrap.catch(() => undefined);
  }, 15_000);
});
