// Workspace token policy (maxLifetimeDays, allowPersonalTokens; README, Tokens) and token governance
// by workspace admins (GET|DELETE /v1/workspaces/:wid/tokens), through HTTP.
import { bearer, createNamedToken, createWorkspace, expectProblem, login, RegisteredUser, registerUser } from '../support/api';
import { workspaceOf } from '../support/fixtures';
import { startTestApp, TestApp } from '../support/test-app';

const DAY = 86_400_000;

type Policy = { maxLifetimeDays: number | null; allowPersonalTokens: boolean };

interface GovernedToken {
  id: string;
  kind: string;
  hint: string;
  scopes: string[];
  workspaceIds: string[] | null;
  owner: { type: string; id: string; email?: string };
  [key: string]: unknown;
}

/** An owner with a login session and two workspaces: one to put a policy on, one to compare with. */
async function ownerWithTwoWorkspaces(t: TestApp): Promise<{ owner: RegisteredUser; session: string; strict: string; other: string }> {
  const owner = await registerUser(t);
  const session = await login(t, owner.email);
  const strict = (await createWorkspace(t, owner.personalToken, 'strict')).id;
  const other = (await createWorkspace(t, owner.personalToken, 'other')).id;
  return { owner, session, strict, other };
}

/** POST /v1/auth/token: a short-lived session made from a long-lived token. */
async function exchange(t: TestApp, secret: string): Promise<{ id: string; secret: string }> {
  const res = await t.http().post('/v1/auth/token').set(bearer(secret)).send({}).expect(200);
  return { id: res.body.token.id, secret: res.body.token.secret };
}

function putPolicy(t: TestApp, secret: string, wid: string, body: unknown) {
  return t
    .http()
    .put(`/v1/workspaces/${wid}/token-policy`)
    .set(bearer(secret))
    .send(body as object);
}

async function setPolicy(t: TestApp, secret: string, wid: string, policy: Policy): Promise<void> {
  const res = await putPolicy(t, secret, wid, policy).expect(200);
  expect(res.body).toEqual({ revokeUnusedAfterDays: null, ...policy });
}

/** GET /v1/workspaces/:wid, the plainest workspace route: the status tells whether the token is accepted there. */
function readWorkspace(t: TestApp, secret: string, wid: string) {
  return t.http().get(`/v1/workspaces/${wid}`).set(bearer(secret));
}

async function expectPolicyRefusal(t: TestApp, secret: string, wid: string): Promise<void> {
  expectProblem(await readWorkspace(t, secret, wid), 403, 'token_policy');
}

/** Every page of the workspace's token list, with a small page size so paging is exercised too. */
async function governedTokens(t: TestApp, secret: string, wid: string, limit = 200): Promise<GovernedToken[]> {
  const items: GovernedToken[] = [];
  let cursor: string | null = null;
  do {
    const query: Record<string, string | number> = { limit };
    if (cursor) query.cursor = cursor;
    const res = await t.http().get(`/v1/workspaces/${wid}/tokens`).query(query).set(bearer(secret)).expect(200);
    items.push(...res.body.items);
    cursor = res.body.nextCursor;
  } while (cursor);
  return items;
}

const ids = (items: Array<{ id: string }>) => items.map((i) => i.id);

describe('workspace token policy', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  describe('GET and PUT /v1/workspaces/:wid/token-policy', () => {
    let owner: RegisteredUser;
    let wid: string;

    beforeEach(async () => {
      owner = await registerUser(t);
      wid = (await createWorkspace(t, owner.personalToken)).id;
    });

    it('starts with no maximum lifetime and personal tokens allowed', async () => {
      const res = await t.http().get(`/v1/workspaces/${wid}/token-policy`).set(bearer(owner.personalToken)).expect(200);
      expect(res.body).toEqual({ maxLifetimeDays: null, allowPersonalTokens: true, revokeUnusedAfterDays: null });
      expect((await readWorkspace(t, owner.personalToken, wid).expect(200)).body.tokenPolicy).toEqual(res.body);
    });

    it('lets the owner change it, and GET shows the change', async () => {
      const session = await login(t, owner.email);
      await setPolicy(t, session, wid, { maxLifetimeDays: 30, allowPersonalTokens: false });
      const res = await t.http().get(`/v1/workspaces/${wid}/token-policy`).set(bearer(session)).expect(200);
      expect(res.body).toEqual({ maxLifetimeDays: 30, allowPersonalTokens: false, revokeUnusedAfterDays: null });
      expect((await readWorkspace(t, session, wid).expect(200)).body.tokenPolicy).toEqual(res.body);

      await setPolicy(t, session, wid, { maxLifetimeDays: null, allowPersonalTokens: true });
      const back = await t.http().get(`/v1/workspaces/${wid}/token-policy`).set(bearer(owner.personalToken)).expect(200);
      expect(back.body).toEqual({ maxLifetimeDays: null, allowPersonalTokens: true, revokeUnusedAfterDays: null });
    });

    it('can be read by any member, but only an owner may change it: an admin gets 403 forbidden', async () => {
      const admin = await (await workspaceOf(t, owner, wid)).member('admin');
      const viewer = await (await workspaceOf(t, owner, wid)).member('viewer');
      for (const reader of [admin, viewer]) {
        const res = await t.http().get(`/v1/workspaces/${wid}/token-policy`).set(bearer(reader.personalToken)).expect(200);
        expect(res.body).toEqual({ maxLifetimeDays: null, allowPersonalTokens: true, revokeUnusedAfterDays: null });
      }
      expectProblem(await putPolicy(t, admin.personalToken, wid, { maxLifetimeDays: 7, allowPersonalTokens: true }), 403, 'forbidden');
      expectProblem(await putPolicy(t, viewer.personalToken, wid, { maxLifetimeDays: 7, allowPersonalTokens: true }), 403, 'forbidden');
      const res = await t.http().get(`/v1/workspaces/${wid}/token-policy`).set(bearer(owner.personalToken)).expect(200);
      expect(res.body).toEqual({ maxLifetimeDays: null, allowPersonalTokens: true, revokeUnusedAfterDays: null });
    });

    it('answers 404 to a non-member, whether reading or writing', async () => {
      const outsider = await registerUser(t);
      expectProblem(await t.http().get(`/v1/workspaces/${wid}/token-policy`).set(bearer(outsider.personalToken)), 404, 'not_found');
      expectProblem(await putPolicy(t, outsider.personalToken, wid, { maxLifetimeDays: 1, allowPersonalTokens: false }), 404, 'not_found');
      expectProblem(
        await putPolicy(t, owner.personalToken, crypto.randomUUID(), { maxLifetimeDays: 1, allowPersonalTokens: true }),
        404,
        'not_found',
      );
    });

    it.each([
      [{}, ['maxLifetimeDays', 'allowPersonalTokens']],
      [{ allowPersonalTokens: true }, ['maxLifetimeDays']],
      [{ maxLifetimeDays: 30 }, ['allowPersonalTokens']],
      [{ maxLifetimeDays: 0, allowPersonalTokens: true }, ['maxLifetimeDays']],
      [{ maxLifetimeDays: -5, allowPersonalTokens: true }, ['maxLifetimeDays']],
      [{ maxLifetimeDays: 1.5, allowPersonalTokens: true }, ['maxLifetimeDays']],
      [{ maxLifetimeDays: 'x', allowPersonalTokens: true }, ['maxLifetimeDays']],
      [{ maxLifetimeDays: '30', allowPersonalTokens: true }, ['maxLifetimeDays']],
      [{ maxLifetimeDays: 30, allowPersonalTokens: 'false' }, ['allowPersonalTokens']],
      [{ maxLifetimeDays: 30, allowPersonalTokens: null }, ['allowPersonalTokens']],
      [{ maxLifetimeDays: null, allowPersonalTokens: true, extra: 1 }, ['extra']],
    ])('rejects %j with 400 naming %j, and changes nothing', async (body, fields) => {
      const res = await putPolicy(t, owner.personalToken, wid, body);
      const problem = expectProblem(res, 400, 'validation_failed');
      const named = (problem.errors as Array<{ field: string }>).map((e) => e.field);
      for (const field of fields) expect(named).toContain(field);
      const after = await t.http().get(`/v1/workspaces/${wid}/token-policy`).set(bearer(owner.personalToken)).expect(200);
      expect(after.body).toEqual({ maxLifetimeDays: null, allowPersonalTokens: true, revokeUnusedAfterDays: null });
    });

    it('writes a workspace.token_policy_changed audit event', async () => {
      const session = await login(t, owner.email);
      await setPolicy(t, session, wid, { maxLifetimeDays: 14, allowPersonalTokens: true });
      const res = await t
        .http()
        .get(`/v1/workspaces/${wid}/audit-events?action=workspace.token_policy_changed`)
        .set(bearer(session))
        .expect(200);
      expect(res.body.items).toHaveLength(1);
      expect(res.body.items[0]).toMatchObject({
        action: 'workspace.token_policy_changed',
        workspaceId: wid,
        actor: { type: 'user', id: owner.id },
        target: { type: 'workspace', id: wid },
        details: { maxLifetimeDays: 14, allowPersonalTokens: true },
      });
    });
  });

  describe('allowPersonalTokens = false', () => {
    let owner: RegisteredUser;
    let session: string;
    let strict: string;
    let other: string;

    beforeEach(async () => {
      ({ owner, session, strict, other } = await ownerWithTwoWorkspaces(t));
    });

    it('refuses the default personal token and named tokens in that workspace only, with 403 token_policy', async () => {
      const named = await createNamedToken(t, owner.personalToken, { scopes: ['*'] });
      const restricted = await createNamedToken(t, owner.personalToken, { scopes: ['*'], workspaceIds: [strict] });
      await setPolicy(t, session, strict, { maxLifetimeDays: null, allowPersonalTokens: false });

      for (const secret of [owner.personalToken, named.secret, restricted.secret]) {
        await expectPolicyRefusal(t, secret, strict);
        expectProblem(await t.http().get(`/v1/workspaces/${strict}/token-policy`).set(bearer(secret)), 403, 'token_policy');
        expectProblem(await t.http().get(`/v1/workspaces/${strict}/tokens`).set(bearer(secret)), 403, 'token_policy');
        await t.http().get('/v1/me').set(bearer(secret)).expect(200);
      }
      for (const secret of [owner.personalToken, named.secret]) await readWorkspace(t, secret, other).expect(200);
    });

    it('still accepts a login session there', async () => {
      await setPolicy(t, session, strict, { maxLifetimeDays: null, allowPersonalTokens: false });
      await readWorkspace(t, session, strict).expect(200);
      const fresh = await login(t, owner.email);
      await readWorkspace(t, fresh, strict).expect(200);
      await t.http().get(`/v1/workspaces/${strict}/tokens`).set(bearer(fresh)).expect(200);
    });

    it('refuses a session exchanged from a personal or named token too: the policy judges the root token', async () => {
      const named = await createNamedToken(t, owner.personalToken, { scopes: ['*'], expiresInDays: 30 });
      const fromPersonal = await exchange(t, owner.personalToken);
      const fromNamed = await exchange(t, named.secret);
      await setPolicy(t, session, strict, { maxLifetimeDays: null, allowPersonalTokens: false });
      const afterwards = await exchange(t, owner.personalToken);
      for (const exchanged of [fromPersonal, fromNamed, afterwards]) {
        await expectPolicyRefusal(t, exchanged.secret, strict);
        await readWorkspace(t, exchanged.secret, other).expect(200);
        await t.http().get('/v1/me').set(bearer(exchanged.secret)).expect(200);
      }
    });

    it("applies to every member's personal tokens, and still answers 404 to a non-member", async () => {
      const member = await (await workspaceOf(t, owner, strict)).member('member');
      const outsider = await registerUser(t);
      await setPolicy(t, session, strict, { maxLifetimeDays: null, allowPersonalTokens: false });
      await expectPolicyRefusal(t, member.personalToken, strict);
      await readWorkspace(t, await login(t, member.email), strict).expect(200);
      expectProblem(await readWorkspace(t, outsider.personalToken, strict), 404, 'not_found');
    });

    it('takes effect at once on existing tokens, both ways', async () => {
      const named = await createNamedToken(t, owner.personalToken, { scopes: ['*'] });
      await readWorkspace(t, named.secret, strict).expect(200);
      await setPolicy(t, session, strict, { maxLifetimeDays: null, allowPersonalTokens: false });
      await expectPolicyRefusal(t, named.secret, strict);
      await setPolicy(t, session, strict, { maxLifetimeDays: null, allowPersonalTokens: true });
      await readWorkspace(t, named.secret, strict).expect(200);
      await readWorkspace(t, owner.personalToken, strict).expect(200);
    });

    it('refuses at creation a named token restricted to that workspace, with 403 token_policy', async () => {
      await setPolicy(t, session, strict, { maxLifetimeDays: null, allowPersonalTokens: false });
      const before = (await t.http().get('/v1/me/tokens').set(bearer(session)).expect(200)).body.items.length;
      for (const workspaceIds of [[strict], [other, strict]]) {
        const res = await t
          .http()
          .post('/v1/me/tokens')
          .set(bearer(session))
          .send({ name: 'x', scopes: ['*'], workspaceIds, expiresInDays: 7 });
        expectProblem(res, 403, 'token_policy');
      }
      expect((await t.http().get('/v1/me/tokens').set(bearer(session)).expect(200)).body.items).toHaveLength(before);
      // Restricted to another workspace, it is made and works there.
      const elsewhere = await createNamedToken(t, session, { scopes: ['*'], workspaceIds: [other] });
      await readWorkspace(t, elsewhere.secret, other).expect(200);
    });
  });

  describe('maxLifetimeDays = 30', () => {
    let owner: RegisteredUser;
    let session: string;
    let strict: string;
    let other: string;

    beforeEach(async () => {
      ({ owner, session, strict, other } = await ownerWithTwoWorkspaces(t));
    });

    it('accepts a named token of 30 days and refuses one of 31, 90 or no expiry', async () => {
      const ok = await createNamedToken(t, owner.personalToken, { scopes: ['*'], expiresInDays: 30 });
      const short = await createNamedToken(t, owner.personalToken, { scopes: ['*'], expiresInDays: 1 });
      const tooLong = await Promise.all(
        [31, 90, null].map((expiresInDays) => createNamedToken(t, owner.personalToken, { scopes: ['*'], expiresInDays })),
      );
      const byDefault = await createNamedToken(t, owner.personalToken, { scopes: ['*'] });
      await setPolicy(t, session, strict, { maxLifetimeDays: 30, allowPersonalTokens: true });

      for (const good of [ok, short]) await readWorkspace(t, good.secret, strict).expect(200);
      for (const bad of [...tooLong, byDefault]) {
        await expectPolicyRefusal(t, bad.secret, strict);
        await readWorkspace(t, bad.secret, other).expect(200);
        await t.http().get('/v1/me').set(bearer(bad.secret)).expect(200);
      }
    });

    it('judges the lifetime the token was given, not what is left of it', async () => {
      const ok = await createNamedToken(t, owner.personalToken, { scopes: ['*'], expiresInDays: 30 });
      const tooLong = await createNamedToken(t, owner.personalToken, { scopes: ['*'], expiresInDays: 60 });
      await setPolicy(t, session, strict, { maxLifetimeDays: 30, allowPersonalTokens: true });
      t.clock.advance(40 * DAY);
      await expectPolicyRefusal(t, tooLong.secret, strict);
      expectProblem(await readWorkspace(t, ok.secret, strict), 401, 'token_expired');
    });

    it('refuses the non-expiring default personal token, and accepts a login session', async () => {
      await setPolicy(t, session, strict, { maxLifetimeDays: 30, allowPersonalTokens: true });
      await expectPolicyRefusal(t, owner.personalToken, strict);
      await readWorkspace(t, owner.personalToken, other).expect(200);
      await t.http().get('/v1/me').set(bearer(owner.personalToken)).expect(200);
      await readWorkspace(t, session, strict).expect(200);
    });

    it('judges an exchanged session by its root token, not its own one-hour life', async () => {
      const ok = await createNamedToken(t, owner.personalToken, { scopes: ['*'], expiresInDays: 30 });
      const tooLong = await createNamedToken(t, owner.personalToken, { scopes: ['*'], expiresInDays: 90 });
      await setPolicy(t, session, strict, { maxLifetimeDays: 30, allowPersonalTokens: true });
      await readWorkspace(t, (await exchange(t, ok.secret)).secret, strict).expect(200);
      await expectPolicyRefusal(t, (await exchange(t, tooLong.secret)).secret, strict);
      await expectPolicyRefusal(t, (await exchange(t, owner.personalToken)).secret, strict);
    });

    it('takes effect at once, and a longer maximum lets the token in again', async () => {
      const named = await createNamedToken(t, owner.personalToken, { scopes: ['*'] });
      await readWorkspace(t, named.secret, strict).expect(200);
      await setPolicy(t, session, strict, { maxLifetimeDays: 30, allowPersonalTokens: true });
      await expectPolicyRefusal(t, named.secret, strict);
      await setPolicy(t, session, strict, { maxLifetimeDays: 90, allowPersonalTokens: true });
      await readWorkspace(t, named.secret, strict).expect(200);
      await expectPolicyRefusal(t, owner.personalToken, strict);
      await setPolicy(t, session, strict, { maxLifetimeDays: null, allowPersonalTokens: true });
      await readWorkspace(t, owner.personalToken, strict).expect(200);
    });

    it('refuses at creation a token restricted to that workspace with a longer or no expiry', async () => {
      await setPolicy(t, session, strict, { maxLifetimeDays: 30, allowPersonalTokens: true });
      for (const expiresInDays of [31, 90, 366, null, undefined]) {
        const body: Record<string, unknown> = { name: 'x', scopes: ['*'], workspaceIds: [strict] };
        if (expiresInDays !== undefined) body.expiresInDays = expiresInDays;
        for (const creator of [owner.personalToken, session]) {
          expectProblem(await t.http().post('/v1/me/tokens').set(bearer(creator)).send(body), 403, 'token_policy');
        }
      }
      const ok = await createNamedToken(t, owner.personalToken, { scopes: ['*'], workspaceIds: [strict], expiresInDays: 30 });
      await readWorkspace(t, ok.secret, strict).expect(200);
      // Unrestricted tokens are made, and judged where they are used.
      const unrestricted = await createNamedToken(t, owner.personalToken, { scopes: ['*'], expiresInDays: null });
      await expectPolicyRefusal(t, unrestricted.secret, strict);
    });

    it('refuses at creation even a short token when the workspace also forbids personal tokens', async () => {
      await setPolicy(t, session, strict, { maxLifetimeDays: 30, allowPersonalTokens: false });
      const res = await t
        .http()
        .post('/v1/me/tokens')
        .set(bearer(session))
        .send({ name: 'x', scopes: ['*'], workspaceIds: [strict], expiresInDays: 7 });
      expectProblem(res, 403, 'token_policy');
    });
  });
});

describe('workspace token governance', () => {
  let t: TestApp;
  let owner: RegisteredUser;
  let admin: RegisteredUser;
  let member: RegisteredUser;
  let wid: string;
  let memberOwn: string;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  beforeEach(async () => {
    owner = await registerUser(t);
    wid = (await createWorkspace(t, owner.personalToken, 'governed')).id;
    admin = await (await workspaceOf(t, owner, wid)).member('admin');
    member = await (await workspaceOf(t, owner, wid)).member('member');
    // The member's own workspace, where the admin of `wid` has no say.
    memberOwn = (await createWorkspace(t, member.personalToken, 'mine')).id;
  });

  describe('GET /v1/workspaces/:wid/tokens', () => {
    it('lists the live tokens of members that can reach the workspace, with their owner, never a secret', async () => {
      const expired = await createNamedToken(t, member.personalToken, { name: 'expired', scopes: ['*'], expiresInDays: 1 });
      t.clock.advance(DAY);
      const named = await createNamedToken(t, member.personalToken, { name: 'unrestricted', scopes: ['devices:read'] });
      const here = await createNamedToken(t, member.personalToken, { name: 'here', scopes: ['*'], workspaceIds: [wid] });
      const elsewhere = await createNamedToken(t, member.personalToken, { name: 'elsewhere', scopes: ['*'], workspaceIds: [memberOwn] });
      const revoked = await createNamedToken(t, member.personalToken, { name: 'revoked', scopes: ['*'] });
      await t.http().delete(`/v1/me/tokens/${revoked.id}`).set(bearer(member.personalToken)).expect(204);
      const memberSession = await t.http().post('/v1/auth/login').send({ email: member.email, password: member.password }).expect(200);
      const exchanged = await t.http().post('/v1/auth/token').set(bearer(named.secret)).send({}).expect(200);
      const outsider = await registerUser(t);
      const outsiderNamed = await createNamedToken(t, outsider.personalToken, { scopes: ['*'] });

      const res = await t.http().get(`/v1/workspaces/${wid}/tokens`).set(bearer(admin.personalToken)).expect(200);
      const items: GovernedToken[] = res.body.items;
      const listed = ids(items);
      for (const id of [
        owner.personalTokenId,
        admin.personalTokenId,
        member.personalTokenId,
        named.id,
        here.id,
        memberSession.body.token.id,
        exchanged.body.token.id,
      ]) {
        expect(listed).toContain(id);
      }
      for (const id of [elsewhere.id, revoked.id, expired.id, outsider.personalTokenId, outsiderNamed.id]) expect(listed).not.toContain(id);

      const byId = new Map(items.map((i) => [i.id, i]));
      expect(byId.get(member.personalTokenId)).toMatchObject({
        kind: 'personal',
        owner: { type: 'user', id: member.id, email: member.email },
      });
      expect(byId.get(named.id)).toMatchObject({
        kind: 'named',
        name: 'unrestricted',
        scopes: ['devices:read'],
        workspaceIds: null,
        owner: { type: 'user', id: member.id },
      });
      expect(byId.get(here.id)).toMatchObject({ kind: 'named', workspaceIds: [wid] });
      expect(byId.get(memberSession.body.token.id)).toMatchObject({ kind: 'session' });
      expect(byId.get(owner.personalTokenId)).toMatchObject({ owner: { type: 'user', id: owner.id, email: owner.email } });

      for (const item of items) {
        expect(item).not.toHaveProperty('secret');
        expect(item).not.toHaveProperty('tokenHash');
        expect(item.hint).toMatch(/^lk[ps]_.{4}….{4}$/);
      }
      const body = JSON.stringify(res.body);
      for (const secret of [
        owner.personalToken,
        admin.personalToken,
        member.personalToken,
        named.secret,
        here.secret,
        memberSession.body.token.secret,
        exchanged.body.token.secret,
      ]) {
        expect(body).not.toContain(secret);
      }
      expect(body).not.toMatch(/lk[psai]_[0-9A-Za-z]{38}/);
    });

    it('pages newest first with limit and cursor, and the pages add up to the whole list', async () => {
      for (let i = 0; i < 4; i++) {
        t.clock.advance(1000);
        await createNamedToken(t, member.personalToken, { name: `t${i}`, scopes: ['devices:read'] });
      }
      const whole = await governedTokens(t, owner.personalToken, wid);
      const paged = await governedTokens(t, owner.personalToken, wid, 2);
      expect(ids(paged)).toEqual(ids(whole));
      expect(new Set(ids(paged)).size).toBe(paged.length);
      const times = whole.map((i) => new Date(i.createdAt as string).getTime());
      expect(times).toEqual([...times].sort((a, b) => b - a));
    });

    it('leaves out the tokens of someone who is no longer a member', async () => {
      const named = await createNamedToken(t, member.personalToken, { scopes: ['*'] });
      expect(ids(await governedTokens(t, admin.personalToken, wid))).toContain(named.id);
      await t.http().delete(`/v1/workspaces/${wid}/members/${member.id}`).set(bearer(admin.personalToken)).expect(204);
      const listed = ids(await governedTokens(t, admin.personalToken, wid));
      expect(listed).not.toContain(named.id);
      expect(listed).not.toContain(member.personalTokenId);
    });

    it('needs tokens:read: a member or viewer gets 403 forbidden, a non-member 404', async () => {
      const viewer = await (await workspaceOf(t, owner, wid)).member('viewer');
      const outsider = await registerUser(t);
      expectProblem(await t.http().get(`/v1/workspaces/${wid}/tokens`).set(bearer(member.personalToken)), 403, 'forbidden');
      expectProblem(await t.http().get(`/v1/workspaces/${wid}/tokens`).set(bearer(viewer.personalToken)), 403, 'forbidden');
      expectProblem(await t.http().get(`/v1/workspaces/${wid}/tokens`).set(bearer(outsider.personalToken)), 404, 'not_found');
      const narrow = await createNamedToken(t, admin.personalToken, { scopes: ['workspace:read'] });
      expectProblem(await t.http().get(`/v1/workspaces/${wid}/tokens`).set(bearer(narrow.secret)), 403, 'insufficient_scope');
    });
  });

  describe('DELETE /v1/workspaces/:wid/tokens/:tokenId', () => {
    it("cuts a member's unrestricted token off from this workspace only", async () => {
      const named = await createNamedToken(t, member.personalToken, { scopes: ['*'] });
      await readWorkspace(t, named.secret, wid).expect(200);
      await t.http().delete(`/v1/workspaces/${wid}/tokens/${named.id}`).set(bearer(admin.personalToken)).expect(204);

      expectProblem(await readWorkspace(t, named.secret, wid), 401, 'token_invalid');
      expectProblem(await t.http().get(`/v1/workspaces/${wid}/devices`).set(bearer(named.secret)), 401, 'token_invalid');
      await t.http().get('/v1/me').set(bearer(named.secret)).expect(200);
      await readWorkspace(t, named.secret, memberOwn).expect(200);
      expect(ids(await governedTokens(t, admin.personalToken, wid))).not.toContain(named.id);
      // The member's own view: the token is not revoked.
      const mine = await t.http().get(`/v1/me/tokens/${named.id}`).set(bearer(member.personalToken)).expect(200);
      expect(mine.body.revokedAt).toBeNull();
      // Cut off already: it no longer reaches the workspace.
      expectProblem(await t.http().delete(`/v1/workspaces/${wid}/tokens/${named.id}`).set(bearer(admin.personalToken)), 404, 'not_found');
    });

    it("cuts off the default personal token the same way, leaving the member's other tokens alone", async () => {
      const session = await login(t, member.email);
      await t.http().delete(`/v1/workspaces/${wid}/tokens/${member.personalTokenId}`).set(bearer(owner.personalToken)).expect(204);
      expectProblem(await readWorkspace(t, member.personalToken, wid), 401, 'token_invalid');
      await readWorkspace(t, member.personalToken, memberOwn).expect(200);
      await t.http().get('/v1/me').set(bearer(member.personalToken)).expect(200);
      await readWorkspace(t, session, wid).expect(200);
    });

    it('revokes entirely a token restricted to this workspace alone', async () => {
      const here = await createNamedToken(t, member.personalToken, { scopes: ['*'], workspaceIds: [wid] });
      const both = await createNamedToken(t, member.personalToken, { scopes: ['*'], workspaceIds: [wid, memberOwn] });
      await t.http().delete(`/v1/workspaces/${wid}/tokens/${here.id}`).set(bearer(admin.personalToken)).expect(204);
      expectProblem(await readWorkspace(t, here.secret, wid), 401, 'token_invalid');
      expectProblem(await t.http().get('/v1/me').set(bearer(here.secret)), 401, 'token_invalid');
      const mine = await t.http().get(`/v1/me/tokens/${here.id}`).set(bearer(member.personalToken)).expect(200);
      expect(mine.body.revokedAt).not.toBeNull();
      // Restricted to two workspaces, one of which the admin has no say in: cut off here only.
      await t.http().delete(`/v1/workspaces/${wid}/tokens/${both.id}`).set(bearer(admin.personalToken)).expect(204);
      expectProblem(await readWorkspace(t, both.secret, wid), 401, 'token_invalid');
      await readWorkspace(t, both.secret, memberOwn).expect(200);
    });

    it('answers 404 for a token that does not reach the workspace', async () => {
      const elsewhere = await createNamedToken(t, member.personalToken, { scopes: ['*'], workspaceIds: [memberOwn] });
      const revoked = await createNamedToken(t, member.personalToken, { scopes: ['*'] });
      await t.http().delete(`/v1/me/tokens/${revoked.id}`).set(bearer(member.personalToken)).expect(204);
      const outsider = await registerUser(t);
      for (const tokenId of [elsewhere.id, revoked.id, outsider.personalTokenId, crypto.randomUUID()]) {
        expectProblem(await t.http().delete(`/v1/workspaces/${wid}/tokens/${tokenId}`).set(bearer(admin.personalToken)), 404, 'not_found');
      }
      await readWorkspace(t, elsewhere.secret, memberOwn).expect(200);
      await t.http().get('/v1/me').set(bearer(outsider.personalToken)).expect(200);
      expectProblem(
        await t.http().delete(`/v1/workspaces/${wid}/tokens/not-a-uuid`).set(bearer(admin.personalToken)),
        400,
        'validation_failed',
      );
    });

    it('needs tokens:manage: a member gets 403 forbidden and the token keeps working', async () => {
      const owners = await createNamedToken(t, owner.personalToken, { scopes: ['*'] });
      expectProblem(await t.http().delete(`/v1/workspaces/${wid}/tokens/${owners.id}`).set(bearer(member.personalToken)), 403, 'forbidden');
      const readOnly = await createNamedToken(t, admin.personalToken, { scopes: ['tokens:read'] });
      await t.http().get(`/v1/workspaces/${wid}/tokens`).set(bearer(readOnly.secret)).expect(200);
      expectProblem(
        await t.http().delete(`/v1/workspaces/${wid}/tokens/${owners.id}`).set(bearer(readOnly.secret)),
        403,
        'insufficient_scope',
      );
      await readWorkspace(t, owners.secret, wid).expect(200);
    });

    it('cuts off the sessions exchanged from a cut-off token, made before or after', async () => {
      const named = await createNamedToken(t, member.personalToken, { scopes: ['*'] });
      const before = await exchange(t, named.secret);
      await t.http().delete(`/v1/workspaces/${wid}/tokens/${named.id}`).set(bearer(admin.personalToken)).expect(204);
      const after = await exchange(t, named.secret);
      for (const session of [before, after]) {
        expectProblem(await readWorkspace(t, session.secret, wid), 401, 'token_invalid');
        await readWorkspace(t, session.secret, memberOwn).expect(200);
        await t.http().get('/v1/me').set(bearer(session.secret)).expect(200);
      }
    });

    it('no longer lists the sessions exchanged from a cut-off token, since they cannot reach the workspace', async () => {
      const named = await createNamedToken(t, member.personalToken, { scopes: ['*'] });
      const before = await exchange(t, named.secret);
      expect(ids(await governedTokens(t, admin.personalToken, wid))).toContain(before.id);
      await t.http().delete(`/v1/workspaces/${wid}/tokens/${named.id}`).set(bearer(admin.personalToken)).expect(204);
      expectProblem(await readWorkspace(t, before.secret, wid), 401, 'token_invalid');
      const listed = ids(await governedTokens(t, admin.personalToken, wid));
      expect(listed).not.toContain(named.id);
      expect(listed).not.toContain(before.id);
    });

    it('revokes the exchanged sessions of a token it revokes entirely', async () => {
      const here = await createNamedToken(t, member.personalToken, { scopes: ['*'], workspaceIds: [wid] });
      const session = await exchange(t, here.secret);
      await t.http().delete(`/v1/workspaces/${wid}/tokens/${here.id}`).set(bearer(admin.personalToken)).expect(204);
      expectProblem(await t.http().get('/v1/me').set(bearer(session.secret)), 401, 'token_invalid');
      expect(ids(await governedTokens(t, admin.personalToken, wid))).not.toContain(session.id);
    });

    it('records token.revoked in the workspace audit log, naming the effect', async () => {
      const named = await createNamedToken(t, member.personalToken, { scopes: ['*'] });
      const here = await createNamedToken(t, member.personalToken, { scopes: ['*'], workspaceIds: [wid] });
      await t.http().delete(`/v1/workspaces/${wid}/tokens/${named.id}`).set(bearer(admin.personalToken)).expect(204);
      await t.http().delete(`/v1/workspaces/${wid}/tokens/${here.id}`).set(bearer(admin.personalToken)).expect(204);
      const res = await t
        .http()
        .get(`/v1/workspaces/${wid}/audit-events?action=token.revoked`)
        .set(bearer(admin.personalToken))
        .expect(200);
      const byTarget = new Map(res.body.items.map((e: { target: { id: string } }) => [e.target.id, e]));
      expect(byTarget.get(named.id)).toMatchObject({
        actor: { type: 'user', id: admin.id, tokenId: admin.personalTokenId },
        details: { effect: 'blocked_in_workspace' },
      });
      expect(byTarget.get(here.id)).toMatchObject({ actor: { type: 'user', id: admin.id }, details: { effect: 'revoked' } });
    });
  });

  describe('listing after a rotation', () => {
    it('does not list a session exchanged from a token that was rotated away, which no longer works', async () => {
      const named = await createNamedToken(t, member.personalToken, { scopes: ['*'] });
      const session = await exchange(t, named.secret);
      await t.http().post(`/v1/me/tokens/${named.id}/rotate`).set(bearer(member.personalToken)).send({ graceSeconds: 0 }).expect(200);
      expectProblem(await t.http().get('/v1/me').set(bearer(session.secret)), 401, 'token_invalid');
      const mine = await t.http().get('/v1/me/tokens').set(bearer(member.personalToken)).expect(200);
      expect(ids(mine.body.items)).not.toContain(session.id);
      const listed = ids(await governedTokens(t, admin.personalToken, wid));
      expect(listed).not.toContain(named.id);
      expect(listed).not.toContain(session.id);
    });
  });
});
