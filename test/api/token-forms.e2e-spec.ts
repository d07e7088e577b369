// What a token form may offer, from the server: an API user's `grantablePermissions`, and for a user's
// named token restricted to a workspace, `access.permissions` of GET /v1/workspaces/:wid.
import { bearer, createNamedToken, expectProblem, PASSWORD } from '../support/api';
import { newWorkspace } from '../support/fixtures';
import { startTestApp, TestApp } from '../support/test-app';

const VIEWER = ['devices:read', 'measurements:read', 'members:read', 'roles:read', 'workspace:read'];
let t: TestApp;

beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

describe("an API user's token form", () => {
  it("offers the permissions its roles give, within the caller's token, and each one is accepted", async () => {
    const ws = await newWorkspace(t);
    const custom = await ws.role(['devices:read', 'devices:update']);
    const bot = await ws.apiUser({ roles: ['viewer', { id: custom }] });
    const res = await t.http().get(`/v1/workspaces/${ws.id}/api-users/${bot.id}`).set(bearer(ws.owner.personalToken)).expect(200);
    expect(res.body.grantablePermissions).toEqual([...VIEWER, 'devices:update'].sort());
    // Every scope offered is one the token can take.
    await t
      .http()
      .post(`/v1/workspaces/${ws.id}/api-users/${bot.id}/tokens`)
      .set(bearer(ws.owner.personalToken))
      .send({ name: 'all offered', scopes: res.body.grantablePermissions })
      .expect(201);

    expect(res.body.manageable).toBe(true);

    // A narrower token of the caller: only what it may hand out itself.
    const reader = await ws.apiUser({ roles: [{ id: await ws.role(['devices:read', 'measurements:read']) }] });
    const narrow = await createNamedToken(t, ws.owner.personalToken, {
      scopes: ['api_users:read', 'api_users:manage', 'devices:read', 'measurements:read'],
    });
    const narrowed = await t.http().get(`/v1/workspaces/${ws.id}/api-users/${reader.id}`).set(bearer(narrow.secret)).expect(200);
    expect(narrowed.body).toMatchObject({ manageable: true, grantablePermissions: ['devices:read', 'measurements:read'] });
    await t
      .http()
      .post(`/v1/workspaces/${ws.id}/api-users/${reader.id}/tokens`)
      .set(bearer(narrow.secret))
      .send({ scopes: narrowed.body.grantablePermissions })
      .expect(201);
    // What it does not offer is refused.
    expectProblem(
      await t
        .http()
        .post(`/v1/workspaces/${ws.id}/api-users/${reader.id}/tokens`)
        .set(bearer(narrow.secret))
        .send({ scopes: ['workspace:read'] }),
      403,
      'forbidden',
    );
    // An API user holding more than the caller's token: not manageable, nothing offered, and refused.
    const stronger = await t.http().get(`/v1/workspaces/${ws.id}/api-users/${bot.id}`).set(bearer(narrow.secret)).expect(200);
    expect(stronger.body).toMatchObject({ manageable: false, grantablePermissions: [] });
    expectProblem(
      await t
        .http()
        .post(`/v1/workspaces/${ws.id}/api-users/${bot.id}/tokens`)
        .set(bearer(narrow.secret))
        .send({ scopes: ['devices:read'] }),
      403,
      'forbidden',
    );
    // A reader without api_users:manage sees it, manages nothing.
    const readOnly = await createNamedToken(t, ws.owner.personalToken, { scopes: ['api_users:read'] });
    const read = await t.http().get(`/v1/workspaces/${ws.id}/api-users/${reader.id}`).set(bearer(readOnly.secret)).expect(200);
    expect(read.body).toMatchObject({ manageable: false, grantablePermissions: [] });
  });

  it('the list does not carry it; another workspace, a viewer and an unknown id do not get it', async () => {
    const ws = await newWorkspace(t);
    const bot = await ws.apiUser({ roles: ['viewer'] });
    const listed = await t.http().get(`/v1/workspaces/${ws.id}/api-users`).set(bearer(ws.owner.personalToken)).expect(200);
    expect(listed.body.items[0]).not.toHaveProperty('grantablePermissions');
    const stranger = await newWorkspace(t);
    expectProblem(
      await t.http().get(`/v1/workspaces/${ws.id}/api-users/${bot.id}`).set(bearer(stranger.owner.personalToken)),
      404,
      'not_found',
    );
    expectProblem(
      await t.http().get(`/v1/workspaces/${stranger.id}/api-users/${bot.id}`).set(bearer(stranger.owner.personalToken)),
      404,
      'not_found',
    );
    const viewer = await ws.member('viewer');
    expectProblem(await t.http().get(`/v1/workspaces/${ws.id}/api-users/${bot.id}`).set(bearer(viewer.personalToken)), 403, 'forbidden');
    // An API user that may read API users sees another's, within its own token.
    const reader = await ws.apiUser({ roles: ['admin'] });
    const seen = await t.http().get(`/v1/workspaces/${ws.id}/api-users/${bot.id}`).set(bearer(reader.token)).expect(200);
    expect(seen.body).toMatchObject({ manageable: true, grantablePermissions: VIEWER });
  });
});

describe("a user's named-token form for one workspace", () => {
  it('offers access.permissions of the workspace, and each one is accepted on a token restricted to it', async () => {
    const ws = await newWorkspace(t);
    const viewer = await ws.member('viewer');
    const res = await t.http().get(`/v1/workspaces/${ws.id}`).set(bearer(viewer.personalToken)).expect(200);
    expect(res.body.access.permissions).toEqual(VIEWER);
    const named = await createNamedToken(t, viewer.personalToken, { scopes: res.body.access.permissions, workspaceIds: [ws.id] });
    const seen = await t.http().get(`/v1/workspaces/${ws.id}`).set(bearer(named.secret)).expect(200);
    expect(seen.body.access.permissions).toEqual(VIEWER);
  });
});

describe('creating an API user under a maximum token lifetime', () => {
  it('takes expiresInDays for its first token; without it the policy refuses, and says what to set', async () => {
    const ws = await newWorkspace(t);
    const session = (await t.http().post('/v1/auth/login').send({ email: ws.owner.email, password: PASSWORD }).expect(200)).body.token
      .secret;
    await t
      .http()
      .put(`/v1/workspaces/${ws.id}/token-policy`)
      .set(bearer(session))
      .send({ maxLifetimeDays: 30, allowPersonalTokens: true })
      .expect(200);
    const body = { name: 'Ingest', roleIds: [ws.roles.viewer], deviceAccess: { mode: 'all' } };
    const refused = await t.http().post(`/v1/workspaces/${ws.id}/api-users`).set(bearer(session)).send(body);
    expectProblem(refused, 403, 'token_policy');
    expect(refused.body.detail).toMatch(/set expiresInDays/);
    const res = await t
      .http()
      .post(`/v1/workspaces/${ws.id}/api-users`)
      .set(bearer(session))
      .send({ ...body, expiresInDays: 30 })
      .expect(201);
    expect(new Date(res.body.token.expiresAt).getTime() - t.clock.now().getTime()).toBe(30 * 86_400_000);
    await t.http().get(`/v1/workspaces/${ws.id}`).set(bearer(res.body.token.secret)).expect(200);
    expectProblem(
      await t
        .http()
        .post(`/v1/workspaces/${ws.id}/api-users`)
        .set(bearer(session))
        .send({ ...body, name: 'Too long', expiresInDays: 31 }),
      403,
      'token_policy',
    );
    for (const expiresInDays of [0, 3651, 'ten', 1.5]) {
      expectProblem(
        await t
          .http()
          .post(`/v1/workspaces/${ws.id}/api-users`)
          .set(bearer(session))
          .send({ ...body, name: `x${expiresInDays}`, expiresInDays }),
        400,
        'validation_failed',
      );
    }
  });
});
