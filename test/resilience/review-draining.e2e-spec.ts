// Review of issue 20: the graceful shutdown (src/health/draining.ts) through real sockets, on both
// databases: what a balancer's connections see while the instance drains and then stops listening.
import { Controller, Get, Module } from '@nestjs/common';
import { Agent, request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { Public } from '../../src/auth/access.decorators';
import { shutDownGracefully, startDraining } from '../../src/health/draining';
import { bearer, registerUser } from '../support/api';
import { startTestApp, TestApp, listenOnLoopback } from '../support/test-app';
import { createTestDatabase, TestDatabase } from '../support/test-database';

/** One HTTP request on `agent`; resolves with the status and the Connection header. */
function get(port: number, path: string, agent: Agent, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; connection: string | undefined }>((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, agent, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A request that takes as long as the test says: in flight when the shutdown begins. */
const slow = { release: () => undefined as void, started: Promise.resolve() };
@Controller('review-slow')
class SlowController {
  @Get()
  @Public()
  async wait(): Promise<object> {
    await new Promise<void>((resolve) => (slow.release = resolve));
    return { done: true };
  }
}
@Module({ controllers: [SlowController] })
class SlowModule {}

/** Runs shutDownGracefully with its process.exit deadline caught, so the test process survives it. */
async function withExitCaught<T>(run: () => Promise<T>): Promise<{ result: T; exited: boolean }> {
  const exit = jest.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
  const realSetTimeout = global.setTimeout;
  const deadlines: NodeJS.Timeout[] = [];
  const timers = jest.spyOn(global, 'setTimeout').mockImplementation(((fn: () => void, ms?: number) => {
    const timer = realSetTimeout(fn, ms);
    if ((ms ?? 0) >= 20_000) deadlines.push(timer);
    return timer;
  }) as never);
  try {
    const result = await run();
    return { result, exited: exit.mock.calls.length > 0 };
  } finally {
    for (const timer of deadlines) clearTimeout(timer);
    timers.mockRestore();
    exit.mockRestore();
  }
}

describe('review: draining and stopping', () => {
  it('closes the connection of a response the router answers (broken percent-encoding) while draining', async () => {
    const t = await startTestApp();
    try {
      startDraining(t.app);
      const answer = await t.http().get('/v1/workspaces/%E0%A4%A').set('Connection', 'keep-alive');
      expect(answer.status).toBe(400);
      // frameworkErrors (app.setup.ts) answers before any hook: the drain's switch is below them.
      expect(answer.headers.connection).toBe('close');
    } finally {
      await t.close();
    }
  });

  describe('shutDownGracefully on a listening instance', () => {
    let db: TestDatabase;
    let t: TestApp;
    let port: number;
    const exitTimers: NodeJS.Timeout[] = [];

    beforeAll(async () => {
      db = await createTestDatabase();
      t = await startTestApp({}, db);
      port = await listenOnLoopback(t);
    }, 60_000);
    afterAll(async () => {
      for (const timer of exitTimers) clearTimeout(timer);
      await db?.drop();
    });

    it('refuses new connections, serves one already open with `Connection: close`, and ends once it has gone', async () => {
      const user = await registerUser(t);
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      const auth = bearer(user.personalToken);
      const first = await get(port, '/v1/whoami', agent, auth);
      expect(first).toEqual({ status: 200, connection: 'keep-alive' });

      // The process.exit(1) of the shutdown's deadline must not kill the test process: caught here.
      const exit = jest.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
      const realSetTimeout = global.setTimeout;
      const timers = jest.spyOn(global, 'setTimeout').mockImplementation(((fn: () => void, ms?: number) => {
        const timer = realSetTimeout(fn, ms);
        if ((ms ?? 0) >= 20_000) exitTimers.push(timer);
        return timer;
      }) as never);
      const started = Date.now();
      let finished = false;
      const shutdown = shutDownGracefully(t.app, 0).then(() => (finished = true));
      try {
        await new Promise((r) => realSetTimeout(r, 200));
        // Not listening: a new connection is refused, which a balancer may send elsewhere whatever the method.
        const refused = await new Promise<boolean>((resolve) => {
          const socket = connect(port, '127.0.0.1');
          socket.on('connect', () => (socket.destroy(), resolve(false)));
          socket.on('error', () => resolve(true));
        });
        expect(refused).toBe(true);
        expect(finished).toBe(false);
        // The idle keep-alive connection is still served, and told to close.
        const late = await get(port, '/v1/whoami', agent, auth);
        expect(late).toEqual({ status: 200, connection: 'close' });
        await shutdown;
        // It ended as soon as that connection closed, not at CONNECTIONS_WAIT_MS (10 s).
        expect(Date.now() - started).toBeLessThan(5000);
        expect(exit).not.toHaveBeenCalled();
      } finally {
        timers.mockRestore();
        exit.mockRestore();
        agent.destroy();
      }
    }, 30_000);
  });

  it('lets a request in flight when the shutdown begins finish, then waits for its connection before closing', async () => {
    const t = await startTestApp({}, undefined, { imports: [SlowModule] });
    const port = await listenOnLoopback(t);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const inFlight = get(port, '/v1/review-slow', agent);
      await new Promise((r) => setTimeout(r, 300));
      const { result, exited } = await withExitCaught(async () => {
        let closed = false;
        const shutdown = shutDownGracefully(t.app, 0).then(() => (closed = true));
        await new Promise((r) => setTimeout(r, 500));
        // Still waiting for the request: the application (its pool, its buffered writes) is not closed yet.
        const closedEarly = closed;
        slow.release();
        const answer = await inFlight;
        await new Promise((r) => setTimeout(r, 300));
        // Nor once it is answered: its connection is still open, and left for the peer to close (a
        // request crossing a close of ours could not be told from one we received).
        const closedWhileConnected = closed;
        const peerClosedAt = Date.now();
        agent.destroy();
        await shutdown;
        return { closedEarly, closedWhileConnected, answer, afterPeerClosedMs: Date.now() - peerClosedAt };
      });
      expect(result.closedEarly).toBe(false);
      expect(result.closedWhileConnected).toBe(false);
      // It began before the drain, so its response may keep the connection; either way it is answered.
      expect(result.answer.status).toBe(200);
      expect(result.afterPeerClosedMs).toBeLessThan(2000);
      expect(exited).toBe(false);
    } finally {
      agent.destroy();
      await t.database?.drop();
    }
  }, 30_000);
});
