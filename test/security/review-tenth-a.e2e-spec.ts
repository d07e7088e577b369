// Review 10a: the HTTP surface as a whole (fuzz over every operation, headers and exposure, client
// address, GraphQL). Each test asserts the secure behaviour and fails on the code it was written against.
import { connect, type Socket } from 'node:net';
import type { QueryRunner } from 'typeorm';
import { startTestApp, type TestApp, listenOnLoopback } from '../support/test-app';
import { serverUrl } from '../support/test-database';

jest.setTimeout(60_000);

/** Sends raw bytes on a fresh connection and answers what came back before the server closed it (or 3 s passed). */
function rawExchange(port: number, bytes: Buffer): Promise<string> {
  return new Promise((resolve) => {
    const socket: Socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const done = () => {
      socket.destroy();
      resolve(Buffer.concat(chunks).toString('latin1'));
    };
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('end', done);
    socket.on('error', done);
    socket.setTimeout(3000, done);
    socket.write(bytes);
  });
}

function parseRaw(text: string): { status: number; headers: Record<string, string>; body: string } {
  const [head, ...rest] = text.split('\r\n\r\n');
  const [statusLine, ...lines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const at = line.indexOf(':');
    headers[line.slice(0, at).trim().toLowerCase()] = line.slice(at + 1).trim();
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body: rest.join('\r\n\r\n') };
}

(serverUrl() ? describe : describe.skip)('review 10a F1: anonymous readiness probes and the database (PostgreSQL)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  it('review 10a F1: a flood of anonymous GET /health/ready on a busy pool opens at most one connection outside the pool (was one per request, up to max_connections)', async () => {
    const size = t.config.dbPoolSize ?? 5;
    // Every connection of the pool taken, as under load: readiness now probes outside the pool.
    const held: QueryRunner[] = [];
    for (let i = 0; i < size; i++) {
      const runner = t.dataSource.createQueryRunner();
      await runner.connect();
      await runner.query('SELECT 1');
      held.push(runner);
    }
    try {
      const watcher = held[0];
      let peak = 0;
      let finished = false;
      const sampling = (async () => {
        while (!finished) {
          const [{ n }] = await watcher.query(
            `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'latchkey-ready' AND datname = current_database()`,
          );
          peak = Math.max(peak, n);
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      })();
      // Anonymous, and exempt from every rate limit: anyone can send these as fast as they like.
      const answers = await Promise.all(Array.from({ length: 30 }, () => t.http().get('/health/ready')));
      finished = true;
      await sampling;
      expect(answers.every((a) => a.status < 500 || a.status === 503)).toBe(true);
      // One probe at a time (the others share its outcome) keeps an anonymous caller from spending
      // the database server's connections, which every instance and every other client share.
      expect(peak).toBeLessThanOrEqual(1);
    } finally {
      for (const runner of held) await runner.release();
    }
  });
});

describe('review 10a: the HTTP server itself', () => {
  let t: TestApp;
  let port: number;
  beforeAll(async () => {
    t = await startTestApp();
    port = await listenOnLoopback(t);
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  it('review 10a F2: a request whose body never finishes is cut off (requestTimeout was 0: a trickled body held its connection for ever)', () => {
    const server = t.app.getHttpServer();
    // Node's headersTimeout (60 s) ends a request whose headers trickle; nothing ends one whose body
    // does, so a client holds sockets (and up to 1 MiB of buffer each) as long as it likes.
    expect(server.requestTimeout).toBeGreaterThan(0);
    expect(server.requestTimeout).toBeLessThanOrEqual(120_000);
  });

  it.each([
    ['a control character in a header', Buffer.from('GET /v1/me HTTP/1.1\r\nHost: a\r\nX-A: \x01\r\nConnection: close\r\n\r\n', 'latin1')],
    ['a space inside the path', Buffer.from('GET /v1/me/a b HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n', 'latin1')],
    [
      'a raw non-ASCII byte in the path',
      Buffer.from('GET /v1/workspaces/\xc3\xa9 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n', 'latin1'),
    ],
    [
      'Content-Length with Transfer-Encoding',
      Buffer.from(
        'POST /v1/auth/login HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n',
        'latin1',
      ),
    ],
    [
      'headers over the size limit',
      Buffer.from(`GET /v1/me?cursor=${'A'.repeat(20_000)} HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n`, 'latin1'),
    ],
  ])(
    'review 10a F3: a request the HTTP parser refuses (%s) is answered in problem+json with the API headers (was Fastify\'s {"error","message","statusCode"} JSON, no nosniff, no no-store)',
    async (_label, bytes) => {
      const answer = parseRaw(await rawExchange(port, bytes));
      expect(answer.status).toBeGreaterThanOrEqual(400);
      expect(answer.status).toBeLessThan(500);
      expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(answer.headers['x-content-type-options']).toBe('nosniff');
      expect(answer.headers['cache-control']).toBe('no-store');
      const problem = JSON.parse(answer.body);
      expect(problem).toMatchObject({ status: answer.status, code: expect.any(String) });
    },
  );
});
