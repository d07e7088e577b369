// A token's description, metadata and off switch (issue 18, part 6), through HTTP.
import { bearer, createNamedToken, expectProblem, registerUser } from '../support/api';
import { newWorkspace, WorkspaceFixture } from '../support/fixtures';
import { startTestApp, TestApp } from '../support/test-app';

describe('token description, metadata, disable and enable', () => {
  let t: TestApp;
  let ws: WorkspaceFixture;

  beforeAll(async () => {
    t = await startTestApp();
    ws = await newWorkspace(t);
  }, 60_000);
  afterAll(() => t?.close());

  const patch = (secret: string, id: string, body: unknown) =>
    t
      .http()
      .patch(`/v1/me/tokens/${id}`)
      .set(bearer(secret))
      .send(body as object);

  it('a token made with a unicode description and metadata shows them; PATCH changes and clears them', async () => {
    const description = 'Déploiement CI 🚀 — 東京 ✓';
    const res = await t
      .http()
      .post('/v1/me/tokens')
      .set(bearer(ws.owner.personalToken))
      .send({ name: 'ci', scopes: ['*'], description, metadata: { team: 'ops', n: 1, tags: ['a', 'b'] } })
      .expect(201);
    expect(res.body).toMatchObject({ description, metadata: { team: 'ops', n: 1, tags: ['a', 'b'] }, enabled: true, disabledAt: null });
    const changed = await patch(ws.owner.personalToken, res.body.id, { description: 'other', metadata: { x: { y: true } } }).expect(200);
    expect(changed.body).toMatchObject({ description: 'other', metadata: { x: { y: true } } });
    const cleared = await patch(ws.owner.personalToken, res.body.id, { description: null, metadata: null }).expect(200);
    expect(cleared.body).toMatchObject({ description: null, metadata: null });
    const got = await t.http().get(`/v1/me/tokens/${res.body.id}`).set(bearer(ws.owner.personalToken)).expect(200);
    expect(got.body).toMatchObject({ description: null, metadata: null });
  });

  it('refuses metadata that is not an object, too big, too deep or with too many keys, and a description over 500', async () => {
    const token = await createNamedToken(t, ws.owner.personalToken, { scopes: ['*'] });
    let deep: Record<string, unknown> = { v: 1 };
    for (let i = 0; i < 6; i++) deep = { d: deep };
    const cases: Array<[unknown, RegExp]> = [
      [[1, 2], /JSON object/],
      ['text', /JSON object/],
      [42, /JSON object/],
      [{ big: 'x'.repeat(5000) }, /4096 bytes/],
      [{ big: 'é'.repeat(2100) }, /4096 bytes/],
      [deep, /levels deep/],
      [Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, i])), /64 keys/],
    ];
    for (const [metadata, message] of cases) {
      const body = expectProblem(await patch(ws.owner.personalToken, token.id, { metadata }), 400, 'validation_failed');
      expect(JSON.stringify(body.errors)).toMatch(message);
    }
    expectProblem(await patch(ws.owner.personalToken, token.id, { description: 'x'.repeat(501) }), 400, 'validation_failed');
    await patch(ws.owner.personalToken, token.id, { description: 'x'.repeat(500) }).expect(200);
    expectProblem(await patch(ws.owner.personalToken, token.id, {}), 400, 'validation_failed');
    expectProblem(await patch(ws.owner.personalToken, token.id, { enabled: 'no' }), 400, 'validation_failed');
    expectProblem(await patch(ws.owner.personalToken, token.id, { secret: 'x' }), 400, 'validation_failed');
  });

  it('disable: refused at once like a revoked token (cached too); enable: works again with the same secret', async () => {
    const token = await createNamedToken(t, ws.owner.personalToken, { scopes: ['*'] });
    await t.http().get('/v1/whoami').set(bearer(token.secret)).expect(200);
    const disabled = await patch(ws.owner.personalToken, token.id, { enabled: false }).expect(200);
    expect(disabled.body).toMatchObject({ enabled: false, disabledAt: expect.any(String), revokedAt: null });
    const refused = expectProblem(await t.http().get('/v1/whoami').set(bearer(token.secret)), 401, 'token_invalid');
    expect(refused.detail).toBe('The token is not valid.');
    expectProblem(
      await t.http().get(`/v1/authorize?workspaceId=${ws.id}&permission=workspace:read`).set(bearer(token.secret)),
      401,
      'token_invalid',
    );
    // Its owner still sees it, disabled, in the list; so do the workspace's admins.
    const list = await t.http().get('/v1/me/tokens').set(bearer(ws.owner.personalToken)).expect(200);
    expect(list.body.items.find((i: { id: string }) => i.id === token.id)).toMatchObject({ enabled: false });
    // A disabled token cannot be rotated.
    expectProblem(await t.http().post(`/v1/me/tokens/${token.id}/rotate`).set(bearer(ws.owner.personalToken)).send({}), 409, 'conflict');
    await patch(ws.owner.personalToken, token.id, { enabled: true }).expect(200);
    await t.http().get('/v1/whoami').set(bearer(token.secret)).expect(200);
    const audit = await t.http().get(`/v1/me/audit-events?limit=20`).set(bearer(ws.owner.personalToken)).expect(200);
    const events = audit.body.items.filter((i: { target: { id: string } | null }) => i.target?.id === token.id);
    expect(events.map((i: { action: string }) => i.action)).toEqual(expect.arrayContaining(['token.disabled', 'token.enabled']));
  });

  it('a session exchanged from a token dies when the token is disabled, and lives again with it', async () => {
    const token = await createNamedToken(t, ws.owner.personalToken, { scopes: ['*'] });
    const session = (await t.http().post('/v1/auth/token').set(bearer(token.secret)).send({}).expect(200)).body.token.secret;
    await t.http().get('/v1/whoami').set(bearer(session)).expect(200);
    await patch(ws.owner.personalToken, token.id, { enabled: false }).expect(200);
    expectProblem(await t.http().get('/v1/whoami').set(bearer(session)), 401, 'token_invalid');
    // Nor can the disabled token be exchanged.
    expectProblem(await t.http().post('/v1/auth/token').set(bearer(token.secret)).send({}), 401, 'token_invalid');
    // A session itself cannot be changed.
    const own = (await t.http().get('/v1/me/tokens?kind=session').set(bearer(ws.owner.personalToken)).expect(200)).body.items[0];
    expectProblem(await patch(ws.owner.personalToken, own.id, { description: 'x' }), 409, 'conflict');
  });

  it('a token may disable itself; a narrower token cannot enable a wider one', async () => {
    const wide = await createNamedToken(t, ws.owner.personalToken, { scopes: ['*'] });
    const narrow = await createNamedToken(t, ws.owner.personalToken, { scopes: ['account:manage', 'account:read'] });
    await patch(wide.secret, wide.id, { enabled: false }).expect(200);
    expectProblem(await t.http().get('/v1/whoami').set(bearer(wide.secret)), 401, 'token_invalid');
    expectProblem(await patch(narrow.secret, wide.id, { enabled: true }), 403, 'forbidden');
    // Describing it, or disabling, is fine for the narrower token.
    await patch(narrow.secret, wide.id, { description: 'old CI' }).expect(200);
    const readOnly = await createNamedToken(t, ws.owner.personalToken, { scopes: ['account:read'] });
    expectProblem(await patch(readOnly.secret, wide.id, { description: 'x' }), 403, 'insufficient_scope');
  });

  it('the personal token takes a description but no binding', async () => {
    await patch(ws.owner.personalToken, ws.owner.personalTokenId, { description: 'mine' }).expect(200);
    expectProblem(await patch(ws.owner.personalToken, ws.owner.personalTokenId, { allowedCidrs: ['10.0.0.0/8'] }), 409, 'conflict');
  });

  it('two PATCHes at once both land, each with its own field', async () => {
    const token = await createNamedToken(t, ws.owner.personalToken, { scopes: ['*'] });
    const [a, b] = await Promise.all([
      patch(ws.owner.personalToken, token.id, { description: 'from A' }),
      patch(ws.owner.personalToken, token.id, { metadata: { from: 'B' } }),
    ]);
    expect([a.status, b.status]).toEqual([200, 200]);
    const got = await t.http().get(`/v1/me/tokens/${token.id}`).set(bearer(ws.owner.personalToken)).expect(200);
    expect(got.body).toMatchObject({ description: 'from A', metadata: { from: 'B' } });
    // Disable and enable racing: one wins, the token is in one state, and the check agrees with the row.
    await Promise.all([
      patch(ws.owner.personalToken, token.id, { enabled: false }),
      patch(ws.owner.personalToken, token.id, { enabled: true }),
    ]);
    const after = await t.http().get(`/v1/me/tokens/${token.id}`).set(bearer(ws.owner.personalToken)).expect(200);
    const check = await t.http().get('/v1/whoami').set(bearer(token.secret));
    expect(check.status).toBe(after.body.enabled ? 200 : 401);
  });

  it("an API user's token: disabled and enabled by whoever manages the API user, not by a viewer or another tenant", async () => {
    const bot = await ws.apiUser({ roles: ['viewer'] });
    const url = `/v1/workspaces/${ws.id}/api-users/${bot.id}/tokens/${bot.tokenId}`;
    const viewer = await ws.member('viewer');
    expectProblem(await t.http().patch(url).set(bearer(viewer.personalToken)).send({ enabled: false }), 403, 'forbidden');
    const stranger = await registerUser(t);
    expectProblem(await t.http().patch(url).set(bearer(stranger.personalToken)).send({ enabled: false }), 404, 'not_found');
    // The API user itself cannot (it lacks api_users:manage).
    expectProblem(await t.http().patch(url).set(bearer(bot.token)).send({ enabled: false }), 403, 'forbidden');
    const res = await t.http().patch(url).set(bearer(ws.owner.personalToken)).send({ enabled: false, description: 'paused' }).expect(200);
    expect(res.body).toMatchObject({ enabled: false, description: 'paused' });
    expectProblem(await t.http().get('/v1/whoami').set(bearer(bot.token)), 401, 'token_invalid');
    await t.http().patch(url).set(bearer(ws.owner.personalToken)).send({ enabled: true }).expect(200);
    await t.http().get('/v1/whoami').set(bearer(bot.token)).expect(200);
    const listed = await t.http().get(`/v1/workspaces/${ws.id}/tokens?limit=100`).set(bearer(ws.owner.personalToken)).expect(200);
    expect(listed.body.items.find((i: { id: string }) => i.id === bot.tokenId)).toMatchObject({ description: 'paused', enabled: true });
  });

  it("cross-tenant: another workspace's admin, and another user, cannot read or change a token through the new routes", async () => {
    const mine = await createNamedToken(t, ws.owner.personalToken, { scopes: ['*'] });
    const other = await newWorkspace(t);
    const bot = await ws.apiUser({ roles: ['viewer'] });
    // Another user: PATCH of my token is a 404, like an unknown id.
    expectProblem(await patch(other.owner.personalToken, mine.id, { enabled: false }), 404, 'not_found');
    // Another workspace's owner, through their own workspace id with my API user's ids: 404.
    expectProblem(
      await t
        .http()
        .patch(`/v1/workspaces/${other.id}/api-users/${bot.id}/tokens/${bot.tokenId}`)
        .set(bearer(other.owner.personalToken))
        .send({ enabled: false }),
      404,
      'not_found',
    );
    // Through my workspace's id: not a member, 404.
    expectProblem(
      await t
        .http()
        .patch(`/v1/workspaces/${ws.id}/api-users/${bot.id}/tokens/${bot.tokenId}`)
        .set(bearer(other.owner.personalToken))
        .send({ enabled: false }),
      404,
      'not_found',
    );
    // My named token's id under my API user: 404 (not its token).
    expectProblem(
      await t
        .http()
        .patch(`/v1/workspaces/${ws.id}/api-users/${bot.id}/tokens/${mine.id}`)
        .set(bearer(ws.owner.personalToken))
        .send({ enabled: false }),
      404,
      'not_found',
    );
    await t.http().get('/v1/whoami').set(bearer(mine.secret)).expect(200);
    await t.http().get('/v1/whoami').set(bearer(bot.token)).expect(200);
  });
});

describe("webhooks of an API user's token changes", () => {
  let t: TestApp;

  beforeAll(async () => {
    // The outbox worker is off: the deliveries are looked at as rows, never sent.
    t = await startTestApp({
      LATCHKEY_OUTBOX_WORKER: 'off',
      LATCHKEY_WEBHOOK_ALLOW_HTTP: 'true',
      LATCHKEY_WEBHOOK_ALLOWED_CIDRS: '127.0.0.1/32',
      LATCHKEY_WEBHOOK_SECRETS_KEY: 'test-webhook-secrets-key-0123456789abcdef',
    });
  }, 60_000);
  afterAll(() => t?.close());

  it('token.disabled, token.enabled and token.changed are delivered to endpoints that subscribe', async () => {
    const ws = await newWorkspace(t);
    const owner = bearer(ws.owner.personalToken);
    const created = await t
      .http()
      .post(`/v1/workspaces/${ws.id}/webhooks`)
      .set(owner)
      .send({ url: 'http://127.0.0.1:9/hook', events: ['token.disabled', 'token.enabled', 'token.changed'] })
      .expect(201);
    const bot = await ws.apiUser({ roles: ['viewer'] });
    const url = `/v1/workspaces/${ws.id}/api-users/${bot.id}/tokens/${bot.tokenId}`;
    await t.http().patch(url).set(owner).send({ enabled: false }).expect(200);
    await t.http().patch(url).set(owner).send({ enabled: true }).expect(200);
    await t.http().patch(url).set(owner).send({ description: 'x' }).expect(200);
    const res = await t.http().get(`/v1/workspaces/${ws.id}/webhooks/${created.body.endpoint.id}/deliveries`).set(owner).expect(200);
    const types = res.body.items.map((d: { eventType?: string; type?: string }) => d.eventType ?? d.type).sort();
    expect(types).toEqual(['token.changed', 'token.disabled', 'token.enabled']);
  });
});
