// Independent review of /graphql with tokens narrower than their owner: a named token restricted to
// one workspace, one with a single scope, a revoked one, and the same change sent twice at once. Each
// answer is compared with what REST answers the same token.
import { randomUUID } from 'node:crypto';
import { bearer, createNamedToken, login } from '../support/api';
import { newWorkspace, type WorkspaceFixture } from '../support/fixtures';
import { startTestApp, TestApp } from '../support/test-app';
import { codes, gql } from '../graphql/gql';

/** The GraphQL codes a REST status stands for (docs/graphql.md, Errors). */
const CODES: Record<number, string[]> = {
  400: ['BAD_USER_INPUT'],
  401: ['TOKEN_MISSING', 'TOKEN_INVALID'],
  403: ['FORBIDDEN', 'INSUFFICIENT_SCOPE', 'TOKEN_POLICY'],
  404: ['NOT_FOUND'],
};

describe('GraphQL review: narrow tokens and races, against REST', () => {
  let t: TestApp;
  let a: WorkspaceFixture;
  let b: WorkspaceFixture;

  beforeAll(async () => {
    t = await startTestApp();
    a = await newWorkspace(t);
    b = await newWorkspace(t, a.owner);
  });
  afterAll(() => t.close());

  it('a token restricted to one workspace sees only it, and the other answers as REST answers it', async () => {
    const onlyA = await createNamedToken(t, a.owner.personalToken, { scopes: ['*'], workspaceIds: [a.id] });
    const listed = await gql(t, onlyA.secret, '{ workspaces(limit: 200) { items { id } } }');
    const rest = await t.http().get('/v1/workspaces?limit=200').set(bearer(onlyA.secret)).expect(200);
    expect((listed.data?.workspaces as { items: Array<{ id: string }> }).items.map((w) => w.id).sort()).toEqual(
      rest.body.items.map((w: { id: string }) => w.id).sort(),
    );
    expect(JSON.stringify(listed.body)).not.toContain(b.id);
    const other = await gql(t, onlyA.secret, 'query($w: ID!) { workspace(id: $w) { id devices { items { id } } } }', { w: b.id });
    const restOther = await t.http().get(`/v1/workspaces/${b.id}/devices`).set(bearer(onlyA.secret));
    expect(CODES[restOther.status]).toContain(codes(other)[0]);
    const change = await gql(
      t,
      onlyA.secret,
      'mutation($w: ID!) { createDevice(workspaceId: $w, input: { name: "x", serial: "SN-RESTRICTED" }) { id } }',
      {
        w: b.id,
      },
    );
    expect(CODES[restOther.status]).toContain(codes(change)[0]);
    const authorize = await gql(t, onlyA.secret, 'query($w: ID!) { authorize(workspaceId: $w, permission: "devices:read") { allowed } }', {
      w: b.id,
    });
    expect(JSON.stringify(authorize.body)).not.toContain('"allowed":true');
  });

  it('a token with one scope is held to it on every account and workspace field, as REST holds it', async () => {
    const narrow = await createNamedToken(t, a.owner.personalToken, { scopes: ['devices:read'] });
    const cases: Array<[string, Record<string, unknown>, () => Promise<{ status: number }>]> = [
      ['{ personalToken { id } }', {}, () => t.http().get('/v1/me/personal-token').set(bearer(narrow.secret))],
      ['{ sessions { items { id } } }', {}, () => t.http().get('/v1/me/sessions').set(bearer(narrow.secret))],
      ['{ auditEvents { items { id } } }', {}, () => t.http().get('/v1/me/audit-events').set(bearer(narrow.secret))],
      ['{ tokens { items { id } } }', {}, () => t.http().get('/v1/me/tokens').set(bearer(narrow.secret))],
      [
        'mutation { updateMe(input: { name: "renamed" }) { id } }',
        {},
        () => t.http().patch('/v1/me').set(bearer(narrow.secret)).send({ name: 'renamed' }),
      ],
      ['mutation { revokeOtherSessions { revoked } }', {}, () => t.http().post('/v1/me/sessions/revoke-others').set(bearer(narrow.secret))],
      ['mutation { sendEmailVerification }', {}, () => t.http().post('/v1/me/email-verification').set(bearer(narrow.secret))],
      [
        'query($w: ID!) { workspace(id: $w) { members { items { email } } } }',
        { w: a.id },
        () => t.http().get(`/v1/workspaces/${a.id}/members`).set(bearer(narrow.secret)),
      ],
      [
        'query($w: ID!) { workspace(id: $w) { auditEvents { items { id } } } }',
        { w: a.id },
        () => t.http().get(`/v1/workspaces/${a.id}/audit-events`).set(bearer(narrow.secret)),
      ],
      [
        'query($w: ID!) { workspace(id: $w) { webhooks { items { id } } } }',
        { w: a.id },
        () => t.http().get(`/v1/workspaces/${a.id}/webhooks`).set(bearer(narrow.secret)),
      ],
      [
        'query($w: ID!) { tokenPolicyPreview(workspaceId: $w, input: { allowPersonalTokens: false, maxLifetimeDays: null }) { checked } }',
        { w: a.id },
        () =>
          t
            .http()
            .post(`/v1/workspaces/${a.id}/token-policy/preview`)
            .set(bearer(narrow.secret))
            .send({ allowPersonalTokens: false, maxLifetimeDays: null }),
      ],
    ];
    for (const [q, v, rest] of cases) {
      const res = await gql(t, narrow.secret, q, v);
      const restRes = await rest();
      if (restRes.status < 300) expect({ q, errors: res.errors }).toEqual({ q, errors: undefined });
      else expect({ q, code: CODES[restRes.status]?.includes(codes(res)[0]) }).toEqual({ q, code: true });
    }
    // Nothing changed by the refused ones.
    const me = await t.http().get('/v1/me').set(bearer(a.owner.personalToken)).expect(200);
    expect(me.body.name).not.toBe('renamed');
  });

  it('a revoked token and a revoked session answer 401 problem+json before any GraphQL runs', async () => {
    const named = await createNamedToken(t, a.owner.personalToken, { scopes: ['*'] });
    await t.http().delete(`/v1/me/tokens/${named.id}`).set(bearer(a.owner.personalToken)).expect(204);
    const res = await t.http().post('/graphql').set(bearer(named.secret)).send({ query: '{ permissions { permissions { name } } }' });
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    const session = await login(t, a.owner.email);
    const sessions = await gql(t, session, '{ sessions { items { id current } } }');
    const id = (sessions.data?.sessions as { items: Array<{ id: string; current: boolean }> }).items.find((s) => s.current)!.id;
    await gql(t, a.owner.personalToken, 'mutation($id: ID!) { revokeSession(id: $id) { id } }', { id });
    const after = await t.http().post('/graphql').set(bearer(session)).send({ query: '{ me { __typename } }' });
    expect(after.status).toBe(401);
  });

  it('the same change twice at once: one wins, the other answers as REST would, never a 500', async () => {
    const session = await login(t, a.owner.email);
    const sessions = await gql(t, session, '{ sessions { items { id current } } }');
    const id = (sessions.data?.sessions as { items: Array<{ id: string; current: boolean }> }).items.find((s) => s.current)!.id;
    const revoke = () => gql(t, a.owner.personalToken, 'mutation($id: ID!) { revokeSession(id: $id) { id } }', { id });
    const both = await Promise.all([revoke(), revoke()]);
    expect(both.map((r) => r.status)).toEqual([200, 200]);
    const outcomes = both.map((r) => (r.errors ? codes(r)[0] : 'ok')).sort();
    expect(outcomes.filter((o) => o !== 'ok' && o !== 'NOT_FOUND')).toEqual([]);
    expect(outcomes).toContain('ok');

    const hook =
      'mutation($w: ID!) { createWebhook(workspaceId: $w, input: { url: "https://hooks.example.com/twice", events: ["device.created"] }) { endpoint { id } } }';
    const hooks = await Promise.all([0, 1, 2].map(() => gql(t, a.owner.personalToken, hook, { w: a.id })));
    for (const r of hooks) {
      expect(r.status).toBeLessThan(500);
      expect(codes(r).filter((c) => c === 'INTERNAL')).toEqual([]);
    }
    const junk = await gql(t, a.owner.personalToken, 'mutation($id: ID!) { revokeSession(id: $id) { id } }', {
      id: randomUUID().toUpperCase(),
    });
    expect(codes(junk)).toEqual(['NOT_FOUND']);
  });
});
