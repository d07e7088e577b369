// Security review of the merged fixes for the audit's findings (docs/security.md): holes between the fixes, each through HTTP.
import {
  bearer,
  builtInRoles,
  createNamedToken,
  createWorkspace,
  expectProblem,
  inviteAndAccept,
  RegisteredUser,
  registerUser,
} from '../support/api';
import { startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase, serverUrl, TestDatabase } from '../support/test-database';
import { checksum } from '../../src/auth/token-format';

describe('security review: a route table with a catch-all cannot be steered to it by spelling the path differently (C1)', () => {
  let t: TestApp;
  let owner: RegisteredUser;
  let viewer: RegisteredUser;
  let W: string;
  let d1: string;

  beforeAll(async () => {
    t = await startTestApp({
      LATCHKEY_FORWARD_AUTH_PATH_PREFIX: '/api',
      // First match wins: the specific route, then a catch-all for the rest of the service.
      LATCHKEY_FORWARD_AUTH_ROUTES: [
        'DELETE /workspaces/{workspaceId}/devices/{deviceId} devices:delete',
        '* /workspaces/{workspaceId}/** devices:read',
      ].join(','),
    });
    owner = await registerUser(t);
    viewer = await registerUser(t);
    W = (await createWorkspace(t, owner.personalToken, 'Catch-all')).id;
    d1 = (
      await t.http().post(`/v1/workspaces/${W}/devices`).set(bearer(owner.personalToken)).send({ name: 'one', serial: 'CA1' }).expect(201)
    ).body.id;
    const roles = await builtInRoles(t, owner.personalToken, W);
    await inviteAndAccept(t, owner.personalToken, W, viewer, [roles.viewer], { mode: 'all' });
  }, 60_000);
  afterAll(() => t?.close());

  it('review C1: a viewer cannot pass a DELETE of a device as devices:read with a trailing slash, an encoded letter or upper case', async () => {
    const path = `/v1/authorize/api/workspaces/${W}/devices/${d1}`;
    // The route itself: the viewer lacks devices:delete, the owner has it.
    expectProblem(await t.http().delete(path).set(bearer(viewer.personalToken)), 403, 'forbidden');
    await t.http().delete(path).set(bearer(owner.personalToken)).expect(204);
    // Express, Fastify and ASP.NET route these to the same handler as the path above; the catch-all gave devices:read (204).
    expectProblem(await t.http().delete(`${path}/`).set(bearer(viewer.personalToken)), 403, 'forbidden');
    expectProblem(
      await t.http().delete(`/v1/authorize/api/workspaces/${W}/DEVICES/${d1}`).set(bearer(viewer.personalToken)),
      403,
      'forbidden',
    );
    expectProblem(
      await t.http().delete(`/v1/authorize/api/workspaces/${W}/%64evices/${d1}`).set(bearer(viewer.personalToken)),
      400,
      'validation_failed',
    );
    expectProblem(
      await t.http().delete(`/v1/authorize/api/workspaces/${W}/devic%65s/${d1}`).set(bearer(viewer.personalToken)),
      400,
      'validation_failed',
    );
    // Traefik: the same paths in X-Forwarded-Uri.
    const traefik = (uri: string) =>
      t.http().get('/v1/authorize').set(bearer(viewer.personalToken)).set('X-Forwarded-Method', 'DELETE').set('X-Forwarded-Uri', uri);
    expectProblem(await traefik(`/api/workspaces/${W}/devices/${d1}/`), 403, 'forbidden');
    expectProblem(await traefik(`/api/workspaces/${W}/%64evices/${d1}`), 400, 'validation_failed');
    // The catch-all still serves what it is for.
    await t.http().get(`${path}/files/a`).set(bearer(viewer.personalToken)).expect(204);
    await t.http().get(`${path}/`).set(bearer(viewer.personalToken)).expect(204);
  });
});

describe('security review: a restart does not make every earlier token refusable by a junk flood (H3, no Redis)', () => {
  const FAILURES = 5;
  const env = { LATCHKEY_RATE_LIMIT_FAILED_CHECKS_PER_IP: String(FAILURES) };
  let db: TestDatabase;
  let t: TestApp | undefined;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  /** Well-formed (prefix, length, checksum) and issued by nobody: each costs a lookup until the address is cut off. */
  const forged = (i: number) => {
    const head = `lkp_${String(Math.floor(i)).padStart(32, 'R')}`;
    return head + checksum(head);
  };

  it('review H3: after a restart, a flood from the gateway address does not get the tokens issued before it refused', async () => {
    const before = await startTestApp(env, db);
    const user = await registerUser(before);
    const wid = (await createWorkspace(before, user.personalToken)).id;
    await before.close();
    // The same database, a new process (a deploy, a crash): a single instance without Redis, the default.
    t = await startTestApp(env, db);
    const app = t;
    const statuses: number[] = [];
    for (let i = 0; i < FAILURES + 10; i++)
      statuses.push(
        (
          await app
            .http()
            .get('/v1/me')
            .set(bearer(forged(Math.random() * 1e9)))
        ).status,
      );
    expect(statuses.slice(-5)).toEqual(Array(5).fill(429));
    // Every check comes from the gateway's address: the platform's existing tokens must still pass.
    await app.http().get('/v1/me').set(bearer(user.personalToken)).expect(200);
    await app.http().get(`/v1/authorize?workspaceId=${wid}&permission=devices:read`).set(bearer(user.personalToken)).expect(204);
    // Made-up tokens from that address are still refused without a query.
    const queries = app.queries.total;
    expectProblem(
      await app
        .http()
        .get('/v1/me')
        .set(bearer(forged(7))),
      429,
      'rate_limited',
    );
    expect(app.queries.total - queries).toBe(0);
  });
});

describe('security review: an IPv6 client cannot escape the per-address limits by taking a new address of its /64 (H3, M5)', () => {
  const FAILURES = 5;
  let t: TestApp;

  beforeAll(async () => {
    // One proxy in front (the test client): the client address is the last X-Forwarded-For entry.
    t = await startTestApp({
      LATCHKEY_TRUST_PROXY: '1',
      LATCHKEY_RATE_LIMIT_FAILED_CHECKS_PER_IP: String(FAILURES),
      LATCHKEY_RATE_LIMIT_PUBLIC_PER_IP: '5',
    });
  });
  afterAll(() => t?.close());

  const forged = (i: number) => {
    const head = `lkp_${String(Math.floor(i)).padStart(32, 'S')}`;
    return head + checksum(head);
  };

  it('review M5: made-up tokens from ever-new addresses of one /64 are cut off like those from one address; other clients are not', async () => {
    const user = await registerUser(t);
    const statuses: number[] = [];
    // A subscriber holds the whole /64: 2^64 addresses, a fresh one per request.
    for (let i = 1; i <= FAILURES + 10; i++) {
      statuses.push(
        (
          await t
            .http()
            .get('/v1/me')
            .set('X-Forwarded-For', `2001:db8:1:2::${i.toString(16)}`)
            .set(bearer(forged(Math.random() * 1e9)))
        ).status,
      );
    }
    expect(statuses.slice(-5)).toEqual(Array(5).fill(429));
    // The public per-address limit too: five sign-in attempts per minute from the /64, whatever the address.
    const logins: number[] = [];
    for (let i = 1; i <= 8; i++) {
      logins.push(
        (
          await t
            .http()
            .post('/v1/auth/login')
            .set('X-Forwarded-For', `2001:db8:1:2:${i.toString(16)}::1`)
            .send({ email: user.email, password: 'wrong password here' })
        ).status,
      );
    }
    expect(logins.slice(-3)).toEqual(Array(3).fill(429));
    // Another /64, and the token known to exist, are not affected.
    await t.http().get('/v1/me').set('X-Forwarded-For', '2001:db8:1:3::1').set(bearer(user.personalToken)).expect(200);
    await t.http().get('/v1/me').set('X-Forwarded-For', '2001:db8:1:2::99').set(bearer(user.personalToken)).expect(200);
  });
});

// PostgreSQL only: the deactivation is held open on a second connection (the embedded database has one).
(serverUrl() ? describe : describe.skip)(
  'security review: a session exchanged while the user is being deactivated does not survive it (L4)',
  () => {
    let t: TestApp;

    beforeAll(async () => {
      t = await startTestApp();
    });
    afterAll(() => t?.close());

    it('review L4: an exchange racing a deactivation is refused, and no session of it comes back with reactivation', async () => {
      const user = await registerUser(t);
      const named = await createNamedToken(t, user.personalToken, { scopes: ['*'] });
      // The token's check is cached, as on any busy instance: the exchange is authenticated as an active user.
      await t.http().get('/v1/me').set(bearer(named.secret)).expect(200);
      // PlatformAdminService.setStatus, held open: the user deactivated and the user's sessions ended, not yet committed.
      const deactivation = t.dataSource.createQueryRunner();
      await deactivation.connect();
      let exchanged: { status: number; body: { token?: { secret: string } } };
      try {
        await deactivation.startTransaction();
        await deactivation.query(`UPDATE users SET status = 'deactivated', deactivated_at = now() WHERE id = $1`, [user.id]);
        await deactivation.query(`UPDATE tokens SET revoked_at = now() WHERE user_id = $1 AND kind = 'session' AND revoked_at IS NULL`, [
          user.id,
        ]);
        const pending = t
          .http()
          .post('/v1/auth/token')
          .set(bearer(named.secret))
          .send({})
          .then((res) => res);
        await new Promise((resolve) => setTimeout(resolve, 300));
        await deactivation.commitTransaction();
        exchanged = await pending;
      } finally {
        await deactivation.release();
      }
      // Reactivated: the named token works again (by design), a session made during the deactivation does not.
      await t.dataSource.query(`UPDATE users SET status = 'active', deactivated_at = NULL WHERE id = $1`, [user.id]);
      const secret = exchanged.body.token?.secret;
      expect({ status: exchanged.status, revived: secret ? (await t.http().get('/v1/me').set(bearer(secret))).status : null }).toEqual({
        status: 401,
        revived: null,
      });
    });
  },
);

describe('security review: more live tokens than the known-token memory holds (H3, no Redis)', () => {
  const FAILURES = 5;
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({
      LATCHKEY_RATE_LIMIT_FAILED_CHECKS_PER_IP: String(FAILURES),
      LATCHKEY_CACHE_MAX_ENTRIES: '100',
      LATCHKEY_CACHE_TTL_SECONDS: '0',
    });
  });
  afterAll(() => t?.close());

  const forged = (i: number) => {
    const head = `lkp_${String(Math.floor(i)).padStart(32, 'T')}`;
    return head + checksum(head);
  };

  // NOT FIXED (open): RateLimits.knownTokens is an LRU bounded by LATCHKEY_CACHE_MAX_ENTRIES. Past that many
  // live tokens (a large platform, or one user minting sessions with POST /auth/token), the least recently
  // used ones are forgotten, and while a gateway's address is flooded with junk they get 429 again, the H3
  // hole. With Redis the shared keys cover them. Closing it needs a design choice (a compact set of every
  // live hash, e.g. a Bloom filter kept from the database, or a per-address lookup budget that junk cannot
  // exhaust), so the test is kept, skipped, as the statement of the hole.
  it.skip('review H3: a token pushed out of the known-token memory by newer ones is still not refused during a flood', async () => {
    const user = await registerUser(t);
    await t.http().get('/v1/me').set(bearer(user.personalToken)).expect(200);
    // 100 newer tokens (sessions exchanged from a named token) push the personal token out of the memory.
    const minter = await createNamedToken(t, user.personalToken, { scopes: ['*'] });
    for (let i = 0; i < 100; i++) await t.http().post('/v1/auth/token').set(bearer(minter.secret)).send({}).expect(200);
    for (let i = 0; i < FAILURES + 5; i++)
      await t
        .http()
        .get('/v1/me')
        .set(bearer(forged(Math.random() * 1e9)));
    await t.http().get('/v1/me').set(bearer(user.personalToken)).expect(200);
  });
});
