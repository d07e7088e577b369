// Audit findings ROT, H4, L5 and L10 (docs/security.md): rotation chains end together, no token buys a credential
// that outlives it, a workspace sees only its own last uses and addresses, secrets are never cached
// and /metrics is not public.
import { request as httpRequest } from 'node:http';
import { LastUsedRecorder } from '../../src/auth/last-used.recorder';
import { loadConfig } from '../../src/config/app-config';
import { MetricsListener } from '../../src/metrics/metrics-listener';
import {
  bearer,
  builtInRoles,
  createNamedToken,
  createWorkspace,
  expectProblem,
  inviteAndAccept,
  login,
  PASSWORD,
  registerUser,
  RegisteredUser,
} from '../support/api';
import { METRICS_KEY, startTestApp, TestApp } from '../support/test-app';

describe('security: tokens (issue 12: ROT, H4, L5, L10)', () => {
  let t: TestApp;
  let user: RegisteredUser;

  beforeAll(async () => {
    t = await startTestApp();
  });
  beforeEach(async () => {
    user = await registerUser(t);
  });
  afterAll(() => t.close());

  const me = (secret: string) => t.http().get('/v1/me').set(bearer(secret));

  async function rotate(
    id: string,
    graceSeconds: number,
    by = user.personalToken,
  ): Promise<{ id: string; secret: string; expiresAt: string | null }> {
    return (await t.http().post(`/v1/me/tokens/${id}/rotate`).set(bearer(by)).send({ graceSeconds }).expect(200)).body;
  }

  async function exchange(secret: string, expiresInSeconds = 3600): Promise<{ id: string; secret: string; expiresAt: string }> {
    return (await t.http().post('/v1/auth/token').set(bearer(secret)).send({ expiresInSeconds }).expect(200)).body.token;
  }

  async function apiUser(ownerSecret: string, wid: string, roleId: string): Promise<{ id: string; tokenId: string; secret: string }> {
    const res = await t
      .http()
      .post(`/v1/workspaces/${wid}/api-users`)
      .set(bearer(ownerSecret))
      .send({ name: `bot-${Math.random()}`, roleIds: [roleId], deviceAccess: { mode: 'all' } })
      .expect(201);
    return { id: res.body.apiUser.id, tokenId: res.body.token.id, secret: res.body.token.secret };
  }

  describe('ROT: revoking a token ends its whole rotation chain', () => {
    it('ROT: revoking the new token also ends the old secret still in its grace period', async () => {
      const old = await createNamedToken(t, user.personalToken, { scopes: ['account:read'] });
      const fresh = await rotate(old.id, 3600);
      await me(old.secret).expect(200);
      await t.http().delete(`/v1/me/tokens/${fresh.id}`).set(bearer(user.personalToken)).expect(204);
      expectProblem(await me(fresh.secret), 401, 'token_invalid');
      expectProblem(await me(old.secret), 401, 'token_invalid');
    });

    it('ROT: revoking the old secret in grace ends its successors and every session exchanged from the chain', async () => {
      const first = await createNamedToken(t, user.personalToken, { scopes: ['account:read', 'account:manage'] });
      const oldSession = await exchange(first.secret);
      const second = await rotate(first.id, 3600);
      const third = await rotate(second.id, 3600);
      const newSession = await exchange(third.secret);
      for (const secret of [first.secret, second.secret, third.secret, oldSession.secret, newSession.secret]) await me(secret).expect(200);
      await t.http().delete(`/v1/me/tokens/${second.id}`).set(bearer(user.personalToken)).expect(204);
      for (const secret of [first.secret, second.secret, third.secret, oldSession.secret, newSession.secret]) {
        expectProblem(await me(secret), 401, 'token_invalid');
      }
      const events = await t.dataSource.query(
        `SELECT count(*)::int AS n FROM audit_events WHERE action = 'token.revoked' AND target_id = $1`,
        [second.id],
      );
      expect(events[0].n).toBe(1);
    });

    it('ROT: the old secret in grace is listed as live, with its end of grace as expiry, so it can be revoked', async () => {
      const old = await createNamedToken(t, user.personalToken, { scopes: ['account:read'], expiresInDays: 30 });
      const fresh = await rotate(old.id, 600);
      const graceEnd = new Date(t.clock.now().getTime() + 600_000).toISOString();
      const listed = (await t.http().get('/v1/me/tokens').set(bearer(user.personalToken)).expect(200)).body.items;
      const oldRow = listed.find((row: { id: string }) => row.id === old.id);
      expect(oldRow).toMatchObject({ revokedAt: null, expiresAt: graceEnd, replacedById: fresh.id });
      const one = (await t.http().get(`/v1/me/tokens/${old.id}`).set(bearer(user.personalToken)).expect(200)).body;
      expect(one).toMatchObject({ revokedAt: null, expiresAt: graceEnd });
      await t.http().delete(`/v1/me/tokens/${old.id}`).set(bearer(user.personalToken)).expect(204);
      const after = (await t.http().get(`/v1/me/tokens/${old.id}`).set(bearer(user.personalToken)).expect(200)).body;
      expect(after.revokedAt).toBe(t.clock.now().toISOString());
      expectProblem(await me(old.secret), 401, 'token_invalid');
      expectProblem(await me(fresh.secret), 401, 'token_invalid');
    });

    it('ROT: after the grace period the old token shows its real end, and revoking it later still ends the chain', async () => {
      const old = await createNamedToken(t, user.personalToken, { scopes: ['account:read'] });
      const fresh = await rotate(old.id, 60);
      t.clock.advanceSeconds(61);
      const row = (await t.http().get(`/v1/me/tokens/${old.id}`).set(bearer(user.personalToken)).expect(200)).body;
      expect(row.revokedAt).not.toBeNull();
      await me(fresh.secret).expect(200);
      await t.http().delete(`/v1/me/tokens/${old.id}`).set(bearer(user.personalToken)).expect(204);
      expectProblem(await me(fresh.secret), 401, 'token_invalid');
    });

    it("ROT: another user cannot revoke someone's chain through their own tokens: 404, nothing ends", async () => {
      const old = await createNamedToken(t, user.personalToken, { scopes: ['account:read'] });
      const fresh = await rotate(old.id, 600);
      const other = await registerUser(t);
      for (const id of [old.id, fresh.id])
        expectProblem(await t.http().delete(`/v1/me/tokens/${id}`).set(bearer(other.personalToken)), 404, 'not_found');
      await me(old.secret).expect(200);
      await me(fresh.secret).expect(200);
    });

    it('ROT: two revocations of one chain from both ends at once both answer 204 and end it', async () => {
      const old = await createNamedToken(t, user.personalToken, { scopes: ['account:read'] });
      const fresh = await rotate(old.id, 600);
      const results = await Promise.all(
        [old.id, fresh.id, old.id, fresh.id].map((id) => t.http().delete(`/v1/me/tokens/${id}`).set(bearer(user.personalToken))),
      );
      expect(results.map((r) => r.status)).toEqual([204, 204, 204, 204]);
      expectProblem(await me(old.secret), 401, 'token_invalid');
      expectProblem(await me(fresh.secret), 401, 'token_invalid');
    });

    it('ROT: an API-user token chain ends together, through the API user and through workspace governance', async () => {
      const wid = (await createWorkspace(t, user.personalToken)).id;
      const roles = await builtInRoles(t, user.personalToken, wid);
      const bot = await apiUser(user.personalToken, wid, roles.viewer);
      const check = (secret: string) => t.http().get(`/v1/workspaces/${wid}`).set(bearer(secret));
      const base = `/v1/workspaces/${wid}/api-users/${bot.id}/tokens`;

      let fresh = (
        await t.http().post(`${base}/${bot.tokenId}/rotate`).set(bearer(user.personalToken)).send({ graceSeconds: 600 }).expect(200)
      ).body;
      const listed = (await t.http().get(base).set(bearer(user.personalToken)).expect(200)).body.items;
      expect(listed.find((row: { id: string }) => row.id === bot.tokenId)).toMatchObject({ revokedAt: null });
      await check(bot.secret).expect(200);
      await t.http().delete(`${base}/${fresh.id}`).set(bearer(user.personalToken)).expect(204);
      expectProblem(await check(bot.secret), 401, 'token_invalid');
      expectProblem(await check(fresh.secret), 401, 'token_invalid');

      const second = await apiUser(user.personalToken, wid, roles.viewer);
      fresh = (
        await t
          .http()
          .post(`/v1/workspaces/${wid}/api-users/${second.id}/tokens/${second.tokenId}/rotate`)
          .set(bearer(user.personalToken))
          .send({ graceSeconds: 600 })
          .expect(200)
      ).body;
      const governed = (await t.http().get(`/v1/workspaces/${wid}/tokens`).set(bearer(user.personalToken)).expect(200)).body.items;
      expect(governed.find((row: { id: string }) => row.id === second.tokenId)).toMatchObject({ revokedAt: null });
      await t.http().delete(`/v1/workspaces/${wid}/tokens/${fresh.id}`).set(bearer(user.personalToken)).expect(204);
      expectProblem(await check(second.secret), 401, 'token_invalid');
      expectProblem(await check(fresh.secret), 401, 'token_invalid');
    });

    it("ROT: a workspace admin cutting a member's rotated token off cuts the old secret in grace off too", async () => {
      const owner = await registerUser(t);
      const wid = (await createWorkspace(t, owner.personalToken)).id;
      const other = (await createWorkspace(t, user.personalToken, 'Elsewhere')).id;
      await inviteAndAccept(t, owner.personalToken, wid, user, [(await builtInRoles(t, owner.personalToken, wid)).member]);
      const old = await createNamedToken(t, user.personalToken, { scopes: ['workspace:read'] });
      const fresh = await rotate(old.id, 3600);
      await t.http().delete(`/v1/workspaces/${wid}/tokens/${fresh.id}`).set(bearer(owner.personalToken)).expect(204);
      for (const secret of [old.secret, fresh.secret]) {
        expect((await t.http().get(`/v1/workspaces/${wid}`).set(bearer(secret))).status).toBeGreaterThanOrEqual(400);
        await t.http().get(`/v1/workspaces/${other}`).set(bearer(secret)).expect(200);
      }
    });
  });

  describe('H4: no token obtains a credential that outlives it', () => {
    it('H4: a 60-second exchanged session cannot regenerate the personal token, and the old one keeps working', async () => {
      const session = await exchange(user.personalToken, 60);
      expectProblem(await t.http().post('/v1/me/personal-token/regenerate').set(bearer(session.secret)), 403, 'forbidden');
      await me(user.personalToken).expect(200);
      const personal = (await t.http().get('/v1/me/personal-token').set(bearer(user.personalToken)).expect(200)).body;
      expect(personal.id).toBe(user.personalTokenId);
    });

    it('H4: a named * token, even one that never expires, cannot regenerate without the password', async () => {
      const named = await createNamedToken(t, user.personalToken, { scopes: ['*'], expiresInDays: null });
      expectProblem(await t.http().post('/v1/me/personal-token/regenerate').set(bearer(named.secret)), 403, 'forbidden');
      expectProblem(await t.http().post('/v1/me/personal-token/regenerate').set(bearer(user.personalToken)), 403, 'forbidden');
      await me(user.personalToken).expect(200);
    });

    it('H4: the current password or a login session regenerates; a wrong password is 400, and guesses are limited without locking sign-in', async () => {
      const withPassword = await t
        .http()
        .post('/v1/me/personal-token/regenerate')
        .set(bearer(user.personalToken))
        .send({ currentPassword: PASSWORD })
        .expect(200);
      expect(withPassword.body.expiresAt).toBeNull();
      expectProblem(await me(user.personalToken), 401, 'token_invalid');
      const session = await login(t, user.email);
      const withSession = await t.http().post('/v1/me/personal-token/regenerate').set(bearer(session)).expect(200);
      expectProblem(await me(withPassword.body.secret), 401, 'token_invalid');

      const current = withSession.body.secret as string;
      // The per-user bucket of current-password checks (M3), which the first regeneration above used once.
      for (let i = 1; i < t.config.passwordLimits.changesPerUserPer15Minutes; i++) {
        const res = await t
          .http()
          .post('/v1/me/personal-token/regenerate')
          .set(bearer(current))
          .send({ currentPassword: 'wrong password' });
        expectProblem(res, 400, 'validation_failed');
      }
      expectProblem(
        await t.http().post('/v1/me/personal-token/regenerate').set(bearer(current)).send({ currentPassword: PASSWORD }),
        429,
        'rate_limited',
      );
      await me(current).expect(200);
      // A count of its own: guessing here does not lock the owner out of signing in.
      await login(t, user.email);
      for (const currentPassword of ['', 42, null, 'x'.repeat(5000)]) {
        expectProblem(
          await t.http().post('/v1/me/personal-token/regenerate').set(bearer(current)).send({ currentPassword }),
          400,
          'validation_failed',
        );
      }
    });

    it('H4: a workspace-restricted * token gets 403 even with the right password: only an unrestricted * token regenerates', async () => {
      const wid = (await createWorkspace(t, user.personalToken)).id;
      const restricted = await createNamedToken(t, user.personalToken, { scopes: ['*'], workspaceIds: [wid] });
      expectProblem(
        await t.http().post('/v1/me/personal-token/regenerate').set(bearer(restricted.secret)).send({ currentPassword: PASSWORD }),
        403,
        // The guard refuses a restricted token every account-wide route (L1) before the password is looked at.
        'insufficient_scope',
      );
    });

    it('H4: every other route that issues a credential caps it to the calling short-lived token', async () => {
      const session = await exchange(user.personalToken, 60);
      const limit = new Date(session.expiresAt).getTime();
      const expiry = (body: { expiresAt: string | null }) => (body.expiresAt === null ? Infinity : new Date(body.expiresAt).getTime());

      const named = await createNamedToken(t, session.secret, { scopes: ['account:read'], expiresInDays: null });
      expect(expiry(named.body as { expiresAt: string | null })).toBeLessThanOrEqual(limit);
      const longLived = await createNamedToken(t, user.personalToken, { scopes: ['account:read'], expiresInDays: null });
      const rotated = await rotate(longLived.id, 0, session.secret);
      expect(expiry(rotated)).toBeLessThanOrEqual(limit);
      expectProblem(await t.http().post('/v1/auth/token').set(bearer(session.secret)).send({}), 403, 'forbidden');

      const wid = (await createWorkspace(t, user.personalToken)).id;
      const roles = await builtInRoles(t, user.personalToken, wid);
      const created = await t
        .http()
        .post(`/v1/workspaces/${wid}/api-users`)
        .set(bearer(session.secret))
        .send({ name: 'short', roleIds: [roles.viewer], deviceAccess: { mode: 'all' } })
        .expect(201);
      expect(expiry(created.body.token)).toBeLessThanOrEqual(limit);
      const base = `/v1/workspaces/${wid}/api-users/${created.body.apiUser.id}/tokens`;
      const extra = await t.http().post(base).set(bearer(session.secret)).send({ name: 'more' }).expect(201);
      expect(expiry(extra.body)).toBeLessThanOrEqual(limit);
      const bot = await apiUser(user.personalToken, wid, roles.viewer);
      const botRotated = await t
        .http()
        .post(`/v1/workspaces/${wid}/api-users/${bot.id}/tokens/${bot.tokenId}/rotate`)
        .set(bearer(session.secret))
        .send({})
        .expect(200);
      expect(expiry(botRotated.body)).toBeLessThanOrEqual(limit);

      // A session exchanged from a capped token ends with it as well.
      const botSession = await exchange(extra.body.secret, 43200);
      expect(new Date(botSession.expiresAt).getTime()).toBeLessThanOrEqual(limit);
      t.clock.advanceSeconds(61);
      for (const secret of [
        named.secret,
        rotated.secret,
        created.body.token.secret,
        extra.body.secret,
        botRotated.body.secret,
        botSession.secret,
      ]) {
        expect((await me(secret)).status).toBe(401);
      }
    });
  });

  describe('L5: a workspace sees only its own last uses and addresses', () => {
    it('L5: the token listing shows last use only for tokens that reach this workspace alone', async () => {
      const owner = await registerUser(t);
      const wid = (await createWorkspace(t, owner.personalToken)).id;
      const roles = await builtInRoles(t, owner.personalToken, wid);
      await inviteAndAccept(t, owner.personalToken, wid, user, [roles.member]);
      const onlyHere = await createNamedToken(t, user.personalToken, { scopes: ['workspace:read'], workspaceIds: [wid] });
      const bot = await apiUser(owner.personalToken, wid, roles.viewer);
      for (const secret of [user.personalToken, onlyHere.secret, bot.secret])
        await t.http().get(`/v1/workspaces/${wid}`).set(bearer(secret)).expect(200);
      await t.app.get(LastUsedRecorder).flush();

      const rows: Array<{ id: string; lastUsedAt: string | null; lastUsedIp: string | null }> = (
        await t.http().get(`/v1/workspaces/${wid}/tokens?limit=200`).set(bearer(owner.personalToken)).expect(200)
      ).body.items;
      const row = (id: string) => rows.find((r) => r.id === id);
      expect(row(user.personalTokenId)).toMatchObject({ lastUsedAt: null, lastUsedIp: null });
      expect(row(onlyHere.id)?.lastUsedIp).toMatch(/127\.0\.0\.1/);
      expect(row(bot.tokenId)?.lastUsedIp).toMatch(/127\.0\.0\.1/);
      // The user still sees their own.
      const own = (await t.http().get(`/v1/me/tokens/${user.personalTokenId}`).set(bearer(user.personalToken)).expect(200)).body;
      expect(own.lastUsedIp).toMatch(/127\.0\.0\.1/);
    });

    it("L5: the token listing names no other workspace of a member's token, and says whether the token reaches only this one", async () => {
      const owner = await registerUser(t);
      const here = (await createWorkspace(t, owner.personalToken)).id;
      const roles = await builtInRoles(t, owner.personalToken, here);
      await inviteAndAccept(t, owner.personalToken, here, user, [roles.member]);
      const elsewhere = (await createWorkspace(t, user.personalToken, 'Private')).id;
      const both = await createNamedToken(t, user.personalToken, { scopes: ['workspace:read'], workspaceIds: [here, elsewhere] });
      const onlyHere = await createNamedToken(t, user.personalToken, { scopes: ['workspace:read'], workspaceIds: [here] });
      const bot = await apiUser(owner.personalToken, here, roles.viewer);
      const rows: Array<{ id: string; workspaceIds: string[] | null; onlyHere: boolean }> = (
        await t.http().get(`/v1/workspaces/${here}/tokens?limit=200`).set(bearer(owner.personalToken)).expect(200)
      ).body.items;
      const row = (id: string) => rows.find((r) => r.id === id);
      expect(row(both.id)).toMatchObject({ workspaceIds: [here], onlyHere: false });
      expect(JSON.stringify(rows)).not.toContain(elsewhere);
      expect(row(onlyHere.id)).toMatchObject({ workspaceIds: [here], onlyHere: true });
      expect(row(user.personalTokenId)).toMatchObject({ workspaceIds: null, onlyHere: false });
      expect(row(bot.tokenId)).toMatchObject({ workspaceIds: [here], onlyHere: true });
      // The user still sees the whole restriction of their own token.
      const own = (await t.http().get(`/v1/me/tokens/${both.id}`).set(bearer(user.personalToken)).expect(200)).body;
      expect([...own.workspaceIds].sort()).toEqual([here, elsewhere].sort());
    });

    it("L5: the account's audit view shows the user's own addresses, never a workspace admin's acting on them", async () => {
      const owner = await registerUser(t);
      const wid = (await createWorkspace(t, owner.personalToken)).id;
      await inviteAndAccept(t, owner.personalToken, wid, user, [(await builtInRoles(t, owner.personalToken, wid)).member]);
      const named = await createNamedToken(t, user.personalToken, { scopes: ['*'], workspaceIds: [wid] });
      await t.http().delete(`/v1/workspaces/${wid}/tokens/${named.id}`).set(bearer(owner.personalToken)).expect(204);
      const events: Array<{ action: string; actor: { id: string | null }; ip: string | null }> = (
        await t.http().get('/v1/me/audit-events?limit=200').set(bearer(user.personalToken)).expect(200)
      ).body.items;
      const byAdmin = events.filter((e) => e.actor.id === owner.id);
      expect(byAdmin.length).toBeGreaterThan(0);
      for (const event of byAdmin) expect(event.ip).toBeNull();
      const created = events.find((e) => e.action === 'token.created');
      expect(created?.ip).toMatch(/127\.0\.0\.1/);
      // The workspace's own log still shows where its admin acted from.
      const workspaceEvents = (
        await t.http().get(`/v1/workspaces/${wid}/audit-events?action=token.revoked`).set(bearer(owner.personalToken)).expect(200)
      ).body.items;
      expect(workspaceEvents[0].ip).toMatch(/127\.0\.0\.1/);
    });
  });

  describe('L10: no cached secrets, no public metrics', () => {
    it('L10: every answer that carries a secret, and every other API answer, says Cache-Control: no-store', async () => {
      const responses = [
        await t
          .http()
          .post('/v1/auth/register')
          .send({ email: `l10-${Math.random()}@example.com`, password: PASSWORD, name: 'L10' }),
        await t.http().post('/v1/auth/login').send({ email: user.email, password: PASSWORD }),
        await t
          .http()
          .post('/v1/me/tokens')
          .set(bearer(user.personalToken))
          .send({ name: 'n', scopes: ['account:read'] }),
        await t.http().post('/v1/auth/token').set(bearer(user.personalToken)).send({}),
        await t.http().get('/v1/me').set(bearer(user.personalToken)),
        await t.http().get('/v1/me').set(bearer('lkp_nonsense')),
        await t.http().get('/v1/authorize'),
        await t.http().get('/health/live'),
      ];
      for (const res of responses) expect(res.headers['cache-control']).toBe('no-store');
    });

    it('L10: /metrics on the API port needs the metrics key: none or a wrong one is 401, problem+json, no metrics', async () => {
      const none = await t.http().get('/metrics');
      expectProblem(none, 401, 'token_missing');
      expect(none.text).not.toContain('latchkey_');
      expectProblem(
        await t
          .http()
          .get('/metrics')
          .set(bearer(`${METRICS_KEY}x`)),
        401,
        'token_invalid',
      );
      expectProblem(await t.http().get('/metrics').set(bearer(user.personalToken)), 401, 'token_invalid');
      expectProblem(await t.http().get('/metrics').set('Authorization', METRICS_KEY), 401, 'token_missing');
      const ok = await t.http().get('/metrics').set(bearer(METRICS_KEY)).expect(200);
      expect(ok.text).toContain('latchkey_db_queries_total');
      expect(ok.headers['cache-control']).toBe('no-store');
    });
  });
});

describe('security: metrics exposure (issue 12: L10)', () => {
  it('L10: without a metrics key, /metrics is not served on the API port at all', async () => {
    const t = await startTestApp({ LATCHKEY_METRICS_TOKEN: '' });
    try {
      expectProblem(await t.http().get('/metrics'), 404, 'not_found');
      expectProblem(await t.http().get('/metrics').set(bearer(METRICS_KEY)), 404, 'not_found');
    } finally {
      await t.close();
    }
  });

  it('L10: /metrics on the API port is rate-limited per address like every public route', async () => {
    const t = await startTestApp({ LATCHKEY_RATE_LIMIT_PUBLIC_PER_IP: '3' });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++)
        statuses.push(
          (
            await t
              .http()
              .get('/metrics')
              .set(bearer(i % 2 ? METRICS_KEY : 'wrong'))
          ).status,
        );
      expect(statuses.slice(3)).toEqual([429, 429]);
    } finally {
      await t.close();
    }
  });

  it('L10: LATCHKEY_METRICS_PORT serves GET /metrics alone on its own listener, with the key when one is set', async () => {
    const t = await startTestApp({ LATCHKEY_METRICS_PORT: '0', LATCHKEY_METRICS_HOST: '127.0.0.1' });
    try {
      const port = t.app.get(MetricsListener).port();
      expect(port).toEqual(expect.any(Number));
      const get = (path: string, headers: Record<string, string> = {}, method = 'GET') =>
        new Promise<{ status: number; body: string; headers: Record<string, unknown> }>((resolve, reject) => {
          const req = httpRequest({ host: '127.0.0.1', port, path, method, headers }, (res) => {
            let body = '';
            res.on('data', (chunk) => (body += chunk));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
          });
          req.on('error', reject);
          req.end();
        });
      expect((await get('/metrics')).status).toBe(401);
      expect((await get('/metrics', bearer('wrong'))).status).toBe(401);
      const ok = await get('/metrics', bearer(METRICS_KEY));
      expect(ok.status).toBe(200);
      expect(ok.body).toContain('latchkey_db_queries_total');
      expect(ok.headers['cache-control']).toBe('no-store');
      expect((await get('/v1/me', bearer(METRICS_KEY))).status).toBe(404);
      expect((await get('/metrics', bearer(METRICS_KEY), 'POST')).status).toBe(405);
    } finally {
      await t.close();
    }
    // Closed with the app.
    const port = t.app.get(MetricsListener).port();
    expect(port).toBeNull();
  });

  it('L10: the configuration refuses a short metrics key and a metrics port equal to PORT', () => {
    expect(() => loadConfig({ LATCHKEY_METRICS_TOKEN: 'short' })).toThrow(/LATCHKEY_METRICS_TOKEN/);
    expect(() => loadConfig({ LATCHKEY_METRICS_TOKEN: `${'k'.repeat(32)} with space` })).toThrow(/LATCHKEY_METRICS_TOKEN/);
    expect(() => loadConfig({ PORT: '3000', LATCHKEY_METRICS_PORT: '3000' })).toThrow(/LATCHKEY_METRICS_PORT/);
    const config = loadConfig({});
    expect(config.metrics).toEqual({ tokenDigest: null, port: null, host: '127.0.0.1' });
  });
});
