// POST /v1/workspaces/:wid/token-policy/preview: what a proposed policy would refuse, judged by the rule
// the token check enforces; checked here against the token check itself after saving the policy.
import { bearer, createNamedToken, expectProblem, login } from '../support/api';
import { newWorkspace, WorkspaceFixture } from '../support/fixtures';
import { startTestApp, TestApp } from '../support/test-app';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

function preview(ws: WorkspaceFixture, secret: string, body: unknown) {
  return t
    .http()
    .post(`/v1/workspaces/${ws.id}/token-policy/preview`)
    .set(bearer(secret))
    .send(body as object);
}

async function apiUserToken(
  ws: WorkspaceFixture,
  apiUserId: string,
  expiresInDays: number | null,
): Promise<{ id: string; secret: string }> {
  const res = await t
    .http()
    .post(`/v1/workspaces/${ws.id}/api-users/${apiUserId}/tokens`)
    .set(bearer(ws.owner.personalToken))
    .send({ name: `t-${expiresInDays}`, expiresInDays })
    .expect(201);
  return { id: res.body.id, secret: res.body.secret };
}

describe('token policy preview', () => {
  it('gives each token the verdict the token check gives once the policy is saved, and saves nothing', async () => {
    const ws = await newWorkspace(t);
    const session = await login(t, ws.owner.email);
    const member = await ws.member('member');
    const bot = await ws.apiUser({ roles: ['viewer'], name: 'Ingest bot' });
    const named30 = await createNamedToken(t, ws.owner.personalToken, { name: 'thirty', scopes: ['*'], expiresInDays: 30 });
    const named200 = await createNamedToken(t, ws.owner.personalToken, { name: 'two hundred', scopes: ['*'], expiresInDays: 200 });
    const botShort = await apiUserToken(ws, bot.id, 10);
    const botLong = await apiUserToken(ws, bot.id, 365);
    const exchanged = (await t.http().post('/v1/auth/token').set(bearer(bot.token)).send({}).expect(200)).body.token;

    const tokens: Record<string, string> = {
      ownerPersonal: ws.owner.personalToken,
      session,
      memberPersonal: member.personalToken,
      named30: named30.secret,
      named200: named200.secret,
      botFirst: bot.token,
      botShort: botShort.secret,
      botLong: botLong.secret,
      botExchanged: exchanged.secret,
    };
    const policy = { maxLifetimeDays: 90, allowPersonalTokens: true };
    const res = await preview(ws, session, policy).expect(200);
    expect(res.body).toMatchObject({ policy, callerRefused: false, truncated: false });
    // Refused: named200, the bot's never-expiring first token and its 365-day one, and the session
    // exchanged from the never-expiring one (judged by its parent); personal tokens never expire either.
    const refusedIds = new Set(res.body.items.map((i: { id: string }) => i.id));
    expect(res.body.refused).toBe(res.body.items.length);
    expect(res.body.newlyRefused).toBe(res.body.refused);
    expect(res.body.checked).toBeGreaterThanOrEqual(9);
    for (const item of res.body.items) {
      expect(item.policy.accepted).toBe(false);
      expect(item.currentPolicy).toEqual({ accepted: true });
      expect(JSON.stringify(item)).not.toMatch(/lk[psai]_[0-9A-Za-z]{38}/);
    }
    expect(res.body.items.find((i: { owner: { id: string } }) => i.owner.id === bot.id)).toBeDefined();
    // Nothing saved.
    const saved = await t.http().get(`/v1/workspaces/${ws.id}/token-policy`).set(bearer(session)).expect(200);
    expect(saved.body).toEqual({ maxLifetimeDays: null, allowPersonalTokens: true, revokeUnusedAfterDays: null });

    // Now save it and ask the token check itself: the same verdict, token by token, with the same words.
    await t.http().put(`/v1/workspaces/${ws.id}/token-policy`).set(bearer(session)).send(policy).expect(200);
    const byId = new Map(res.body.items.map((i: { id: string; policy: { reason: string } }) => [i.id, i.policy.reason]));
    const whoami = async (secret: string) => (await t.http().get('/v1/whoami').set(bearer(secret))).body.token?.id as string | undefined;
    let refusedSeen = 0;
    for (const [label, secret] of Object.entries(tokens)) {
      const got = await t.http().get(`/v1/workspaces/${ws.id}`).set(bearer(secret));
      const id =
        label === 'ownerPersonal' ? ws.owner.personalTokenId : label === 'memberPersonal' ? member.personalTokenId : await whoami(secret);
      if (got.status === 403) {
        refusedSeen++;
        expect({ label, code: got.body.code }).toEqual({ label, code: 'token_policy' });
        expect({ label, listed: refusedIds.has(id) }).toEqual({ label, listed: true });
        expect(got.body.detail).toBe(byId.get(id));
      } else {
        expect({ label, status: got.status }).toEqual({ label, status: 200 });
        expect({ label, listed: refusedIds.has(id) }).toEqual({ label, listed: false });
      }
    }
    expect(refusedSeen).toBeGreaterThanOrEqual(5);
  });

  it('forbidding personal tokens refuses personal and named tokens, not API users; and says when it would lock the caller out', async () => {
    const ws = await newWorkspace(t);
    const session = await login(t, ws.owner.email);
    const named = await createNamedToken(t, ws.owner.personalToken, { scopes: ['*'], expiresInDays: 7 });
    const bot = await ws.apiUser({ roles: ['viewer'] });
    const policy = { maxLifetimeDays: null, allowPersonalTokens: false };
    const bySession = await preview(ws, session, policy).expect(200);
    const kinds = bySession.body.items.map((i: { kind: string; id: string }) => i.kind);
    expect(kinds.sort()).toEqual(['named', 'personal']);
    expect(bySession.body.items.map((i: { id: string }) => i.id)).toEqual(expect.arrayContaining([named.id, ws.owner.personalTokenId]));
    expect(bySession.body.items.map((i: { id: string }) => i.id)).not.toContain(bot.tokenId);
    expect(bySession.body.callerRefused).toBe(false);
    expect(bySession.body.items[0].policy.reason).toBe('This workspace does not accept personal access tokens.');
    const byPersonal = await preview(ws, ws.owner.personalToken, policy).expect(200);
    expect(byPersonal.body.callerRefused).toBe(true);
  });

  it('lists tokens refused already after those the change cuts off, and caps the list', async () => {
    const ws = await newWorkspace(t);
    const session = await login(t, ws.owner.email);
    await t
      .http()
      .put(`/v1/workspaces/${ws.id}/token-policy`)
      .set(bearer(session))
      .send({ maxLifetimeDays: null, allowPersonalTokens: false })
      .expect(200);
    const bot = await ws.apiUser({ roles: ['viewer'], by: session });
    const res = await preview(ws, session, { maxLifetimeDays: 30, allowPersonalTokens: false }).expect(200);
    expect(res.body.items[0]).toMatchObject({ id: bot.tokenId, currentPolicy: { accepted: true } });
    expect(res.body.items.at(-1)).toMatchObject({ kind: 'personal', currentPolicy: { accepted: false } });
    expect(res.body.newlyRefused).toBe(1);

    // 120 refused tokens: 100 listed, counted all.
    const many = await newWorkspace(t);
    const manySession = await login(t, many.owner.email);
    const botMany = await many.apiUser({ roles: ['viewer'] });
    for (let i = 0; i < 119; i++) await apiUserToken(many, botMany.id, null);
    const capped = await preview(many, manySession, { maxLifetimeDays: 1, allowPersonalTokens: true }).expect(200);
    expect(capped.body).toMatchObject({ refused: 121, truncated: true });
    expect(capped.body.items).toHaveLength(100);
  });

  describe('attacks', () => {
    it('owners only: an admin, a viewer, an API user with every right and a token without tokens:read are refused', async () => {
      const ws = await newWorkspace(t);
      const admin = await ws.member('admin');
      const viewer = await ws.member('viewer');
      const bot = await ws.apiUser({ roles: ['admin'] });
      const noRead = await createNamedToken(t, ws.owner.personalToken, { scopes: ['workspace:update', 'workspace:read'] });
      const policy = { maxLifetimeDays: 30, allowPersonalTokens: false };
      expectProblem(await preview(ws, admin.personalToken, policy), 403, 'forbidden');
      expectProblem(await preview(ws, viewer.personalToken, policy), 403, 'forbidden');
      expect((await preview(ws, bot.token, policy)).status).toBe(403);
      expectProblem(await preview(ws, noRead.secret, policy), 403, 'insufficient_scope');
      expectProblem(await t.http().post(`/v1/workspaces/${ws.id}/token-policy/preview`).send(policy), 401, 'token_missing');
    });

    it("another workspace's owner gets 404, and learns nothing", async () => {
      const ws = await newWorkspace(t);
      const stranger = await newWorkspace(t);
      const res = await preview(ws, stranger.owner.personalToken, { maxLifetimeDays: 30, allowPersonalTokens: false });
      expectProblem(res, 404, 'not_found');
      expect(JSON.stringify(res.body)).not.toContain(ws.owner.email);
      // A token restricted to the other workspace: 404 too.
      const restricted = await createNamedToken(t, ws.owner.personalToken, {
        scopes: ['*'],
        workspaceIds: [(await newWorkspace(t, ws.owner)).id],
      });
      expectProblem(await preview(ws, restricted.secret, { maxLifetimeDays: 30, allowPersonalTokens: true }), 404, 'not_found');
    });

    it('refuses junk with 400', async () => {
      const ws = await newWorkspace(t);
      for (const body of [
        {},
        { maxLifetimeDays: 0, allowPersonalTokens: true },
        { maxLifetimeDays: 100000, allowPersonalTokens: true },
        { maxLifetimeDays: '30', allowPersonalTokens: true },
        { maxLifetimeDays: 30, allowPersonalTokens: 'yes' },
        { maxLifetimeDays: 30, allowPersonalTokens: true, extra: 1 },
        { maxLifetimeDays: 1.5, allowPersonalTokens: true },
      ]) {
        expectProblem(await preview(ws, ws.owner.personalToken, body), 400, 'validation_failed');
      }
    });

    it('twice at once: the same answer', async () => {
      const ws = await newWorkspace(t);
      const policy = { maxLifetimeDays: 30, allowPersonalTokens: false };
      const [a, b] = await Promise.all([preview(ws, ws.owner.personalToken, policy), preview(ws, ws.owner.personalToken, policy)]);
      expect(a.status).toBe(200);
      expect(a.body).toEqual(b.body);
    });
  });
});
