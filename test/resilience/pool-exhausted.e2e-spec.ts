// A busy connection pool is load, not an outage: the request that waited too long for a connection
// gets 503 `unavailable` saying so, with Retry-After, while the instance stays ready, and the log and
// the metrics name pool exhaustion, not an unavailable database (test/resilience/database-outage.e2e-spec.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bearer, databaseUnavailableCount, expectProblem, registerUser, scrapeMetrics } from '../support/api';
import { LogCapture } from '../support/log-capture';
import { startTestApp, TestApp } from '../support/test-app';

const onPostgres = Boolean(process.env.DATABASE_URL);
const ACQUIRE_TIMEOUT_MS = 500;

describe('a busy connection pool', () => {
  let t: TestApp;
  let dataDir: string | undefined;
  const logs = new LogCapture();

  beforeAll(async () => {
    const env = { LATCHKEY_DB_ACQUIRE_TIMEOUT_MS: String(ACQUIRE_TIMEOUT_MS), LATCHKEY_LOG_LEVEL: 'warn' };
    if (onPostgres) {
      t = await startTestApp({ ...env, LATCHKEY_DB_POOL_SIZE: '1' }, undefined, { logDestination: logs });
    } else {
      // The app's own embedded database, as `npm start` runs it (one connection, always), not the
      // tests' loopback copy: with that connection busy, readiness asks the database in this process.
      dataDir = mkdtempSync(join(tmpdir(), 'latchkey-pool-'));
      t = await startTestApp({ ...env, LATCHKEY_DATA_DIR: dataDir }, null, { logDestination: logs });
    }
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers 503 unavailable with Retry-After, stays ready, and logs and counts pool exhaustion', async () => {
    const user = await registerUser(t);
    // The pool's only connection, taken from inside the test: every request's query now waits for it.
    const held = t.dataSource.createQueryRunner();
    await held.connect();
    let requestId: unknown;
    try {
      const started = Date.now();
      const res = await t.http().get('/v1/me').set(bearer(user.personalToken));
      const waited = Date.now() - started;
      const problem = expectProblem(res, 503, 'unavailable');
      requestId = problem.requestId;
      expect(problem.detail).toBe('Every database connection is busy; try again shortly.');
      expect(res.headers['retry-after']).toBe('1');
      // The configured wait, not pg-pool's 3 s default.
      expect(waited).toBeGreaterThanOrEqual(ACQUIRE_TIMEOUT_MS - 50);
      expect(waited).toBeLessThan(2500);

      // The database is up; only this instance's pool is busy, and taking it out of rotation would not help.
      expect((await t.http().get('/health/ready').expect(200)).body).toEqual({
        status: 'ok',
        database: 'up',
        pool: 'busy',
        // LISTEN has a connection of its own, outside the busy pool.
        invalidation: onPostgres ? 'listening' : 'local',
      });
      await t.http().get('/v1/health/ready').expect(200);

      const metrics = await scrapeMetrics(t);
      expect(databaseUnavailableCount(metrics, 'pool_exhausted')).toBe(1);
      expect(databaseUnavailableCount(metrics, 'unreachable')).toBe(0);
      expect(metrics).toMatch(/^latchkey_db_pool_size 1$/m);
      expect(metrics).toMatch(/^latchkey_db_pool_connections\{state="in_use"\} 1$/m);
      expect(metrics).toMatch(/^latchkey_db_pool_connections\{state="idle"\} 0$/m);
    } finally {
      await held.release();
    }

    const exhausted = logs.withMessage('database pool exhausted');
    expect(exhausted).toHaveLength(1);
    expect(exhausted[0]).toMatchObject({ level: 40, requestId, pool: { size: 1, inUse: 1, waiting: expect.any(Number) } });
    expect(logs.withMessage('database unavailable')).toEqual([]);
    // The word in a route name (password-reset) or an action (password_reset) is no password.
    expect(logs.text).not.toMatch(/SELECT|INSERT|password(?![-_]reset)|lkp_|\.ts:\d+|"stack"/i);

    // The connection is free again: the same request works and readiness no longer calls the pool busy.
    await t.http().get('/v1/me').set(bearer(user.personalToken)).expect(200);
    expect((await t.http().get('/health/ready').expect(200)).body).toMatchObject({ status: 'ok', database: 'up', pool: 'ok' });
  }, 60_000);
});
