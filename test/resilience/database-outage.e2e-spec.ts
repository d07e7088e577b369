// A database that cannot be reached: requests get a quick 503 `unavailable`, readiness turns red,
// the log says "database unavailable" and the metrics count it as unreachable, not as a busy pool
// (test/resilience/pool-exhausted.e2e-spec.ts); when the database is back, so is the service, without a restart.
// The outage is a TCP proxy between the app and its database that refuses and resets connections.
import { bearer, databaseUnavailableCount, expectProblem, registerUser, scrapeMetrics } from '../support/api';
import { LogCapture } from '../support/log-capture';
import { TcpProxy } from '../support/tcp-proxy';
import { startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase, TestDatabase } from '../support/test-database';

describe('a database outage', () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let t: TestApp;
  const logs = new LogCapture();

  beforeAll(async () => {
    db = await createTestDatabase();
    proxy = await TcpProxy.start(db.url);
    // Caches off, so every request needs the database. (On the embedded copy, whose socket admits one
    // connection, the cache's LISTEN connection could otherwise take the pool's place after the restore.)
    t = await startTestApp(
      { LATCHKEY_CACHE_TTL_SECONDS: '0', LATCHKEY_LOG_LEVEL: 'warn' },
      { ...db, url: proxy.url(db.url) },
      { logDestination: logs },
    );
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await proxy?.close();
    await db?.drop();
  });

  it('answers 503 unavailable, turns readiness red, logs and counts an outage, and recovers by itself', async () => {
    const user = await registerUser(t);
    await proxy.cut();

    const res = await t.http().get('/v1/me').set(bearer(user.personalToken));
    const problem = expectProblem(res, 503, 'unavailable');
    expect(problem.detail).toBe('The database is unavailable; try again shortly.');
    expect(res.headers['retry-after']).toBeUndefined();
    const ready = expectProblem(await t.http().get('/health/ready'), 503, 'unavailable');
    expect(ready.detail).toBe('The database is not reachable.');

    const metrics = await scrapeMetrics(t);
    expect(databaseUnavailableCount(metrics, 'unreachable')).toBe(1);
    expect(databaseUnavailableCount(metrics, 'pool_exhausted')).toBe(0);
    // The outbox gauges read the database at each scrape: without it they have no samples (not stale
    // ones, not zeros), and the scrape still answers.
    expect(metrics).toContain('# TYPE latchkey_outbox_jobs gauge');
    expect(metrics).toContain('# TYPE latchkey_outbox_oldest_due_seconds gauge');
    expect(metrics).not.toMatch(/^latchkey_outbox_(jobs|oldest_due_seconds)\{/m);
    const unavailable = logs.withMessage('database unavailable');
    expect(unavailable).toHaveLength(1);
    expect(unavailable[0]).toMatchObject({ level: 40, requestId: problem.requestId });
    expect(logs.withMessage('database pool exhausted')).toEqual([]);
    // The word in a route name (password-reset) or an action (password_reset) is no password.
    expect(logs.text).not.toMatch(/SELECT|INSERT|password(?![-_]reset)|lkp_|\.ts:\d+|"stack"/i);

    await proxy.restore();
    await t.http().get('/v1/me').set(bearer(user.personalToken)).expect(200);
    // Back: the registration's mail waits in the outbox, and the gauge says so again.
    expect(await scrapeMetrics(t)).toMatch(/^latchkey_outbox_jobs\{kind="mail",status="pending"\} [1-9]/m);
    expect((await t.http().get('/health/ready').expect(200)).body).toEqual({
      status: 'ok',
      database: 'up',
      pool: 'ok',
      // Caches off: no channel on a server; the embedded copy has none in any case.
      invalidation: t.database?.embedded ? 'local' : 'off',
    });
  }, 60_000);
});
