// Review of issue 20: attacks on the invalidation channel through HTTP, on the PostgreSQL server
// (the embedded database has no LISTEN). "Another instance's change" is a statement on the database
// that no instance publishes, followed or not by the notification it would have sent.
import { bearer, eventually, metricValue, registerUser, scrapeMetrics } from '../support/api';
import { StallingProxy } from '../support/stalling-proxy';
import { startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase, serverUrl, TestDatabase } from '../support/test-database';

(serverUrl() ? describe : describe.skip)('review: the invalidation channel under attack (PostgreSQL server)', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  }, 120_000);
  afterAll(async () => {
    await db?.drop();
  });

  const ready = async (t: TestApp) => (await t.http().get('/health/ready')).body as { invalidation?: string };
  const whoami = (t: TestApp, secret: string) => t.http().get('/v1/whoami').set(bearer(secret));
  const revokeBehindTheCachesBack = (t: TestApp, tokenId: string) =>
    t.dataSource.query(`UPDATE tokens SET revoked_at = $2 WHERE id = $1`, [tokenId, new Date(t.clock.now().getTime() - 1000)]);

  describe('a notification anyone can send', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ LATCHKEY_CACHE_TTL_SECONDS: '300' }, db);
    }, 60_000);
    afterAll(async () => {
      await t?.close();
    });

    it('does not switch caching off while readiness and the metrics say the channel is up', async () => {
      expect(await eventually(async () => (await ready(t)).invalidation === 'listening')).toBe(true);
      // pg_notify needs no privilege: any role that can connect to the database can send this.
      await t.dataSource.query(`SELECT pg_notify('latchkey_invalidate', $1)`, [JSON.stringify({ kind: 'all', channelLost: true })]);
      await new Promise((r) => setTimeout(r, 300));
      const user = await registerUser(t);
      expect((await whoami(t, user.personalToken)).status).toBe(200);
      await revokeBehindTheCachesBack(t, user.personalTokenId);
      const cachedAnswer = (await whoami(t, user.personalToken)).status;
      const health = await ready(t);
      const up = metricValue(await scrapeMetrics(t), 'latchkey_invalidation_channel_up');
      // Either the forged event is ignored (the cache still answers 200), or the instance says the caches
      // are bypassed. Bug: it bypasses them (401) while saying "listening" and channel_up 1, until the
      // LISTEN connection is next lost: a cheap way to push every check of every instance onto the database.
      expect({ cachedAnswer, invalidation: health.invalidation, up }).toEqual({ cachedAnswer: 200, invalidation: 'listening', up: 1 });
    });
  });

  describe('a LISTEN connection that goes silent without closing', () => {
    let proxy: StallingProxy;
    let t: TestApp;
    beforeAll(async () => {
      proxy = await StallingProxy.start(db.url);
      t = await startTestApp({ LATCHKEY_CACHE_TTL_SECONDS: '300', LATCHKEY_DATABASE_LISTEN_URL: proxy.url(db.url) }, db);
    }, 60_000);
    afterAll(async () => {
      await proxy?.close();
      await t?.close();
    });

    it('is noticed: readiness turns "lost" and another instance\'s revocation is refused within 20 s', async () => {
      expect(await eventually(async () => (await ready(t)).invalidation === 'listening')).toBe(true);
      const user = await registerUser(t);
      expect((await whoami(t, user.personalToken)).status).toBe(200);
      // The primary's host hangs, or a partition drops packets: no RST, no FIN, no error on the socket.
      proxy.stall();
      // Another instance revokes the token and announces it; the announcement goes nowhere.
      await revokeBehindTheCachesBack(t, user.personalTokenId);
      await t.dataSource.query(`SELECT pg_notify('latchkey_invalidate', $1)`, [
        JSON.stringify({ kind: 'token', id: user.personalTokenId }),
      ]);
      // Bug: no keepalive and no ping on the LISTEN connection: it stays "listening" and the cached
      // token stays accepted for the whole TTL (300 s here; 5 min of a revoked token), readiness green.
      const noticed = await eventually(async () => (await ready(t)).invalidation === 'lost', 20_000);
      expect(noticed).toBe(true);
      expect((await whoami(t, user.personalToken)).status).toBe(401);
    }, 40_000);
  });
});
