// Two Latchkey instances on one PostgreSQL, each with its own caches: a change made through one is
// seen by the other within a second (LISTEN/NOTIFY). PostgreSQL only: the embedded database admits
// one process, so there is nothing to invalidate across.
import { bearer, builtInRoles, createNamedToken, createWorkspace, markEmailVerified, registerUser } from '../support/api';
import { ADMIN_EMAIL, startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase, serverUrl, TestDatabase } from '../support/test-database';

/** Milliseconds until `request` answers `status`, polling; fails past the deadline. */
async function msUntil(status: number, request: () => Promise<{ status: number }>, deadlineMs = 3000): Promise<number> {
  const started = Date.now();
  for (;;) {
    if ((await request()).status === status) return Date.now() - started;
    if (Date.now() - started > deadlineMs) throw new Error(`still not ${status} after ${deadlineMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

(serverUrl() ? describe : describe.skip)('cache invalidation across instances', () => {
  let db: TestDatabase;
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    // A long TTL, so only a notification can explain a change being seen within a second.
    a = await startTestApp({ LATCHKEY_CACHE_TTL_SECONDS: '300' }, db);
    b = await startTestApp({ LATCHKEY_CACHE_TTL_SECONDS: '300' }, db);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await db?.drop();
  });

  it('caches: a repeated check on B costs no query', async () => {
    const user = await registerUser(a);
    await b.http().get('/v1/me').set(bearer(user.personalToken)).expect(200);
    const before = b.queries.total;
    const ws = await createWorkspace(a, user.personalToken);
    const cost = async () => {
      const start = b.queries.total;
      await b.http().get(`/v1/authorize?workspaceId=${ws.id}&permission=workspace:read`).set(bearer(user.personalToken)).expect(204);
      return b.queries.total - start;
    };
    expect(await cost()).toBeGreaterThan(0);
    expect(b.queries.total).toBeGreaterThan(before);
    // A's notifications about the new workspace may still be arriving and discard a fill; then it settles.
    let last = await cost();
    for (let attempt = 0; attempt < 5 && last !== 0; attempt++) last = await cost();
    expect(last).toBe(0);
    expect(await cost()).toBe(0);
  });

  it('refuses on B, within a second, a token revoked through A', async () => {
    const user = await registerUser(a);
    const named = await createNamedToken(a, user.personalToken, { scopes: ['*'] });
    await b.http().get('/v1/me').set(bearer(named.secret)).expect(200);
    await a.http().delete(`/v1/me/tokens/${named.id}`).set(bearer(user.personalToken)).expect(204);
    const ms = await msUntil(401, () => b.http().get('/v1/me').set(bearer(named.secret)));
    expect(ms).toBeLessThan(1000);
  });

  it('takes access away on A, within a second, from a member removed through B', async () => {
    const owner = await registerUser(a);
    const ws = await createWorkspace(a, owner.personalToken);
    const roles = await builtInRoles(a, owner.personalToken, ws.id);
    const member = await registerUser(a);
    const invite = await a
      .http()
      .post(`/v1/workspaces/${ws.id}/invitations`)
      .set(bearer(owner.personalToken))
      .send({ email: member.email, roleIds: [roles.member], deviceAccess: { mode: 'all' } })
      .expect(201);
    await markEmailVerified(a, member.id);
    await a.http().post('/v1/invitations/accept').set(bearer(member.personalToken)).send({ token: invite.body.secret }).expect(200);
    const check = () => a.http().get(`/v1/authorize?workspaceId=${ws.id}&permission=measurements:read`).set(bearer(member.personalToken));
    expect((await check()).status).toBe(204);
    await b.http().delete(`/v1/workspaces/${ws.id}/members/${member.id}`).set(bearer(owner.personalToken)).expect(204);
    const ms = await msUntil(403, check);
    expect(ms).toBeLessThan(1000);
  });

  it('sees on A, within a second, a team grant taken away, a principal taken out and a team deleted through B', async () => {
    const owner = await registerUser(a);
    const ws = await createWorkspace(a, owner.personalToken);
    const roles = await builtInRoles(a, owner.personalToken, ws.id);
    const as = bearer(owner.personalToken);
    const auditor = (
      await a
        .http()
        .post(`/v1/workspaces/${ws.id}/roles`)
        .set(as)
        .send({ name: 'Auditor', permissions: ['workspace:read', 'audit:read'] })
        .expect(201)
    ).body.id;
    const bot = (
      await a
        .http()
        .post(`/v1/workspaces/${ws.id}/api-users`)
        .set(as)
        .send({ name: 'Bot', roleIds: [roles.viewer], deviceAccess: { mode: 'all' } })
        .expect(201)
    ).body;
    const makeTeam = async (name: string) => {
      const team = await a
        .http()
        .post(`/v1/workspaces/${ws.id}/teams`)
        .set(as)
        .send({ name, roleIds: [auditor], deviceAccess: { mode: 'all' } })
        .expect(201);
      await a.http().put(`/v1/workspaces/${ws.id}/teams/${team.body.id}/api-users/${bot.apiUser.id}`).set(as).expect(200);
      return team.body.id as string;
    };
    const check = () => a.http().get(`/v1/authorize?workspaceId=${ws.id}&permission=audit:read`).set(bearer(bot.token.secret));

    const first = await makeTeam('First');
    expect(await msUntil(204, check)).toBeLessThan(1000);
    await b.http().patch(`/v1/workspaces/${ws.id}/teams/${first}`).set(as).send({ roleIds: [] }).expect(200);
    expect(await msUntil(403, check)).toBeLessThan(1000);

    const second = await makeTeam('Second');
    expect(await msUntil(204, check)).toBeLessThan(1000);
    await b.http().delete(`/v1/workspaces/${ws.id}/teams/${second}/api-users/${bot.apiUser.id}`).set(as).expect(204);
    expect(await msUntil(403, check)).toBeLessThan(1000);

    const third = await makeTeam('Third');
    expect(await msUntil(204, check)).toBeLessThan(1000);
    await b.http().delete(`/v1/workspaces/${ws.id}/teams/${third}`).set(as).expect(204);
    expect(await msUntil(403, check)).toBeLessThan(1000);
  });

  it('sees on A, within a second, a user deactivated, a role narrowed and a policy changed through B', async () => {
    const admin = await registerUser(a, ADMIN_EMAIL);
    // A listed email makes a platform admin only once verified (H1).
    await markEmailVerified(a, admin.id);
    const owner = await registerUser(a);
    const ws = await createWorkspace(a, owner.personalToken);
    const role = (
      await a
        .http()
        .post(`/v1/workspaces/${ws.id}/roles`)
        .set(bearer(owner.personalToken))
        .send({ name: 'R', permissions: ['workspace:read', 'devices:read'] })
        .expect(201)
    ).body.id;
    const bot = (
      await a
        .http()
        .post(`/v1/workspaces/${ws.id}/api-users`)
        .set(bearer(owner.personalToken))
        .send({ name: 'Bot', roleIds: [role], deviceAccess: { mode: 'all' } })
        .expect(201)
    ).body;
    const botCheck = () => a.http().get(`/v1/authorize?workspaceId=${ws.id}&permission=devices:read`).set(bearer(bot.token.secret));
    expect((await botCheck()).status).toBe(204);
    await b
      .http()
      .patch(`/v1/workspaces/${ws.id}/roles/${role}`)
      .set(bearer(owner.personalToken))
      .send({ permissions: ['workspace:read'] })
      .expect(200);
    expect(await msUntil(403, botCheck)).toBeLessThan(1000);

    const ownerCheck = () => a.http().get(`/v1/authorize?workspaceId=${ws.id}&permission=devices:read`).set(bearer(owner.personalToken));
    expect((await ownerCheck()).status).toBe(204);
    await b
      .http()
      .put(`/v1/workspaces/${ws.id}/token-policy`)
      .set(bearer(owner.personalToken))
      .send({ maxLifetimeDays: 30, allowPersonalTokens: true })
      .expect(200);
    expect(await msUntil(403, ownerCheck)).toBeLessThan(1000);

    const me = () => a.http().get('/v1/me').set(bearer(owner.personalToken));
    expect((await me()).status).toBe(200);
    await b.http().post(`/v1/admin/users/${owner.id}/deactivate`).set(bearer(admin.personalToken)).expect(200);
    expect(await msUntil(401, me)).toBeLessThan(1000);
  });
});
