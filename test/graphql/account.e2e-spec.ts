// The account's own fields beyond `me` and platform administration, through GraphQL: the same
// answers as the REST routes they mirror, under the same rules (scope, principal type, platform admin).
import { bearer, createNamedToken, markEmailVerified, registerUser, type RegisteredUser } from '../support/api';
import { newWorkspace } from '../support/fixtures';
import { ADMIN_EMAIL, startTestApp, TestApp } from '../support/test-app';
import { codes, gql } from './gql';

describe('GraphQL account and platform administration', () => {
  let t: TestApp;
  let user: RegisteredUser;
  let admin: RegisteredUser;

  beforeAll(async () => {
    t = await startTestApp();
    user = await registerUser(t);
    admin = await registerUser(t, ADMIN_EMAIL);
    await markEmailVerified(t, admin.id);
  });
  afterAll(() => t.close());

  it('personalToken answers what GET /v1/me/personal-token answers, and no secret', async () => {
    const rest = await t.http().get('/v1/me/personal-token').set(bearer(user.personalToken)).expect(200);
    const res = await gql(t, user.personalToken, '{ personalToken { id hint kind scopes } }');
    expect(res.errors).toBeUndefined();
    expect(res.data?.personalToken).toEqual({ id: rest.body.id, hint: rest.body.hint, kind: 'personal', scopes: rest.body.scopes });
    const secretField = await gql(t, user.personalToken, '{ personalToken { secret } }');
    expect(secretField.status).toBe(400);
  });

  it("auditEvents at the root are the account's own events, as GET /v1/me/audit-events", async () => {
    const rest = await t.http().get('/v1/me/audit-events?limit=5').set(bearer(user.personalToken)).expect(200);
    const res = await gql(t, user.personalToken, '{ auditEvents(limit: 5) { items { id action } nextCursor } }');
    expect(res.errors).toBeUndefined();
    const items = (res.data?.auditEvents as { items: Array<{ id: string }> }).items;
    expect(items.map((e) => e.id)).toEqual(rest.body.items.map((e: { id: string }) => e.id));
    expect(items.length).toBeGreaterThan(0);
    // Another user's events never show: the other user has events of its own, none of them here.
    const other = await gql(t, admin.personalToken, '{ auditEvents { items { id } } }');
    const otherIds = (other.data?.auditEvents as { items: Array<{ id: string }> }).items.map((e) => e.id);
    expect(otherIds.filter((id) => items.some((e) => e.id === id))).toEqual([]);
  });

  it('refuses the account fields to an API user and to a token without account:read, as REST does', async () => {
    const ws = await newWorkspace(t);
    const bot = await ws.apiUser({ roles: ['viewer'] });
    for (const q of ['{ personalToken { id } }', '{ auditEvents { items { id } } }']) {
      const res = await gql(t, bot.token, q);
      expect({ q, data: res.data ?? null, codes: codes(res) }).toEqual({ q, data: null, codes: ['FORBIDDEN'] });
    }
    const narrow = await createNamedToken(t, user.personalToken, { scopes: ['devices:read'] });
    for (const q of ['{ personalToken { id } }', '{ auditEvents { items { id } } }']) {
      const res = await gql(t, narrow.secret, q);
      expect({ q, codes: codes(res) }).toEqual({ q, codes: ['INSUFFICIENT_SCOPE'] });
      expect(
        t
          .http()
          .get(q.includes('personal') ? '/v1/me/personal-token' : '/v1/me/audit-events')
          .set(bearer(narrow.secret)),
      ).toBeDefined();
    }
    const restNarrow = await t.http().get('/v1/me/personal-token').set(bearer(narrow.secret));
    expect(restNarrow.body.code).toBe('insufficient_scope');
  });

  it('updateMe changes the name, refuses junk names, and takes no password', async () => {
    const res = await gql(t, user.personalToken, 'mutation($n: String) { updateMe(input: { name: $n }) { id name } }', {
      n: 'Zoë 🚀 Smith',
    });
    expect(res.errors).toBeUndefined();
    expect(res.data?.updateMe).toEqual({ id: user.id, name: 'Zoë 🚀 Smith' });
    const rest = await t.http().get('/v1/me').set(bearer(user.personalToken)).expect(200);
    expect(rest.body.name).toBe('Zoë 🚀 Smith');
    for (const n of ['', '   ', 'x'.repeat(10_000)]) {
      const bad = await gql(t, user.personalToken, 'mutation($n: String) { updateMe(input: { name: $n }) { id } }', { n });
      expect({ n: n.slice(0, 5), codes: codes(bad) }).toEqual({ n: n.slice(0, 5), codes: ['BAD_USER_INPUT'] });
    }
    const password = await gql(
      t,
      user.personalToken,
      'mutation { updateMe(input: { password: "a new password!!", currentPassword: "x" }) { id } }',
    );
    expect(password.status).toBe(400);
    expect(codes(password)).toContain('GRAPHQL_VALIDATION_FAILED');
    // An API user has no profile to change.
    const ws = await newWorkspace(t);
    const bot = await ws.apiUser({ roles: ['admin'] });
    expect(codes(await gql(t, bot.token, 'mutation { updateMe(input: { name: "bot" }) { id } }'))).toEqual(['FORBIDDEN']);
  });

  it('sendEmailVerification mails a new link while unverified, answers CONFLICT once verified, and is refused to API users', async () => {
    const fresh = await registerUser(t);
    const links = async () =>
      Number(
        (
          (await t.dataSource.query(`SELECT count(*)::int AS n FROM account_links WHERE user_id = $1 AND purpose = 'verify_email'`, [
            fresh.id,
          ])) as Array<{ n: number }>
        )[0].n,
      );
    const before = await links();
    const sent = await gql(t, fresh.personalToken, 'mutation { sendEmailVerification }');
    expect(sent.data).toEqual({ sendEmailVerification: true });
    expect(await links()).toBe(before + 1);
    await markEmailVerified(t, fresh.id);
    expect(codes(await gql(t, fresh.personalToken, 'mutation { sendEmailVerification }'))).toEqual(['CONFLICT']);
    const ws = await newWorkspace(t);
    const bot = await ws.apiUser({ roles: ['admin'] });
    expect(codes(await gql(t, bot.token, 'mutation { sendEmailVerification }'))).toEqual(['FORBIDDEN']);
  });

  it('users, deactivateUser and reactivateUser are for platform admins only', async () => {
    const victim = await registerUser(t);
    for (const q of [
      '{ users { items { id } } }',
      `mutation { deactivateUser(id: "${victim.id}") { id } }`,
      `mutation { reactivateUser(id: "${victim.id}") { id } }`,
    ]) {
      const res = await gql(t, user.personalToken, q);
      expect({ q, data: res.data ?? null, codes: codes(res) }).toEqual({ q, data: null, codes: ['FORBIDDEN'] });
    }
    // Still active: the refused mutation changed nothing.
    await t.http().get('/v1/me').set(bearer(victim.personalToken)).expect(200);
    // An admin's narrower named token is refused as REST refuses it (scope *).
    const narrow = await createNamedToken(t, admin.personalToken, { scopes: ['account:read', 'account:manage'] });
    expect(codes(await gql(t, narrow.secret, '{ users { items { id } } }'))).toEqual(['INSUFFICIENT_SCOPE']);
  });

  it('lets a platform admin find, deactivate and reactivate a user, with the same effect as REST', async () => {
    const victim = await registerUser(t);
    const found = await gql(t, admin.personalToken, 'query($e: String) { users(email: $e) { items { id email status deactivatedAt } } }', {
      e: victim.email,
    });
    expect(found.errors).toBeUndefined();
    expect((found.data?.users as { items: unknown[] }).items).toEqual([
      { id: victim.id, email: victim.email, status: 'active', deactivatedAt: null },
    ]);
    const off = await gql(t, admin.personalToken, 'mutation($id: ID!) { deactivateUser(id: $id) { id status deactivatedAt } }', {
      id: victim.id,
    });
    expect(off.errors).toBeUndefined();
    expect((off.data?.deactivateUser as { status: string }).status).toBe('deactivated');
    expect((await t.http().get('/v1/me').set(bearer(victim.personalToken))).status).toBe(401);
    const on = await gql(t, admin.personalToken, 'mutation($id: ID!) { reactivateUser(id: $id) { id status } }', { id: victim.id });
    expect(on.data?.reactivateUser).toEqual({ id: victim.id, status: 'active' });
    // Junk and unknown ids: a client error, never a 500.
    expect(codes(await gql(t, admin.personalToken, 'mutation { deactivateUser(id: "nope") { id } }'))).toEqual(['BAD_USER_INPUT']);
    const unknown = await gql(t, admin.personalToken, 'mutation { deactivateUser(id: "00000000-0000-4000-8000-000000000000") { id } }');
    expect(codes(unknown)).toEqual(['NOT_FOUND']);
  });
});
