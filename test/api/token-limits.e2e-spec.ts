// Per-token and per-API-user rate limits (issue 18 part 4): set on creation and by PATCH, held on every
// request (REST, /v1/authorize, GraphQL) with the RateLimit fields of the most constraining limit, a
// fixed window on the service's clock, shared through Redis between instances.
import Redis from 'ioredis';
import { bearer, createNamedToken, expectProblem, registerUser } from '../support/api';
import { newWorkspace } from '../support/fixtures';
import { startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase, serverUrl, TestDatabase } from '../support/test-database';

const REDIS_URL = process.env.LATCHKEY_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('per-token rate limits', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const me = (secret: string) => t.http().get('/v1/me').set(bearer(secret));

  it('refuses past the limit with 429, Retry-After and the fields, and admits again when the window has passed', async () => {
    const user = await registerUser(t);
    const token = await createNamedToken(t, user.personalToken, { scopes: ['*'], rateLimit: { limit: 3, windowSeconds: 60 } } as never);
    expect(token.body.rateLimit).toEqual({ limit: 3, windowSeconds: 60 });
    for (let i = 0; i < 3; i++) {
      const res = await me(token.secret).expect(200);
      expect(res.headers['ratelimit-policy']).toBe('"token-limit";q=3;w=60');
      expect(res.headers['ratelimit']).toMatch(new RegExp(`^"token-limit";r=${2 - i};t=([1-9]|[1-5][0-9]|60)$`));
    }
    const limited = await me(token.secret);
    expectProblem(limited, 429, 'rate_limited');
    const retryAfter = Number(limited.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(limited.headers['ratelimit']).toBe(`"token-limit";r=0;t=${retryAfter}`);
    // Refused requests do not count: still refused, not further into debt.
    expectProblem(await me(token.secret), 429, 'rate_limited');
    // Other tokens of the same user are not touched.
    await me(user.personalToken).expect(200);
    t.clock.advanceSeconds(retryAfter);
    const again = await me(token.secret).expect(200);
    expect(again.headers['ratelimit']).toMatch(/^"token-limit";r=2;t=/);
  });

  it('changes at once, on a cached token, by PATCH; null removes it; the change is audited', async () => {
    const user = await registerUser(t);
    const token = await createNamedToken(t, user.personalToken, { scopes: ['*'] });
    expect(token.body.rateLimit).toBeNull();
    for (let i = 0; i < 5; i++) expect((await me(token.secret).expect(200)).headers['ratelimit']).toBeUndefined();
    const patched = await t
      .http()
      .patch(`/v1/me/tokens/${token.id}`)
      .set(bearer(user.personalToken))
      .send({ rateLimit: { limit: 2, windowSeconds: 10 } })
      .expect(200);
    expect(patched.body).toMatchObject({ id: token.id, rateLimit: { limit: 2, windowSeconds: 10 } });
    expect((await t.http().get(`/v1/me/tokens/${token.id}`).set(bearer(user.personalToken)).expect(200)).body.rateLimit).toEqual({
      limit: 2,
      windowSeconds: 10,
    });
    await me(token.secret).expect(200);
    await me(token.secret).expect(200);
    expectProblem(await me(token.secret), 429, 'rate_limited');
    // A looser limit: a new bucket (the window is part of it), admitted at once.
    await t
      .http()
      .patch(`/v1/me/tokens/${token.id}`)
      .set(bearer(user.personalToken))
      .send({ rateLimit: { limit: 5, windowSeconds: 11 } })
      .expect(200);
    expect((await me(token.secret).expect(200)).headers['ratelimit-policy']).toBe('"token-limit";q=5;w=11');
    await t.http().patch(`/v1/me/tokens/${token.id}`).set(bearer(user.personalToken)).send({ rateLimit: null }).expect(200);
    expect((await me(token.secret).expect(200)).headers['ratelimit']).toBeUndefined();
    const audit = await t.http().get('/v1/me/audit-events').set(bearer(user.personalToken)).expect(200);
    const updates = audit.body.items.filter((e: { action: string }) => e.action === 'token.updated');
    expect(updates).toHaveLength(3);
    // One fake-clock moment: the order among them is not asserted.
    expect(updates.map((e: { details: { rateLimit: unknown } }) => e.details.rateLimit)).toEqual(
      expect.arrayContaining([null, { limit: 2, windowSeconds: 10 }, { limit: 5, windowSeconds: 11 }]),
    );
  });

  it('holds an exchanged session to the limit of the token it was made from (one bucket)', async () => {
    const user = await registerUser(t);
    const token = await createNamedToken(t, user.personalToken, { scopes: ['*'], rateLimit: { limit: 3, windowSeconds: 60 } } as never);
    const exchanged = (await t.http().post('/v1/auth/token').set(bearer(token.secret)).send({}).expect(200)).body.token;
    // The exchange itself was the first use.
    await me(exchanged.secret).expect(200);
    await me(token.secret).expect(200);
    expectProblem(await me(exchanged.secret), 429, 'rate_limited');
    expectProblem(await me(token.secret), 429, 'rate_limited');
    // A session takes no limit of its own.
    const res = await t
      .http()
      .patch(`/v1/me/tokens/${exchanged.id}`)
      .set(bearer(user.personalToken))
      .send({ rateLimit: { limit: 100, windowSeconds: 60 } });
    expectProblem(res, 409, 'conflict');
  });

  it('counts the checks of /v1/authorize against the checking token, allowed or not', async () => {
    const ws = await newWorkspace(t);
    const bot = await ws.apiUser({ roles: ['viewer'] });
    await t
      .http()
      .patch(`/v1/workspaces/${ws.id}/api-users/${bot.id}/tokens/${bot.tokenId}`)
      .set(bearer(ws.owner.personalToken))
      .send({ rateLimit: { limit: 2, windowSeconds: 60 } })
      .expect(200);
    const authorize = (permission: string) =>
      t.http().get('/v1/authorize').query({ workspaceId: ws.id, permission }).set(bearer(bot.token));
    const allowed = await authorize('measurements:read').expect(204);
    expect(allowed.headers['ratelimit-policy']).toBe('"token-limit";q=2;w=60');
    expectProblem(await authorize('measurements:write'), 403, 'forbidden');
    const limited = await authorize('measurements:read');
    expectProblem(limited, 429, 'rate_limited');
    expect(limited.headers['retry-after']).toBeDefined();
  });

  it("shares an API user's limit between all its tokens, each token's own limit applying as well", async () => {
    const ws = await newWorkspace(t);
    const made = await t
      .http()
      .post(`/v1/workspaces/${ws.id}/api-users`)
      .set(bearer(ws.owner.personalToken))
      .send({ name: 'shared', roleIds: [ws.roles.viewer], deviceAccess: { mode: 'all' }, rateLimit: { limit: 4, windowSeconds: 30 } })
      .expect(201);
    expect(made.body.apiUser.rateLimit).toEqual({ limit: 4, windowSeconds: 30 });
    const apiUserId = made.body.apiUser.id;
    const first = made.body.token.secret;
    const second = await t
      .http()
      .post(`/v1/workspaces/${ws.id}/api-users/${apiUserId}/tokens`)
      .set(bearer(ws.owner.personalToken))
      .send({ rateLimit: { limit: 1, windowSeconds: 30 } })
      .expect(201);
    expect(second.body.rateLimit).toEqual({ limit: 1, windowSeconds: 30 });
    const devices = (secret: string) => t.http().get(`/v1/workspaces/${ws.id}/devices`).set(bearer(secret));
    // The tightest limit is reported: the second token's own (1 left of 1 → 0).
    const viaSecond = await devices(second.body.secret).expect(200);
    expect(viaSecond.headers['ratelimit']).toMatch(/^"token-limit";r=0;/);
    expectProblem(await devices(second.body.secret), 429, 'rate_limited');
    const a = await devices(first).expect(200);
    expect(a.headers['ratelimit']).toMatch(/^"api-user-limit";r=2;/);
    await devices(first).expect(200);
    await devices(first).expect(200);
    const limited = await devices(first);
    expectProblem(limited, 429, 'rate_limited');
    expect(limited.headers['ratelimit-policy']).toBe('"api-user-limit";q=4;w=30');
    // The API user's limit changed by PATCH applies at once to every token; the view shows it.
    const patched = await t
      .http()
      .patch(`/v1/workspaces/${ws.id}/api-users/${apiUserId}`)
      .set(bearer(ws.owner.personalToken))
      .send({ rateLimit: { limit: 10, windowSeconds: 31 } })
      .expect(200);
    expect(patched.body.rateLimit).toEqual({ limit: 10, windowSeconds: 31 });
    expect((await devices(first).expect(200)).headers['ratelimit']).toMatch(/^"api-user-limit";r=9;/);
    // Left out: unchanged. null: removed.
    const renamed = await t
      .http()
      .patch(`/v1/workspaces/${ws.id}/api-users/${apiUserId}`)
      .set(bearer(ws.owner.personalToken))
      .send({ name: 'renamed' })
      .expect(200);
    expect(renamed.body.rateLimit).toEqual({ limit: 10, windowSeconds: 31 });
    await t
      .http()
      .patch(`/v1/workspaces/${ws.id}/api-users/${apiUserId}`)
      .set(bearer(ws.owner.personalToken))
      .send({ rateLimit: null })
      .expect(200);
    expect((await devices(first).expect(200)).headers['ratelimit']).toBeUndefined();
  });

  it.each([
    ['zero', { limit: 0, windowSeconds: 60 }, 'rateLimit.limit'],
    ['negative', { limit: -1, windowSeconds: 60 }, 'rateLimit.limit'],
    ['huge', { limit: 1_000_001, windowSeconds: 60 }, 'rateLimit.limit'],
    ['float', { limit: 1.5, windowSeconds: 60 }, 'rateLimit.limit'],
    ['string', { limit: '10', windowSeconds: 60 }, 'rateLimit.limit'],
    ['a window of 0', { limit: 10, windowSeconds: 0 }, 'rateLimit.windowSeconds'],
    ['a window over a day', { limit: 10, windowSeconds: 86_401 }, 'rateLimit.windowSeconds'],
    ['a float window', { limit: 10, windowSeconds: 0.5 }, 'rateLimit.windowSeconds'],
    ['no window', { limit: 10 }, 'rateLimit.windowSeconds'],
    ['an unknown field', { limit: 10, windowSeconds: 60, burst: 5 }, 'rateLimit.burst'],
    ['a string', 'lots', 'rateLimit'],
    ['an array', [10, 60], 'rateLimit'],
  ])('refuses a limit that is %s with 400 naming the field, on every form', async (_case, rateLimit, field) => {
    const ws = await newWorkspace(t);
    const bot = await ws.apiUser({ roles: ['viewer'] });
    const owner = ws.owner.personalToken;
    const named = await createNamedToken(t, owner, { scopes: ['*'] });
    const forms = [
      t
        .http()
        .post('/v1/me/tokens')
        .send({ name: 'x', scopes: ['*'], rateLimit }),
      t.http().patch(`/v1/me/tokens/${named.id}`).send({ rateLimit }),
      t
        .http()
        .post(`/v1/workspaces/${ws.id}/api-users`)
        .send({ name: 'x', roleIds: [ws.roles.viewer], deviceAccess: { mode: 'all' }, rateLimit }),
      t.http().patch(`/v1/workspaces/${ws.id}/api-users/${bot.id}`).send({ rateLimit }),
      t.http().post(`/v1/workspaces/${ws.id}/api-users/${bot.id}/tokens`).send({ rateLimit }),
      t.http().patch(`/v1/workspaces/${ws.id}/api-users/${bot.id}/tokens/${bot.tokenId}`).send({ rateLimit }),
    ];
    for (const form of forms) {
      const res = await form.set(bearer(owner));
      const body = expectProblem(res, 400, 'validation_failed');
      expect((body.errors as Array<{ field: string }>).map((e) => e.field)).toContain(field);
    }
    // Nothing was changed.
    expect((await t.http().get(`/v1/me/tokens/${named.id}`).set(bearer(owner)).expect(200)).body.rateLimit).toBeNull();
  });

  it('accepts the bounds: 1 per second, and a million a day', async () => {
    const user = await registerUser(t);
    for (const rateLimit of [
      { limit: 1, windowSeconds: 1 },
      { limit: 1_000_000, windowSeconds: 86_400 },
    ]) {
      const token = await createNamedToken(t, user.personalToken, { scopes: ['*'], rateLimit } as never);
      expect(token.body.rateLimit).toEqual(rateLimit);
    }
  });

  it("answers 404 for another user's token, another workspace's API user token; 403 for a member without api_users:manage", async () => {
    const ws = await newWorkspace(t);
    const other = await newWorkspace(t);
    const bot = await ws.apiUser({ roles: ['viewer'] });
    const otherBot = await other.apiUser({ roles: ['viewer'] });
    const body = { rateLimit: { limit: 1, windowSeconds: 1 } };
    // Another user's named token by id.
    const theirs = await createNamedToken(t, other.owner.personalToken, { scopes: ['*'] });
    expectProblem(await t.http().patch(`/v1/me/tokens/${theirs.id}`).set(bearer(ws.owner.personalToken)).send(body), 404, 'not_found');
    // Another workspace's API user (and its token) through this workspace.
    expectProblem(
      await t
        .http()
        .patch(`/v1/workspaces/${ws.id}/api-users/${otherBot.id}/tokens/${otherBot.tokenId}`)
        .set(bearer(ws.owner.personalToken))
        .send(body),
      404,
      'not_found',
    );
    expectProblem(
      await t.http().patch(`/v1/workspaces/${ws.id}/api-users/${otherBot.id}`).set(bearer(ws.owner.personalToken)).send(body),
      404,
      'not_found',
    );
    // This API user, another API user's token id.
    expectProblem(
      await t
        .http()
        .patch(`/v1/workspaces/${ws.id}/api-users/${bot.id}/tokens/${otherBot.tokenId}`)
        .set(bearer(ws.owner.personalToken))
        .send(body),
      404,
      'not_found',
    );
    // The other workspace, as an outsider: 404 before anything else.
    expectProblem(
      await t
        .http()
        .patch(`/v1/workspaces/${other.id}/api-users/${otherBot.id}/tokens/${otherBot.tokenId}`)
        .set(bearer(ws.owner.personalToken))
        .send(body),
      404,
      'not_found',
    );
    const viewer = await ws.member('viewer');
    expectProblem(
      await t
        .http()
        .patch(`/v1/workspaces/${ws.id}/api-users/${bot.id}/tokens/${bot.tokenId}`)
        .set(bearer(viewer.personalToken))
        .send(body),
      403,
      'forbidden',
    );
    // The API user itself cannot lift its own limit without api_users:manage.
    expectProblem(
      await t.http().patch(`/v1/workspaces/${ws.id}/api-users/${bot.id}`).set(bearer(bot.token)).send({ rateLimit: null }),
      403,
      'forbidden',
    );
    // A token without account:manage cannot change limits of its user's tokens.
    const reader = await createNamedToken(t, ws.owner.personalToken, { scopes: ['account:read'] });
    const mine = await createNamedToken(t, ws.owner.personalToken, { scopes: ['*'] });
    expectProblem(await t.http().patch(`/v1/me/tokens/${mine.id}`).set(bearer(reader.secret)).send(body), 403, 'insufficient_scope');
  });

  it('holds GraphQL requests to the limit (one request, one use)', async () => {
    const user = await registerUser(t);
    const token = await createNamedToken(t, user.personalToken, { scopes: ['*'], rateLimit: { limit: 1, windowSeconds: 60 } } as never);
    const query = () => t.http().post('/graphql').set(bearer(token.secret)).send({ query: '{ me { __typename } }' });
    const ok = await query().expect(200);
    expect(ok.headers['ratelimit-policy']).toBe('"token-limit";q=1;w=60');
    const limited = await query();
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBeDefined();
  });

  it('PATCHes twice at once: both answer, the last committed wins, and the token is held to it', async () => {
    const user = await registerUser(t);
    const token = await createNamedToken(t, user.personalToken, { scopes: ['*'] });
    const patch = (limit: number) =>
      t
        .http()
        .patch(`/v1/me/tokens/${token.id}`)
        .set(bearer(user.personalToken))
        .send({ rateLimit: { limit, windowSeconds: 60 } });
    const [a, b] = await Promise.all([patch(7), patch(9)]);
    expect([a.status, b.status]).toEqual([200, 200]);
    const stored = (await t.http().get(`/v1/me/tokens/${token.id}`).set(bearer(user.personalToken)).expect(200)).body.rateLimit;
    expect([7, 9]).toContain(stored.limit);
    expect((await me(token.secret).expect(200)).headers['ratelimit-policy']).toBe(`"token-limit";q=${stored.limit};w=60`);
  });
});

describe('per-token rate limits under the global one', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ LATCHKEY_RATE_LIMIT_PER_TOKEN: '4' });
  });
  afterAll(() => t.close());

  it('accepts a limit looser than the global one, which still applies and is reported when it is the tighter', async () => {
    const user = await registerUser(t);
    const token = await createNamedToken(t, user.personalToken, { scopes: ['*'], rateLimit: { limit: 100, windowSeconds: 60 } } as never);
    const me = () => t.http().get('/v1/me').set(bearer(token.secret));
    const first = await me().expect(200);
    expect(first.headers['ratelimit-policy']).toBe('"token";q=4;w=60');
    for (let i = 0; i < 3; i++) await me().expect(200);
    const limited = await me();
    expectProblem(limited, 429, 'rate_limited');
    expect(limited.headers['ratelimit-policy']).toBe('"token";q=4;w=60');
  });

  it('reports the own limit when it is the tighter', async () => {
    const user = await registerUser(t);
    const token = await createNamedToken(t, user.personalToken, { scopes: ['*'], rateLimit: { limit: 2, windowSeconds: 60 } } as never);
    const me = () => t.http().get('/v1/me').set(bearer(token.secret));
    expect((await me().expect(200)).headers['ratelimit-policy']).toBe('"token-limit";q=2;w=60');
    await me().expect(200);
    const limited = await me();
    expectProblem(limited, 429, 'rate_limited');
    expect(limited.headers['ratelimit-policy']).toBe('"token-limit";q=2;w=60');
  });
});

(serverUrl() ? describe : describe.skip)('per-token rate limits shared through Redis (two instances on one PostgreSQL database)', () => {
  let db: TestDatabase;
  let a: TestApp;
  let b: TestApp;
  let redisUp = true;
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  /** Longer than the counters' sync interval (100 ms), with room for a loaded machine. */
  const SYNCED = 400;

  beforeAll(async () => {
    db = await createTestDatabase();
    a = await startTestApp({ REDIS_URL }, db);
    b = await startTestApp({ REDIS_URL }, db);
    const client = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await client.connect();
    } catch {
      redisUp = false;
    } finally {
      client.disconnect();
    }
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await db?.drop();
  });

  it("counts a token's requests to either instance against its own limit", async () => {
    if (!redisUp) return console.warn(`no Redis at ${REDIS_URL}: the shared-limit test did not run`);
    // Both instances' clocks at the same moment, well inside one 10-minute window.
    const start = new Date(Math.floor(Date.now() / 600_000) * 600_000 + 60_000);
    for (const app of [a, b]) app.clock.advance(start.getTime() - app.clock.now().getTime());
    const user = await registerUser(a);
    const token = await createNamedToken(a, user.personalToken, { scopes: ['*'], rateLimit: { limit: 6, windowSeconds: 600 } } as never);
    const me = (app: TestApp) => app.http().get('/v1/me').set(bearer(token.secret));
    for (let i = 0; i < 5; i++) await me(a).expect(200);
    await sleep(SYNCED); // shared: 5
    // B has not synced this token yet: its first use counts from its own zero, and its sync learns A's five.
    await me(b).expect(200);
    await sleep(SYNCED); // shared: 6, and B knows it
    const limited = await me(b);
    expectProblem(limited, 429, 'rate_limited');
    expect(limited.headers['ratelimit-policy']).toBe('"token-limit";q=6;w=600');
  });
});
