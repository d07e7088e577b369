// GET /v1/whoami: any valid token learns who it belongs to and what it is; GET /v1/workspaces answers an
// API user with its one workspace. Each token kind, through HTTP.
import { bearer, createNamedToken, expectProblem, login, registerUser } from '../support/api';
import { newWorkspace, WorkspaceFixture } from '../support/fixtures';
import { startTestApp, TestApp } from '../support/test-app';

describe('GET /v1/whoami', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const whoami = (secret: string) => t.http().get('/v1/whoami').set(bearer(secret));

  /** A token of the API user, with these scopes, made by the workspace's owner. */
  async function apiUserToken(ws: WorkspaceFixture, apiUserId: string, scopes: string[], expiresInDays: number | null = null) {
    const res = await t
      .http()
      .post(`/v1/workspaces/${ws.id}/api-users/${apiUserId}/tokens`)
      .set(bearer(ws.owner.personalToken))
      .send({ scopes, expiresInDays })
      .expect(201);
    return { id: res.body.id as string, secret: res.body.secret as string, hint: res.body.hint as string };
  }

  function expectNoSecrets(body: unknown, secret: string) {
    const text = JSON.stringify(body);
    expect(text).not.toContain(secret);
    expect(text).not.toMatch(/hash|secret/i);
  }

  it('describes a user with its personal token: the /v1/me view and the token', async () => {
    const user = await registerUser(t);
    const me = await t.http().get('/v1/me').set(bearer(user.personalToken)).expect(200);
    const res = await whoami(user.personalToken).expect(200);
    expect(res.body).toEqual({
      type: 'user',
      user: me.body,
      token: {
        id: user.personalTokenId,
        kind: 'personal',
        hint: expect.any(String),
        scopes: ['*'],
        expiresAt: null,
        workspaceIds: null,
        deviceIds: null,
        allowedCidrs: null,
      },
    });
    const personal = await t.http().get('/v1/me/personal-token').set(bearer(user.personalToken)).expect(200);
    expect(res.body.token.hint).toBe(personal.body.hint);
    expectNoSecrets(res.body, user.personalToken);
  });

  it('describes a named token restricted to one workspace; the profile only with account:read', async () => {
    const ws = await newWorkspace(t);
    const narrow = await createNamedToken(t, ws.owner.personalToken, { scopes: ['devices:read'], workspaceIds: [ws.id], expiresInDays: 7 });
    const res = await whoami(narrow.secret).expect(200);
    expect(res.body).toEqual({
      type: 'user',
      user: { id: ws.owner.id },
      token: {
        id: narrow.id,
        kind: 'named',
        hint: narrow.body.hint,
        scopes: ['devices:read'],
        expiresAt: narrow.body.expiresAt,
        workspaceIds: [ws.id],
        deviceIds: null,
        allowedCidrs: null,
      },
    });
    expect(res.headers['latchkey-token-expires-at']).toBe(narrow.body.expiresAt);
    // The same as GET /v1/me, which refuses this token the profile.
    expectProblem(await t.http().get('/v1/me').set(bearer(narrow.secret)), 403, 'insufficient_scope');
    expectNoSecrets(res.body, narrow.secret);

    const reader = await createNamedToken(t, ws.owner.personalToken, { scopes: ['account:read'], workspaceIds: [ws.id] });
    const me = await t.http().get('/v1/me').set(bearer(reader.secret)).expect(200);
    const read = await whoami(reader.secret).expect(200);
    expect(read.body.user).toEqual(me.body);
    expect(read.body.token).toMatchObject({ id: reader.id, kind: 'named', scopes: ['account:read'], workspaceIds: [ws.id] });
  });

  it('describes a login session, with the expiry authentication applies', async () => {
    const user = await registerUser(t);
    const session = await login(t, user.email);
    const res = await whoami(session).expect(200);
    expect(res.body.type).toBe('user');
    expect(res.body.user).toMatchObject({ id: user.id, email: user.email });
    expect(res.body.token).toMatchObject({ kind: 'session', workspaceIds: null });
    expect(res.body.token.id).not.toBe(user.personalTokenId);
    expect(res.body.token.expiresAt).toEqual(expect.any(String));
    expect(res.body.token.expiresAt).toBe(res.headers['latchkey-token-expires-at']);
    expectNoSecrets(res.body, session);
  });

  it('describes an API user: its workspace, roles with permissions, device access and the narrow token', async () => {
    const ws = await newWorkspace(t, undefined, 'Plant A');
    const d1 = (await ws.device()).id;
    await ws.device();
    const bot = await ws.apiUser({ roles: ['viewer'], devices: [d1], name: 'Ingest' });
    const viewerPermissions = [...(ws.permissionsOf.get(ws.roles.viewer) ?? [])].sort();

    const narrow = await apiUserToken(ws, bot.id, ['workspace:read'], 30);
    const res = await whoami(narrow.secret).expect(200);
    expect(res.body).toEqual({
      type: 'api_user',
      apiUser: { id: bot.id, name: 'Ingest' },
      workspace: { id: ws.id, name: 'Plant A' },
      roles: [{ id: ws.roles.viewer, name: 'viewer', permissions: viewerPermissions }],
      // Without devices:read the token learns the mode, not the ids GET /devices would refuse it.
      deviceAccess: { mode: 'selected' },
      token: {
        id: narrow.id,
        kind: 'api_user',
        hint: expect.any(String),
        scopes: ['workspace:read'],
        expiresAt: expect.any(String),
        workspaceIds: [ws.id],
        deviceIds: null,
        allowedCidrs: null,
      },
    });
    expect(res.body.token.hint).toBe(narrow.hint);
    expectNoSecrets(res.body, narrow.secret);

    const devices = await apiUserToken(ws, bot.id, ['devices:read']);
    const withDevices = await whoami(devices.secret).expect(200);
    expect(withDevices.body.deviceAccess).toEqual({ mode: 'selected', deviceIds: [d1] });
    expect(withDevices.body.token).toMatchObject({ id: devices.id, scopes: ['devices:read'], expiresAt: null });

    // GET /v1/me stays a user's route.
    expectProblem(await t.http().get('/v1/me').set(bearer(bot.token)), 403, 'forbidden');
  });

  it("describes a session exchanged from an API user's token as that API user's, with the shorter expiry", async () => {
    const ws = await newWorkspace(t);
    const bot = await ws.apiUser({ roles: ['viewer'] });
    const narrow = await apiUserToken(ws, bot.id, ['workspace:read'], 30);
    const exchanged = await t.http().post('/v1/auth/token').set(bearer(narrow.secret)).send({ expiresInSeconds: 600 }).expect(200);
    const res = await whoami(exchanged.body.token.secret).expect(200);
    expect(res.body).toMatchObject({ type: 'api_user', apiUser: { id: bot.id }, workspace: { id: ws.id } });
    expect(res.body.token).toMatchObject({
      id: exchanged.body.token.id,
      kind: 'session',
      scopes: ['workspace:read'],
      workspaceIds: [ws.id],
    });
    expect(res.body.token.expiresAt).toBe(exchanged.body.token.expiresAt);
    expectNoSecrets(res.body, exchanged.body.token.secret);
  });

  it('answers 401 to a revoked token, a cut-off one and a disabled API user', async () => {
    const ws = await newWorkspace(t);
    const named = await createNamedToken(t, ws.owner.personalToken, { scopes: ['devices:read'] });
    await whoami(named.secret).expect(200);
    await t.http().delete(`/v1/me/tokens/${named.id}`).set(bearer(ws.owner.personalToken)).expect(204);
    expectProblem(await whoami(named.secret), 401, 'token_invalid');

    const bot = await ws.apiUser({ roles: ['viewer'] });
    const second = await apiUserToken(ws, bot.id, ['*']);
    await whoami(bot.token).expect(200);
    await t
      .http()
      .delete(`/v1/workspaces/${ws.id}/api-users/${bot.id}/tokens/${bot.tokenId}`)
      .set(bearer(ws.owner.personalToken))
      .expect(204);
    expectProblem(await whoami(bot.token), 401, 'token_invalid');

    // Cut off from its one workspace by an admin, an API user's token has nothing left to describe.
    const third = await apiUserToken(ws, bot.id, ['*']);
    await whoami(third.secret).expect(200);
    await t.http().delete(`/v1/workspaces/${ws.id}/tokens/${third.id}`).set(bearer(ws.owner.personalToken)).expect(204);
    expectProblem(await whoami(third.secret), 401, 'token_invalid');

    await whoami(second.secret).expect(200);
    await t
      .http()
      .patch(`/v1/workspaces/${ws.id}/api-users/${bot.id}`)
      .set(bearer(ws.owner.personalToken))
      .send({ status: 'disabled' })
      .expect(200);
    expect((await whoami(second.secret)).status).toBe(401);

    expectProblem(await t.http().get('/v1/whoami'), 401, 'token_missing');
  });

  it('never shows an API user of workspace A anything of workspace B', async () => {
    const a = await newWorkspace(t, undefined, 'Alpha works');
    const b = await newWorkspace(t, a.owner, 'Bravo works');
    const bBot = await b.apiUser({ roles: ['admin'], name: 'bravo-bot' });
    const bot = await a.apiUser({ roles: ['admin'], name: 'alpha-bot' });

    const res = await whoami(bot.token).expect(200);
    expect(res.body.workspace).toEqual({ id: a.id, name: 'Alpha works' });
    const list = await t.http().get('/v1/workspaces').set(bearer(bot.token)).expect(200);
    for (const body of [res.body, list.body]) {
      const text = JSON.stringify(body);
      for (const leak of [b.id, 'Bravo works', bBot.id, 'bravo-bot', ...Object.values(b.roles)]) expect(text).not.toContain(leak);
    }
    expectProblem(await t.http().get(`/v1/workspaces/${b.id}`).set(bearer(bot.token)), 404, 'not_found');
    expect((await whoami(bBot.token).expect(200)).body.workspace).toEqual({ id: b.id, name: 'Bravo works' });
  });

  describe('GET /v1/workspaces for an API user', () => {
    it("lists its one workspace, in the same shape as a user's item, with its own roles", async () => {
      const ws = await newWorkspace(t, undefined, 'Solo');
      await newWorkspace(t, ws.owner, 'Other of the owner');
      const bot = await ws.apiUser({ roles: ['viewer'] });
      const owners = await t.http().get('/v1/workspaces').set(bearer(ws.owner.personalToken)).expect(200);
      const ownerItem = owners.body.items.find((i: { id: string }) => i.id === ws.id);

      const res = await t.http().get('/v1/workspaces').set(bearer(bot.token)).expect(200);
      expect(res.body.items).toHaveLength(1);
      expect(res.body.nextCursor ?? null).toBeNull();
      const [item] = res.body.items;
      expect(Object.keys(item).sort()).toEqual(Object.keys(ownerItem).sort());
      expect(item).toEqual({ ...ownerItem, roles: [{ id: ws.roles.viewer, name: 'viewer' }] });
    });

    it('needs workspace:read in the token, as for users', async () => {
      const ws = await newWorkspace(t);
      const bot = await ws.apiUser({ roles: ['viewer'] });
      const devicesOnly = await apiUserToken(ws, bot.id, ['devices:read']);
      expectProblem(await t.http().get('/v1/workspaces').set(bearer(devicesOnly.secret)), 403, 'insufficient_scope');
      const reader = await apiUserToken(ws, bot.id, ['workspace:read']);
      const res = await t.http().get('/v1/workspaces').set(bearer(reader.secret)).expect(200);
      expect(res.body.items.map((i: { id: string }) => i.id)).toEqual([ws.id]);
    });
  });
});
