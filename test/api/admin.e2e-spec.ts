// Platform administration: only users listed in LATCHKEY_PLATFORM_ADMINS by id or by a verified email,
// with a token of scope *.
import {
  bearer,
  createNamedToken,
  createWorkspace,
  expectProblem,
  login,
  markEmailVerified,
  registerUser,
  RegisteredUser,
} from '../support/api';
import { ADMIN_EMAIL, startTestApp, TestApp } from '../support/test-app';

describe('platform administration', () => {
  let t: TestApp;
  let admin: RegisteredUser;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await registerUser(t, ADMIN_EMAIL.toUpperCase());
    // Listed by email: honoured once the account has verified the address (audit finding H1, docs/security.md).
    await markEmailVerified(t, admin.id);
  });
  afterAll(() => t.close());

  it('is refused to users who are not platform admins', async () => {
    const user = await registerUser(t);
    expectProblem(await t.http().get('/v1/admin/users').set(bearer(user.personalToken)), 403, 'forbidden');
    expectProblem(await t.http().post(`/v1/admin/users/${admin.id}/deactivate`).set(bearer(user.personalToken)), 403, 'forbidden');
    await t.http().get('/v1/me').set(bearer(admin.personalToken)).expect(200);
  });

  it('needs a token of scope *, not a narrower named token of the admin', async () => {
    const narrow = await createNamedToken(t, admin.personalToken, { scopes: ['account:manage', 'account:read'] });
    expectProblem(await t.http().get('/v1/admin/users').set(bearer(narrow.secret)), 403, 'insufficient_scope');
  });

  it('needs an unrestricted token: a workspace-restricted * token is not enough', async () => {
    const workspace = await createWorkspace(t, admin.personalToken);
    const restricted = await createNamedToken(t, admin.personalToken, { scopes: ['*'], workspaceIds: [workspace.id] });
    expectProblem(await t.http().get('/v1/admin/users').set(bearer(restricted.secret)), 403, 'insufficient_scope');
  });

  it('lists users page by page and filters by email', async () => {
    const made = [];
    for (let i = 0; i < 3; i++) {
      t.clock.advance(1000);
      made.push(await registerUser(t, `listed-${i}-${Date.now()}@example.org`));
    }
    const first = await t.http().get('/v1/admin/users?limit=2').set(bearer(admin.personalToken)).expect(200);
    expect(first.body.items).toHaveLength(2);
    expect(first.body.items[0]).toMatchObject({ id: made[2].id, status: 'active', deactivatedAt: null });
    expect(first.body.items[0]).not.toHaveProperty('passwordHash');
    const second = await t
      .http()
      .get(`/v1/admin/users?limit=2&cursor=${first.body.nextCursor}`)
      .set(bearer(admin.personalToken))
      .expect(200);
    expect(second.body.items[0].id).toBe(made[0].id);
    const filtered = await t.http().get('/v1/admin/users?email=LISTED-1').set(bearer(admin.personalToken)).expect(200);
    expect(filtered.body.items.map((u: { id: string }) => u.id)).toEqual([made[1].id]);
  });

  it('deactivates: login fails and every token stops; reactivates: login and the personal token work again, old sessions do not', async () => {
    const user = await registerUser(t);
    const session = await login(t, user.email);
    const res = await t.http().post(`/v1/admin/users/${user.id}/deactivate`).set(bearer(admin.personalToken)).expect(200);
    expect(res.body).toMatchObject({ id: user.id, status: 'deactivated', deactivatedAt: expect.any(String) });
    expectProblem(await t.http().get('/v1/me').set(bearer(user.personalToken)), 401, 'token_invalid');
    expectProblem(await t.http().get('/v1/me').set(bearer(session)), 401, 'token_invalid');
    expectProblem(await t.http().post('/v1/auth/login').send({ email: user.email, password: user.password }), 401, 'invalid_credentials');

    const back = await t.http().post(`/v1/admin/users/${user.id}/reactivate`).set(bearer(admin.personalToken)).expect(200);
    expect(back.body).toMatchObject({ status: 'active', deactivatedAt: null });
    await t.http().get('/v1/me').set(bearer(user.personalToken)).expect(200);
    expectProblem(await t.http().get('/v1/me').set(bearer(session)), 401, 'token_invalid');
    await login(t, user.email);
  });

  it('is idempotent, refuses self-deactivation, and answers 404 and 400 for bad ids', async () => {
    const user = await registerUser(t);
    await t.http().post(`/v1/admin/users/${user.id}/deactivate`).set(bearer(admin.personalToken)).expect(200);
    await t.http().post(`/v1/admin/users/${user.id}/deactivate`).set(bearer(admin.personalToken)).expect(200);
    expectProblem(await t.http().post(`/v1/admin/users/${admin.id}/deactivate`).set(bearer(admin.personalToken)), 409, 'conflict');
    expectProblem(
      await t.http().post(`/v1/admin/users/${crypto.randomUUID()}/deactivate`).set(bearer(admin.personalToken)),
      404,
      'not_found',
    );
    expectProblem(await t.http().post('/v1/admin/users/nope/reactivate').set(bearer(admin.personalToken)), 400, 'validation_failed');
  });
});
