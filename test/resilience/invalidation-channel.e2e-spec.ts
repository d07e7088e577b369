// Issue 20: the cache invalidation channel (LISTEN) on its own connection, LATCHKEY_DATABASE_LISTEN_URL,
// as behind PgBouncer in transaction mode. While that connection is lost nothing tells this instance
// about other instances' changes: its caches are bypassed (a change made elsewhere is seen at once),
// /health/ready says `invalidation: "lost"` and stays 200, and the metrics count the loss. When the
// connection is back, caching resumes. "Elsewhere" is a statement on the database that no instance
// publishes, as a change by another instance whose notification was lost. PostgreSQL server only: the
// embedded database has no second connection to LISTEN on.
// The drain of a graceful shutdown is tested here too, on both databases.
import { startDraining } from '../../src/health/draining';
import { bearer, eventually, expectProblem, metricValue, registerUser, scrapeMetrics } from '../support/api';
import { TcpProxy } from '../support/tcp-proxy';
import { startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase, serverUrl, TestDatabase } from '../support/test-database';

(serverUrl() ? describe : describe.skip)('the invalidation channel on a connection of its own (PostgreSQL server)', () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let t: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    proxy = await TcpProxy.start(db.url);
    // A long TTL: only an invalidation, or a bypassed cache, can explain a change being seen.
    t = await startTestApp({ LATCHKEY_CACHE_TTL_SECONDS: '300', LATCHKEY_DATABASE_LISTEN_URL: proxy.url(db.url) }, db);
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await proxy?.close();
    await db?.drop();
  });

  const ready = async () => (await t.http().get('/health/ready')).body as { invalidation?: string };
  const whoami = (secret: string) => t.http().get('/v1/whoami').set(bearer(secret));
  /** A revocation no instance publishes: another instance's change whose notification never came. */
  const revokeBehindTheCachesBack = (tokenId: string) =>
    t.dataSource.query(`UPDATE tokens SET revoked_at = $2 WHERE id = $1`, [tokenId, new Date(t.clock.now().getTime() - 1000)]);

  it('caches while listening, bypasses the caches while the channel is lost, and resumes when it is back', async () => {
    expect(await eventually(async () => (await ready()).invalidation === 'listening')).toBe(true);
    expect(metricValue(await scrapeMetrics(t), 'latchkey_invalidation_channel_up')).toBe(1);

    // Listening: a cached token stays accepted after a change nobody announced (the cache is in use,
    // so the next part can fail).
    const first = await registerUser(t);
    expect((await whoami(first.personalToken)).status).toBe(200);
    await revokeBehindTheCachesBack(first.personalTokenId);
    expect((await whoami(first.personalToken)).status).toBe(200);

    await proxy.cut();
    expect(await eventually(async () => (await ready()).invalidation === 'lost')).toBe(true);
    const health = await t.http().get('/health/ready');
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: 'ok', database: 'up', invalidation: 'lost' });
    const metrics = await scrapeMetrics(t);
    expect(metricValue(metrics, 'latchkey_invalidation_channel_up')).toBe(0);
    expect(metricValue(metrics, 'latchkey_invalidation_channel_losses_total')).toBe(1);

    // Lost: what was cached is gone, and nothing is cached again: each change is seen at the next check.
    expect((await whoami(first.personalToken)).status).toBe(401);
    const second = await registerUser(t);
    expect((await whoami(second.personalToken)).status).toBe(200);
    expect((await whoami(second.personalToken)).status).toBe(200);
    await revokeBehindTheCachesBack(second.personalTokenId);
    expectProblem(await whoami(second.personalToken), 401, 'token_invalid');

    await proxy.restore();
    expect(await eventually(async () => (await ready()).invalidation === 'listening')).toBe(true);
    expect(metricValue(await scrapeMetrics(t), 'latchkey_invalidation_channel_up')).toBe(1);
    // Caching again, and another instance's announced change arrives through the channel.
    const third = await registerUser(t);
    expect((await whoami(third.personalToken)).status).toBe(200);
    await revokeBehindTheCachesBack(third.personalTokenId);
    expect((await whoami(third.personalToken)).status).toBe(200);
    await t.dataSource.query(`SELECT pg_notify('latchkey_invalidate', $1)`, [JSON.stringify({ kind: 'token', id: third.personalTokenId })]);
    expect(await eventually(async () => (await whoami(third.personalToken)).status === 401, 5000)).toBe(true);
  }, 60_000);
});

describe('draining before a shutdown', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('turns readiness red and closes each connection after its response, while still serving', async () => {
    const user = await registerUser(t);
    // supertest's client asks for a closed connection unless told otherwise.
    const keepAlive = { Connection: 'keep-alive' };
    const before = await t.http().get('/v1/whoami').set(bearer(user.personalToken)).set(keepAlive);
    expect(before.headers.connection).toBe('keep-alive');
    expect((await t.http().get('/health/ready')).status).toBe(200);

    startDraining(t.app);
    const problem = expectProblem(await t.http().get('/health/ready'), 503, 'unavailable');
    expect(problem.detail).toBe('The instance is shutting down.');
    const during = await t.http().get('/v1/whoami').set(bearer(user.personalToken)).set(keepAlive);
    expect(during.status).toBe(200);
    expect(during.headers.connection).toBe('close');
    // Liveness is not readiness: an orchestrator must not kill a draining instance early.
    expect((await t.http().get('/health/live')).status).toBe(200);
  });
});
