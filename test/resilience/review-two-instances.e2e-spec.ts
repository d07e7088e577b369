// Review of issue 20: the property itself, through HTTP with two instances on one PostgreSQL database:
// a revocation made through one is refused by the other within a second, before, during and after a
// loss of the other's LISTEN connection (on its own URL, as behind PgBouncer). PostgreSQL server only.
import { bearer, createNamedToken, login, markEmailVerified, registerUser } from '../support/api';
import { TcpProxy } from '../support/tcp-proxy';
import { ADMIN_EMAIL, startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase, serverUrl, TestDatabase } from '../support/test-database';

async function within(ms: number, condition: () => Promise<boolean>): Promise<number | null> {
  const started = Date.now();
  while (Date.now() - started <= ms) {
    if (await condition()) return Date.now() - started;
    await new Promise((r) => setTimeout(r, 25));
  }
  return null;
}

(serverUrl() ? describe : describe.skip)('review: a revocation through one instance, seen by another (PostgreSQL server)', () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    proxy = await TcpProxy.start(db.url);
    // A long TTL: only the channel, or the bypass while it is lost, explains a refusal.
    a = await startTestApp({ LATCHKEY_CACHE_TTL_SECONDS: '300', LATCHKEY_DATABASE_LISTEN_URL: proxy.url(db.url) }, db);
    b = await startTestApp({ LATCHKEY_CACHE_TTL_SECONDS: '300' }, db);
  }, 120_000);
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await proxy?.close();
    await db?.drop();
  });

  const state = async (t: TestApp) => ((await t.http().get('/health/ready')).body as { invalidation?: string }).invalidation;
  const status = async (t: TestApp, secret: string) => (await t.http().get('/v1/whoami').set(bearer(secret))).status;

  /** A token cached on `a`, revoked through `b`: how long until `a` refuses it. */
  async function revokeThroughB(): Promise<number | null> {
    const user = await registerUser(b);
    const token = await createNamedToken(b, user.personalToken, { scopes: ['*'] });
    expect(await status(a, token.secret)).toBe(200);
    expect(await status(a, token.secret)).toBe(200);
    await b.http().delete(`/v1/me/tokens/${token.id}`).set(bearer(user.personalToken)).expect(204);
    return within(1000, async () => (await status(a, token.secret)) === 401);
  }

  it('within a second while listening, at once while the channel is lost, and within a second once it is back', async () => {
    expect(await within(10_000, async () => (await state(a)) === 'listening')).not.toBeNull();
    expect(await revokeThroughB()).not.toBeNull();

    await proxy.cut();
    expect(await within(10_000, async () => (await state(a)) === 'lost')).not.toBeNull();
    // Lost: nothing is cached, so the first check after the revocation reads the database.
    expect(await revokeThroughB()).toBeLessThan(100);

    await proxy.restore();
    expect(await within(10_000, async () => (await state(a)) === 'listening')).not.toBeNull();
    for (let i = 0; i < 3; i++) expect(await revokeThroughB()).not.toBeNull();
  }, 60_000);

  it('a user deactivated through one instance is refused by the other within a second', async () => {
    const user = await registerUser(b);
    expect(await status(a, user.personalToken)).toBe(200);
    expect(await status(a, user.personalToken)).toBe(200);
    const admin = await registerUser(b, ADMIN_EMAIL);
    await markEmailVerified(b, admin.id);
    const adminSession = await login(b, ADMIN_EMAIL);
    await b.http().post(`/v1/admin/users/${user.id}/deactivate`).set(bearer(adminSession)).expect(200);
    expect(await within(1000, async () => (await status(a, user.personalToken)) === 401)).not.toBeNull();
  }, 30_000);
});
