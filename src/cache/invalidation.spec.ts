import { Logger } from '@nestjs/common';
import { createServer, Server, Socket } from 'node:net';
import { loadConfig } from '../config/app-config';
import { Invalidation } from './invalidation';

describe('Invalidation, while the LISTEN connection cannot be made', () => {
  let server: Server;
  let connections = 0;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    Logger.overrideLogger(false);
    // Accepts and hangs up at once, as a proxy in front of a stopped server does: the client sees
    // 'end' before its connect() fails.
    server = createServer((socket) => {
      connections++;
      sockets.push(socket);
      socket.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    Logger.overrideLogger(['log', 'error', 'warn', 'debug', 'verbose']);
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it('retries once a second, not once per way the loss was reported', async () => {
    const address = server.address() as { port: number };
    const invalidation = new Invalidation(loadConfig({ DATABASE_URL: `postgres://latchkey@127.0.0.1:${address.port}/latchkey` }));
    const cleared: string[] = [];
    invalidation.subscribe((event) => cleared.push(event.kind));
    await invalidation.onApplicationBootstrap();
    await new Promise((resolve) => setTimeout(resolve, 3500));
    await invalidation.onApplicationShutdown();
    // Attempts at 0, 1, 2 and 3 s. Reconnecting from both 'end' and the failed connect() doubled the
    // retry loops at every failure: 1 + 2 + 4 + 8 attempts.
    expect(connections).toBeGreaterThanOrEqual(3);
    expect(connections).toBeLessThanOrEqual(5);
    expect(cleared.every((kind) => kind === 'all')).toBe(true);
  });
});
