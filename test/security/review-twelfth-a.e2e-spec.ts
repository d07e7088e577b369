// Review 12a: is revocation really immediate? Cache coherence of the token check across instances.
// PostgreSQL server only (two instances on one database; the embedded database has no channel).
// (Two apps in one jest process share passport's strategy registry: TestApp.http() puts its own app's
// bearer strategy back before each request, so each instance checks tokens with its own caches.)
import { bearer, createNamedToken, createWorkspace, PASSWORD, registerUser } from '../support/api';
import { startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase, serverUrl, TestDatabase } from '../support/test-database';

async function within(ms: number, condition: () => Promise<boolean>): Promise<number | null> {
  const started = Date.now();
  while (Date.now() - started <= ms) {
    if (await condition()) return Date.now() - started;
    await new Promise((r) => setTimeout(r, 25));
  }
  return null;
}

/** The same server, another database: where a LISTEN URL lands when its path names the wrong one. */
function otherDatabaseUrl(url: string): string {
  const parsed = new URL(url);
  parsed.pathname = '/postgres';
  return parsed.toString();
}

(serverUrl() ? describe : describe.skip)('review 12a: cache coherence across instances (PostgreSQL server)', () => {
  let db: TestDatabase;
  let a: TestApp;
  let b: TestApp;
  let c: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    // A long TTL: only the channel, or a bypass of the caches, can explain a refusal.
    // `a` LISTENs on the right server but another database (a wrong path in LATCHKEY_DATABASE_LISTEN_URL,
    // or a pooler alias named differently from the database): it hears its own heartbeat there.
    a = await startTestApp({ LATCHKEY_CACHE_TTL_SECONDS: '300', LATCHKEY_DATABASE_LISTEN_URL: otherDatabaseUrl(db.url) }, db);
    b = await startTestApp({ LATCHKEY_CACHE_TTL_SECONDS: '300' }, db);
    c = await startTestApp({ LATCHKEY_CACHE_TTL_SECONDS: '300' }, db);
  }, 120_000);
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await c?.close();
    await db?.drop();
  });

  const state = async (t: TestApp) => ((await t.http().get('/health/ready')).body as { invalidation?: string }).invalidation;

  /** A user of `b` with a workspace and a named token; the token check on that workspace through `t`. */
  async function userWithToken() {
    const user = await registerUser(b);
    const workspaceId = (await createWorkspace(b, user.personalToken)).id;
    const token = await createNamedToken(b, user.personalToken, { scopes: ['*'] });
    const check = async (t: TestApp) =>
      (await t.http().get(`/v1/authorize?workspaceId=${workspaceId}&permission=devices:read`).set(bearer(token.secret))).status;
    const revoke = () => b.http().delete(`/v1/me/tokens/${token.id}`).set(bearer(user.personalToken)).expect(204);
    return { check, revoke };
  }

  it('R12A-1: an instance whose LISTEN connection hears another database does not keep a token revoked elsewhere alive, nor call its channel listening', async () => {
    // Past a heartbeat and a probe's wait: a heartbeat is sent and heard on the LISTEN connection itself,
    // so it does not tell; the probe sent through the pool never arrives there.
    await new Promise((r) => setTimeout(r, 6000));
    expect(await state(a)).toBe('lost');
    const { check, revoke } = await userWithToken();
    expect(await check(a)).toBe(204);
    expect(await check(a)).toBe(204);
    await revoke();
    // SPEC 7: every instance within a second. Either `a` hears it, or it knows that it hears nothing
    // (the channel lost: caches bypassed, each check reads the database).
    const refused = await within(1000, async () => (await check(a)) === 401);
    expect({ refused: refused !== null, channel: await state(a) }).toEqual({ refused: true, channel: 'lost' });
  }, 40_000);

  /**
   * Each app has a frozen FakeClock set when it started. `t`'s clock is set `ms` behind `ahead`'s: the
   * skew between two hosts (NTP keeps it small, not nil; a VM resumed or a host without NTP has more).
   */
  function skew(t: TestApp, ahead: TestApp, ms: number): void {
    t.clock.advance(ahead.clock.now().getTime() - t.clock.now().getTime() - ms);
  }

  it('R12A-2: a token revoked through an instance whose clock runs 3 s ahead is refused by the others within a second, not once their clocks reach its revokedAt', async () => {
    expect(await within(10_000, async () => (await state(c)) === 'listening')).not.toBeNull();
    skew(c, b, 3000);
    const { check, revoke } = await userWithToken();
    expect(await check(c)).toBe(204);
    await revoke();
    // `c` heard the event and read the row again: revoked_at is b's "now", 3 s in c's future.
    expect(await within(1000, async () => (await check(c)) === 401)).not.toBeNull();
  }, 40_000);

  it('R12A-2: sessions ended by a password change through an instance whose clock runs ahead are refused by the others at once', async () => {
    expect(await within(10_000, async () => (await state(c)) === 'listening')).not.toBeNull();
    skew(c, b, 3000);
    const user = await registerUser(b);
    const workspaceId = (await createWorkspace(b, user.personalToken)).id;
    const session = (await b.http().post('/v1/auth/login').send({ email: user.email, password: PASSWORD }).expect(200)).body.token
      .secret as string;
    const check = async (t: TestApp) =>
      (await t.http().get(`/v1/authorize?workspaceId=${workspaceId}&permission=devices:read`).set(bearer(session))).status;
    expect(await check(c)).toBe(204);
    await b
      .http()
      .patch('/v1/me')
      .set(bearer(user.personalToken))
      .send({ password: 'another correct horse battery', currentPassword: PASSWORD })
      .expect(200);
    expect(await check(b)).toBe(401);
    expect(await within(1000, async () => (await check(c)) === 401)).not.toBeNull();
  }, 40_000);

  it('R12A-1 (control): with LISTEN on the right database (and the clocks agreeing) the other instance refuses within a second', async () => {
    expect(await within(10_000, async () => (await state(c)) === 'listening')).not.toBeNull();
    skew(c, b, -1000);
    const { check, revoke } = await userWithToken();
    expect(await check(c)).toBe(204);
    expect(await check(c)).toBe(204);
    await revoke();
    expect(await within(1000, async () => (await check(c)) === 401)).not.toBeNull();
  }, 40_000);
});
