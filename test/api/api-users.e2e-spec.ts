// API users and the checks other services make: /v1/authorize and /v1/introspect.
import { bearer, createNamedToken, createWorkspace, expectProblem, login, markEmailVerified, registerUser } from '../support/api';
import { newWorkspace } from '../support/fixtures';
import { startTestApp, TestApp } from '../support/test-app';

const PLATFORM_KEY = 'platform-key-for-tests-0123456789abcdef';

describe('API users and checks', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ LATCHKEY_INTROSPECTION_KEYS: PLATFORM_KEY });
  });
  afterAll(() => t.close());

  async function setup() {
    const ws = await newWorkspace(t, undefined, 'Plant');
    const d1 = (await ws.device({ name: 'one', serial: 'D1' })).id;
    const d2 = (await ws.device({ name: 'two', serial: 'D2' })).id;
    return { owner: ws.owner, ws, roles: ws.roles, d1, d2 };
  }

  function createApiUser(secret: string, wid: string, body: Record<string, unknown>) {
    return t.http().post(`/v1/workspaces/${wid}/api-users`).set(bearer(secret)).send(body);
  }

  const authorize = (secret: string | null, query: Record<string, string>) => {
    const req = t.http().get('/v1/authorize').query(query);
    return secret ? req.set(bearer(secret)) : req;
  };

  describe('API users', () => {
    it('are created with an lka_ token returned once, and listed without secrets', async () => {
      const { owner, ws, roles, d1 } = await setup();
      const res = await createApiUser(owner.personalToken, ws.id, {
        name: 'Ingest',
        roleIds: [roles.member],
        deviceAccess: { mode: 'selected', deviceIds: [d1] },
      }).expect(201);
      expect(res.body.apiUser).toMatchObject({
        name: 'Ingest',
        status: 'active',
        workspaceId: ws.id,
        deviceAccess: { mode: 'selected', deviceIds: [d1] },
      });
      expect(res.body.apiUser.roles).toEqual([{ id: roles.member, name: 'member' }]);
      expect(res.body.token).toMatchObject({ kind: 'api_user', scopes: ['*'], expiresAt: null, workspaceIds: [ws.id] });
      expect(res.body.token.secret).toMatch(/^lka_[0-9A-Za-z]{38}$/);
      const list = await t.http().get(`/v1/workspaces/${ws.id}/api-users`).set(bearer(owner.personalToken)).expect(200);
      expect(list.body.items).toHaveLength(1);
      const tokens = await t
        .http()
        .get(`/v1/workspaces/${ws.id}/api-users/${res.body.apiUser.id}/tokens`)
        .set(bearer(owner.personalToken))
        .expect(200);
      expect(JSON.stringify([list.body, tokens.body])).not.toContain(res.body.token.secret);
      expect(tokens.body.items[0]).not.toHaveProperty('secret');
      expectProblem(
        await createApiUser(owner.personalToken, ws.id, { name: 'ingest', roleIds: [roles.viewer], deviceAccess: { mode: 'all' } }),
        409,
        'conflict',
      );
    });

    it('use their token in their workspace only, and never on account routes', async () => {
      const { owner, ws, roles } = await setup();
      const created = (
        await createApiUser(owner.personalToken, ws.id, { name: 'Bot', roleIds: [roles.viewer], deviceAccess: { mode: 'all' } }).expect(201)
      ).body;
      const secret = created.token.secret;
      await t.http().get(`/v1/workspaces/${ws.id}/devices`).set(bearer(secret)).expect(200);
      expectProblem(
        await t.http().post(`/v1/workspaces/${ws.id}/devices`).set(bearer(secret)).send({ name: 'x', serial: 'X' }),
        403,
        'forbidden',
      );
      const other = await createWorkspace(t, owner.personalToken, 'Other');
      expectProblem(await t.http().get(`/v1/workspaces/${other.id}`).set(bearer(secret)), 404, 'not_found');
      for (const [method, path] of [
        ['get', '/v1/me'],
        ['get', '/v1/me/tokens'],
        ['post', '/v1/workspaces'],
        ['post', '/v1/invitations/accept'],
      ] as const) {
        expectProblem(await t.http()[method](path).set(bearer(secret)).send({}), 403, 'forbidden');
      }
      // Its own workspace is listed to it (issue 14), and only that one.
      const listed = await t.http().get('/v1/workspaces').set(bearer(secret)).expect(200);
      expect(listed.body.items.map((w: { id: string }) => w.id)).toEqual([ws.id]);
      expectProblem(await t.http().post(`/v1/workspaces/${ws.id}/leave`).set(bearer(secret)), 403, 'forbidden');
    });

    it('stop working at once when disabled or deleted, and work again when enabled', async () => {
      const { owner, ws, roles } = await setup();
      const created = (
        await createApiUser(owner.personalToken, ws.id, { name: 'Bot', roleIds: [roles.viewer], deviceAccess: { mode: 'all' } }).expect(201)
      ).body;
      const path = `/v1/workspaces/${ws.id}/api-users/${created.apiUser.id}`;
      const session = (await t.http().post('/v1/auth/token').set(bearer(created.token.secret)).expect(200)).body.token.secret;
      await t.http().patch(path).set(bearer(owner.personalToken)).send({ status: 'disabled' }).expect(200);
      for (const secret of [created.token.secret, session])
        expectProblem(await t.http().get(`/v1/workspaces/${ws.id}`).set(bearer(secret)), 401, 'token_invalid');
      await t.http().patch(path).set(bearer(owner.personalToken)).send({ status: 'active' }).expect(200);
      await t.http().get(`/v1/workspaces/${ws.id}`).set(bearer(created.token.secret)).expect(200);
      await t.http().delete(path).set(bearer(owner.personalToken)).expect(204);
      expectProblem(await t.http().get(`/v1/workspaces/${ws.id}`).set(bearer(created.token.secret)), 401, 'token_invalid');
      expectProblem(await t.http().get(path).set(bearer(owner.personalToken)), 404, 'not_found');
      const [{ n }] = await t.dataSource.query('SELECT count(*)::int AS n FROM tokens WHERE api_user_id = $1', [created.apiUser.id]);
      expect(n).toBe(0);
    });

    it('lose rights at once when their roles change', async () => {
      const { owner, ws, roles } = await setup();
      const created = (
        await createApiUser(owner.personalToken, ws.id, { name: 'Bot', roleIds: [roles.member], deviceAccess: { mode: 'all' } }).expect(201)
      ).body;
      await t
        .http()
        .post(`/v1/workspaces/${ws.id}/devices`)
        .set(bearer(created.token.secret))
        .send({ name: 'a', serial: 'BOT-1' })
        .expect(201);
      await t
        .http()
        .patch(`/v1/workspaces/${ws.id}/api-users/${created.apiUser.id}`)
        .set(bearer(owner.personalToken))
        .send({ roleIds: [roles.viewer] })
        .expect(200);
      expectProblem(
        await t.http().post(`/v1/workspaces/${ws.id}/devices`).set(bearer(created.token.secret)).send({ name: 'b', serial: 'BOT-2' }),
        403,
        'forbidden',
      );
    });

    it('get more tokens, with expiry; rotation keeps the old one for the grace period; revocation is immediate', async () => {
      const { owner, ws, roles } = await setup();
      const created = (
        await createApiUser(owner.personalToken, ws.id, { name: 'Bot', roleIds: [roles.viewer], deviceAccess: { mode: 'all' } }).expect(201)
      ).body;
      const base = `/v1/workspaces/${ws.id}/api-users/${created.apiUser.id}/tokens`;
      const second = (
        await t
          .http()
          .post(base)
          .set(bearer(owner.personalToken))
          .send({ name: 'ci', expiresInDays: 10, scopes: ['devices:read'] })
          .expect(201)
      ).body;
      expect(second).toMatchObject({ kind: 'api_user', name: 'ci', scopes: ['devices:read'] });
      expect(new Date(second.expiresAt).getTime() - t.clock.now().getTime()).toBe(10 * 86_400_000);
      await t.http().get(`/v1/workspaces/${ws.id}/devices`).set(bearer(second.secret)).expect(200);
      expectProblem(await t.http().get(`/v1/workspaces/${ws.id}/members`).set(bearer(second.secret)), 403, 'insufficient_scope');

      const rotated = (
        await t.http().post(`${base}/${second.id}/rotate`).set(bearer(owner.personalToken)).send({ graceSeconds: 30 }).expect(200)
      ).body;
      expect(rotated.secret).toMatch(/^lka_/);
      await t.http().get(`/v1/workspaces/${ws.id}/devices`).set(bearer(second.secret)).expect(200);
      t.clock.advanceSeconds(30);
      expectProblem(await t.http().get(`/v1/workspaces/${ws.id}/devices`).set(bearer(second.secret)), 401, 'token_invalid');
      await t.http().get(`/v1/workspaces/${ws.id}/devices`).set(bearer(rotated.secret)).expect(200);

      await t.http().delete(`${base}/${rotated.id}`).set(bearer(owner.personalToken)).expect(204);
      expectProblem(await t.http().get(`/v1/workspaces/${ws.id}/devices`).set(bearer(rotated.secret)), 401, 'token_invalid');
      t.clock.advance(10 * 86_400_000);
      expectProblem(await t.http().post(`${base}/${crypto.randomUUID()}/rotate`).set(bearer(owner.personalToken)), 404, 'not_found');
    });

    it('cannot be given more than their maker holds, nor owner, nor be used to escalate', async () => {
      const { owner, ws, roles } = await setup();
      // A user whose only power is managing API users.
      const keeper = await registerUser(t);
      const keeperRole = (
        await t
          .http()
          .post(`/v1/workspaces/${ws.id}/roles`)
          .set(bearer(owner.personalToken))
          .send({ name: 'Keeper', permissions: ['workspace:read', 'api_users:read', 'api_users:manage'] })
          .expect(201)
      ).body.id;
      const invite = await t
        .http()
        .post(`/v1/workspaces/${ws.id}/invitations`)
        .set(bearer(owner.personalToken))
        .send({ email: keeper.email, roleIds: [keeperRole], deviceAccess: { mode: 'all' } })
        .expect(201);
      await markEmailVerified(t, keeper.id);
      await t.http().post('/v1/invitations/accept').set(bearer(keeper.personalToken)).send({ token: invite.body.secret }).expect(200);

      expectProblem(
        await createApiUser(keeper.personalToken, ws.id, { name: 'Admin bot', roleIds: [roles.admin], deviceAccess: { mode: 'all' } }),
        403,
        'forbidden',
      );
      expectProblem(
        await createApiUser(owner.personalToken, ws.id, { name: 'Owner bot', roleIds: [roles.owner], deviceAccess: { mode: 'all' } }),
        400,
        'validation_failed',
      );
      // The owner makes a powerful API user; the keeper may not mint a token for it, rotate one, or widen it.
      const admin = (
        await createApiUser(owner.personalToken, ws.id, {
          name: 'Admin bot',
          roleIds: [roles.admin],
          deviceAccess: { mode: 'all' },
        }).expect(201)
      ).body;
      const base = `/v1/workspaces/${ws.id}/api-users/${admin.apiUser.id}`;
      expectProblem(await t.http().post(`${base}/tokens`).set(bearer(keeper.personalToken)).send({}), 403, 'forbidden');
      expectProblem(
        await t.http().post(`${base}/tokens/${admin.token.id}/rotate`).set(bearer(keeper.personalToken)).send({}),
        403,
        'forbidden',
      );
      expectProblem(
        await t
          .http()
          .patch(`${base}`)
          .set(bearer(keeper.personalToken))
          .send({ roleIds: [keeperRole] }),
        403,
        'forbidden',
      );
      // Nor rename it (audit finding L8, docs/security.md): acting on an API user at all needs every right it holds.
      expectProblem(await t.http().patch(`${base}`).set(bearer(keeper.personalToken)).send({ name: 'renamed' }), 403, 'forbidden');
      const small = (
        await createApiUser(owner.personalToken, ws.id, { name: 'Small bot', roleIds: [keeperRole], deviceAccess: { mode: 'all' } }).expect(
          201,
        )
      ).body;
      expectProblem(
        await t
          .http()
          .patch(`/v1/workspaces/${ws.id}/api-users/${small.apiUser.id}`)
          .set(bearer(keeper.personalToken))
          .send({ roleIds: [roles.admin] }),
        403,
        'forbidden',
      );
      // Nor cut it off (M1); its peers it may.
      expectProblem(await t.http().patch(base).set(bearer(keeper.personalToken)).send({ status: 'disabled' }), 403, 'forbidden');
      await t
        .http()
        .patch(`/v1/workspaces/${ws.id}/api-users/${small.apiUser.id}`)
        .set(bearer(keeper.personalToken))
        .send({ status: 'disabled' })
        .expect(200);
      await t
        .http()
        .patch(`/v1/workspaces/${ws.id}/api-users/${small.apiUser.id}`)
        .set(bearer(keeper.personalToken))
        .send({ name: 'renamed', status: 'active' })
        .expect(200);

      // An API user holding api_users:manage creates API users only within its own rights.
      const manager = (
        await createApiUser(owner.personalToken, ws.id, {
          name: 'Manager bot',
          roleIds: [keeperRole],
          deviceAccess: { mode: 'all' },
        }).expect(201)
      ).body;
      expectProblem(
        await createApiUser(manager.token.secret, ws.id, { name: 'Bigger', roleIds: [roles.member], deviceAccess: { mode: 'all' } }),
        403,
        'forbidden',
      );
      await createApiUser(manager.token.secret, ws.id, { name: 'Peer', roleIds: [keeperRole], deviceAccess: { mode: 'all' } }).expect(201);
    });
  });

  describe('GET /v1/authorize', () => {
    it('answers 204 with the principal headers when allowed, 403 when not, 401 for a bad token, 400 for a bad question', async () => {
      const { owner, ws, roles, d1, d2 } = await setup();
      const bot = (
        await createApiUser(owner.personalToken, ws.id, {
          name: 'Reader',
          roleIds: [roles.viewer],
          deviceAccess: { mode: 'selected', deviceIds: [d1] },
        }).expect(201)
      ).body;
      const secret = bot.token.secret;
      const ok = await authorize(secret, { workspaceId: ws.id, permission: 'measurements:read', deviceId: d1 }).expect(204);
      expect(ok.headers).toMatchObject({
        'latchkey-principal-id': bot.apiUser.id,
        'latchkey-principal-type': 'api_user',
        'latchkey-workspace-id': ws.id,
      });
      expectProblem(await authorize(secret, { workspaceId: ws.id, permission: 'measurements:read', deviceId: d2 }), 403, 'forbidden');
      expectProblem(await authorize(secret, { workspaceId: ws.id, permission: 'measurements:write', deviceId: d1 }), 403, 'forbidden');
      expectProblem(await authorize(secret, { workspaceId: ws.id, permission: 'measurements:read' }), 403, 'forbidden');
      expectProblem(
        await authorize(secret, { workspaceId: crypto.randomUUID(), permission: 'measurements:read', deviceId: d1 }),
        403,
        'forbidden',
      );
      expectProblem(await authorize(null, { workspaceId: ws.id, permission: 'measurements:read', deviceId: d1 }), 401, 'token_missing');
      expectProblem(
        await authorize('lka_garbage', { workspaceId: ws.id, permission: 'measurements:read', deviceId: d1 }),
        401,
        'token_invalid',
      );
      expectProblem(
        await authorize(secret, { workspaceId: ws.id, permission: 'measurements:fly', deviceId: d1 }),
        400,
        'validation_failed',
      );
      expectProblem(await authorize(secret, { workspaceId: 'nope', permission: 'measurements:read' }), 400, 'validation_failed');
    });

    it('checks devices of the workspace for principals with access to all devices', async () => {
      const { owner, ws, d1 } = await setup();
      const other = await setup();
      await authorize(owner.personalToken, { workspaceId: ws.id, permission: 'devices:delete', deviceId: d1 }).expect(204);
      await authorize(owner.personalToken, { workspaceId: ws.id, permission: 'measurements:write' }).expect(204);
      expectProblem(
        await authorize(owner.personalToken, { workspaceId: ws.id, permission: 'devices:read', deviceId: other.d1 }),
        403,
        'forbidden',
      );
      expectProblem(
        await authorize(owner.personalToken, { workspaceId: ws.id, permission: 'devices:read', deviceId: crypto.randomUUID() }),
        403,
        'forbidden',
      );
    });

    it('limits a user token by its scopes, and accepts the question under any method, in the query or as a forwarded path below', async () => {
      const { owner, ws, d1 } = await setup();
      const narrow = await createNamedToken(t, owner.personalToken, { scopes: ['measurements:read'] });
      await authorize(narrow.secret, { workspaceId: ws.id, permission: 'measurements:read', deviceId: d1 }).expect(204);
      expectProblem(
        await authorize(narrow.secret, { workspaceId: ws.id, permission: 'measurements:write', deviceId: d1 }),
        403,
        'insufficient_scope',
      );
      const res = await t
        .http()
        .post(`/v1/authorize/workspaces/${ws.id}/devices/${d1}/anything?x=1`)
        .set(bearer(narrow.secret))
        .set('Latchkey-Permission', 'measurements:read')
        .expect(204);
      expect(res.headers['latchkey-principal-type']).toBe('user');
      await t
        .http()
        .delete('/v1/authorize')
        .query({ workspaceId: ws.id, permission: 'measurements:read', deviceId: d1 })
        .set(bearer(narrow.secret))
        .expect(204);
      // The ids are never read from headers (test/security/authorize.e2e-spec.ts has the attacks).
      expectProblem(
        await t
          .http()
          .post('/v1/authorize/devices/anything')
          .set(bearer(narrow.secret))
          .set('Latchkey-Workspace-Id', ws.id)
          .set('Latchkey-Permission', 'measurements:read'),
        400,
        'validation_failed',
      );
    });

    it('reads workspace and device from a forwarded path, as Envoy and Traefik send it', async () => {
      const { owner, ws, roles, d1, d2 } = await setup();
      const bot = (
        await createApiUser(owner.personalToken, ws.id, {
          name: 'Reader',
          roleIds: [roles.viewer],
          deviceAccess: { mode: 'selected', deviceIds: [d1] },
        }).expect(201)
      ).body;
      // Envoy: path_prefix /v1/authorize + the original path, original method, permission in a static header.
      // No LATCHKEY_FORWARD_AUTH_PATH_PREFIX here: the service's paths start with /workspaces/.
      await t
        .http()
        .post(`/v1/authorize/workspaces/${ws.id}/devices/${d1}/measurements?from=0`)
        .set(bearer(bot.token.secret))
        .set('Latchkey-Permission', 'measurements:read')
        .expect(204);
      expectProblem(
        await t
          .http()
          .get(`/v1/authorize/workspaces/${ws.id}/devices/${d2}/measurements`)
          .set(bearer(bot.token.secret))
          .set('Latchkey-Permission', 'measurements:read'),
        403,
        'forbidden',
      );
      // Traefik: a fixed address with the permission, the original URI in X-Forwarded-Uri.
      const traefik = (uri: string) =>
        t
          .http()
          .get('/v1/authorize?permission=measurements:read')
          .set(bearer(bot.token.secret))
          .set('X-Forwarded-Method', 'GET')
          .set('X-Forwarded-Uri', uri);
      await traefik(`/workspaces/${ws.id}/devices/${d1}/measurements`).expect(204);
      expectProblem(await traefik(`/workspaces/${ws.id}/devices/${d2}/measurements`), 403, 'forbidden');
      expectProblem(await traefik('/somewhere/else'), 400, 'validation_failed');
      expectProblem(await traefik(`/api/workspaces/${ws.id}/devices/${d1}/measurements`), 400, 'validation_failed');
    });

    it('sees revocation, removal and policy at once', async () => {
      const { owner, ws, roles, d1 } = await setup();
      const member = await registerUser(t);
      const invite = await t
        .http()
        .post(`/v1/workspaces/${ws.id}/invitations`)
        .set(bearer(owner.personalToken))
        .send({ email: member.email, roleIds: [roles.member], deviceAccess: { mode: 'all' } })
        .expect(201);
      await markEmailVerified(t, member.id);
      await t.http().post('/v1/invitations/accept').set(bearer(member.personalToken)).send({ token: invite.body.secret }).expect(200);
      const q = { workspaceId: ws.id, permission: 'measurements:write', deviceId: d1 };
      await authorize(member.personalToken, q).expect(204);
      await t
        .http()
        .put(`/v1/workspaces/${ws.id}/token-policy`)
        .set(bearer(owner.personalToken))
        .send({ maxLifetimeDays: null, allowPersonalTokens: false })
        .expect(200);
      expectProblem(await authorize(member.personalToken, q), 403, 'token_policy');
      const session = await login(t, member.email);
      await authorize(session, q).expect(204);
      // The policy refuses the owner's personal token too; a login session is accepted.
      const ownerSession = await login(t, owner.email);
      await t.http().delete(`/v1/workspaces/${ws.id}/members/${member.id}`).set(bearer(ownerSession)).expect(204);
      expectProblem(await authorize(session, q), 403, 'forbidden');
    });
  });

  describe('POST /v1/introspect', () => {
    it('answers a platform key with the token, its subject and rights, form-encoded or JSON', async () => {
      const { owner, ws, roles, d1 } = await setup();
      const bot = (
        await createApiUser(owner.personalToken, ws.id, {
          name: 'Reader',
          roleIds: [roles.viewer],
          deviceAccess: { mode: 'selected', deviceIds: [d1] },
        }).expect(201)
      ).body;
      const form = await t
        .http()
        .post('/v1/introspect')
        .set(bearer(PLATFORM_KEY))
        .type('form')
        .send({ token: bot.token.secret })
        .expect(200);
      expect(form.body).toMatchObject({
        active: true,
        sub: bot.apiUser.id,
        principal_type: 'api_user',
        token_type: 'api_user',
        token_id: bot.token.id,
        scope: '*',
        iat: Math.floor(new Date(bot.token.createdAt).getTime() / 1000),
        workspaces: [
          {
            id: ws.id,
            deviceAccess: { mode: 'selected', deviceIds: [d1] },
            permissions: expect.arrayContaining(['devices:read', 'measurements:read']),
          },
        ],
      });
      expect(form.body).not.toHaveProperty('exp');
      const json = await t.http().post('/v1/introspect').set(bearer(PLATFORM_KEY)).send({ token: owner.personalToken }).expect(200);
      expect(json.body).toMatchObject({
        active: true,
        sub: owner.id,
        principal_type: 'user',
        token_type: 'personal',
        username: owner.email,
      });
    });

    it('lists at most 100 workspaces and says when it cut the list, so one introspection stays bounded work', async () => {
      const member = await registerUser(t);
      const ids: string[] = [];
      for (let i = 0; i < 101; i++) ids.push((await createWorkspace(t, member.personalToken, `Many ${i}`)).id);
      const full = await t.http().post('/v1/introspect').set(bearer(PLATFORM_KEY)).send({ token: member.personalToken }).expect(200);
      expect(full.body.workspaces).toHaveLength(100);
      expect(full.body.workspaces_truncated).toBe(true);
      // The first 100 by id: the same ones on every call.
      expect(full.body.workspaces.map((w: { id: string }) => w.id)).toEqual([...ids].sort().slice(0, 100));
      // One workspace fewer: the whole list, and no flag.
      await t.http().delete(`/v1/workspaces/${ids[0]}`).set(bearer(member.personalToken)).expect(204);
      const whole = await t.http().post('/v1/introspect').set(bearer(PLATFORM_KEY)).send({ token: member.personalToken }).expect(200);
      expect(whole.body.workspaces).toHaveLength(100);
      expect(whole.body).not.toHaveProperty('workspaces_truncated');
    });

    it('describes every kind of token, and refuses to describe an invitation secret', async () => {
      const { owner, ws, roles } = await setup();
      const named = await createNamedToken(t, owner.personalToken, {
        scopes: ['devices:read', 'account:read'],
        workspaceIds: [ws.id],
        expiresInDays: 5,
      });
      const session = await login(t, owner.email);
      const exchanged = (await t.http().post('/v1/auth/token').set(bearer(named.secret)).expect(200)).body.token;
      const bot = (
        await createApiUser(owner.personalToken, ws.id, { name: 'Bot', roleIds: [roles.viewer], deviceAccess: { mode: 'all' } }).expect(201)
      ).body;
      const invite = await t
        .http()
        .post(`/v1/workspaces/${ws.id}/invitations`)
        .set(bearer(owner.personalToken))
        .send({ email: 'x@example.com', roleIds: [roles.viewer], deviceAccess: { mode: 'all' } })
        .expect(201);
      const ask = async (token: string) =>
        (await t.http().post('/v1/introspect').set(bearer(PLATFORM_KEY)).send({ token }).expect(200)).body;
      expect(await ask(owner.personalToken)).toMatchObject({ active: true, token_type: 'personal', scope: '*', sub: owner.id });
      expect(await ask(named.secret)).toMatchObject({
        active: true,
        token_type: 'named',
        scope: 'devices:read account:read',
        exp: Math.floor(new Date(named.body.expiresAt as string).getTime() / 1000),
        workspaces: [{ id: ws.id, permissions: ['devices:read'] }],
      });
      expect(await ask(session)).toMatchObject({ active: true, token_type: 'session', scope: '*' });
      expect(await ask(exchanged.secret)).toMatchObject({
        active: true,
        token_type: 'session',
        scope: 'devices:read account:read',
        workspaces: [{ id: ws.id }],
      });
      expect(await ask(bot.token.secret)).toMatchObject({
        active: true,
        token_type: 'api_user',
        principal_type: 'api_user',
        sub: bot.apiUser.id,
      });
      expect(await ask(invite.body.secret)).toEqual({ active: false });
    });

    it('answers exactly {active:false} for unknown, expired, revoked and garbage tokens', async () => {
      const { owner } = await setup();
      const expiring = await createNamedToken(t, owner.personalToken, { scopes: ['*'], expiresInDays: 1 });
      const revoked = await createNamedToken(t, owner.personalToken, { scopes: ['*'] });
      await t.http().delete(`/v1/me/tokens/${revoked.id}`).set(bearer(owner.personalToken)).expect(204);
      t.clock.advance(86_400_000);
      for (const token of [
        expiring.secret,
        revoked.secret,
        'lkp_garbage',
        owner.personalToken.replace(/.$/, (last) => (last === 'x' ? 'y' : 'x')),
      ]) {
        const res = await t.http().post('/v1/introspect').set(bearer(PLATFORM_KEY)).send({ token }).expect(200);
        expect(res.body).toEqual({ active: false });
      }
    });

    it('lets a principal with tokens:read inspect tokens of its workspace only', async () => {
      const { owner, ws, roles } = await setup();
      const other = await setup();
      const auditor = (
        await createApiUser(owner.personalToken, ws.id, { name: 'Auditor', roleIds: [roles.admin], deviceAccess: { mode: 'all' } }).expect(
          201,
        )
      ).body.token.secret;
      const viewer = (
        await createApiUser(owner.personalToken, ws.id, { name: 'Viewer', roleIds: [roles.viewer], deviceAccess: { mode: 'all' } }).expect(
          201,
        )
      ).body.token.secret;
      const mine = await t.http().post('/v1/introspect').set(bearer(auditor)).send({ token: viewer }).expect(200);
      expect(mine.body).toMatchObject({ active: true, workspaces: [{ id: ws.id }] });
      // A token of another workspace is invisible: the same answer as a dead one.
      const foreign = await t.http().post('/v1/introspect').set(bearer(auditor)).send({ token: other.owner.personalToken }).expect(200);
      expect(foreign.body).toEqual({ active: false });
      // Without tokens:read nothing is visible.
      const blind = await t.http().post('/v1/introspect').set(bearer(viewer)).send({ token: auditor }).expect(200);
      expect(blind.body).toEqual({ active: false });
    });

    it('needs a caller: no key or token is 401, a wrong key is 401', async () => {
      const { owner } = await setup();
      expectProblem(await t.http().post('/v1/introspect').send({ token: owner.personalToken }), 401, 'token_missing');
      expectProblem(
        await t.http().post('/v1/introspect').set(bearer('platform-key-for-tests-0123456789abcdeX')).send({ token: owner.personalToken }),
        401,
        'token_invalid',
      );
      expectProblem(await t.http().post('/v1/introspect').set(bearer(PLATFORM_KEY)).send({}), 400, 'validation_failed');
    });

    it('does not count as a use of the inspected token', async () => {
      const { owner } = await setup();
      const named = await createNamedToken(t, owner.personalToken, { scopes: ['*'] });
      await t.http().post('/v1/introspect').set(bearer(PLATFORM_KEY)).send({ token: named.secret }).expect(200);
      const { LastUsedRecorder } = jest.requireActual('../../src/auth/last-used.recorder');
      await t.app.get(LastUsedRecorder).flush();
      const meta = await t.http().get(`/v1/me/tokens/${named.id}`).set(bearer(owner.personalToken)).expect(200);
      expect(meta.body.lastUsedAt).toBeNull();
    });
  });
});
