// Token usage (issue 18 part 5): requests and refusals per token and hour, counted in memory and
// flushed in batches (the tests force the flush through the recorder), read per token by its owner or
// the workspace's admins, and the workspace's tokens unused for 30 or 90 days.
import { TokenUsageRecorder } from '../../src/tokens/token-usage.recorder';
import { LastUsedRecorder } from '../../src/auth/last-used.recorder';
import { bearer, createNamedToken, expectProblem, registerUser, scrapeMetrics } from '../support/api';
import { newWorkspace } from '../support/fixtures';
import { startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase, serverUrl, TestDatabase } from '../support/test-database';

const HOUR_MS = 3_600_000;

async function flush(t: TestApp): Promise<void> {
  await t.app.get(TokenUsageRecorder).flush();
}

describe('token usage', () => {
  let t: TestApp;

  beforeAll(async () => {
    // The hour boundaries are the clock's: start a test's hour well away from its end.
    t = await startTestApp();
    t.clock.advance(HOUR_MS - (t.clock.now().getTime() % HOUR_MS) + 60_000);
  });
  afterAll(() => t.close());

  const usageOf = (secret: string, tokenId: string, days?: number) =>
    t
      .http()
      .get(`/v1/me/tokens/${tokenId}/usage`)
      .query(days === undefined ? {} : { days })
      .set(bearer(secret));

  it('shows N requests and M refusals per hour after a flush, with no write on the request path', async () => {
    const user = await registerUser(t);
    const token = await createNamedToken(t, user.personalToken, { scopes: ['account:read'] });
    for (let i = 0; i < 3; i++) await t.http().get('/v1/me').set(bearer(token.secret)).expect(200);
    // Refused after the token was identified: insufficient scope (403), twice.
    for (let i = 0; i < 2; i++) {
      expectProblem(
        await t
          .http()
          .post('/v1/me/tokens')
          .set(bearer(token.secret))
          .send({ name: 'x', scopes: ['*'] }),
        403,
        'insufficient_scope',
      );
    }
    // Nothing is written on the request path: before a flush, the table has nothing of them.
    const empty = await usageOf(user.personalToken, token.id).expect(200);
    expect(empty.body).toMatchObject({ tokenId: token.id, days: 30, buckets: [], totals: { requests: 0, refusals: 0 } });
    await flush(t);
    const res = await usageOf(user.personalToken, token.id).expect(200);
    const hour = new Date(Math.floor(t.clock.now().getTime() / HOUR_MS) * HOUR_MS).toISOString();
    expect(res.body.buckets).toEqual([{ hour, requests: 5, refusals: 2 }]);
    expect(res.body.totals).toEqual({ requests: 5, refusals: 2 });
    // Another hour is another bucket, and a second flush adds to the rows (not replaces them).
    t.clock.advance(HOUR_MS);
    await t.http().get('/v1/me').set(bearer(token.secret)).expect(200);
    await flush(t);
    t.clock.advance(1000);
    await t.http().get('/v1/me').set(bearer(token.secret)).expect(200);
    await flush(t);
    const later = await usageOf(user.personalToken, token.id).expect(200);
    expect(later.body.buckets).toHaveLength(2);
    expect(later.body.buckets[1]).toMatchObject({ requests: 2, refusals: 0 });
    expect(later.body.totals).toEqual({ requests: 7, refusals: 2 });
    expect(await scrapeMetrics(t)).toMatch(/^latchkey_token_usage_flushes_total [1-9]/m);
  });

  it('counts 429s of a limit and 401s of a token cut off as refusals', async () => {
    const ws = await newWorkspace(t);
    const bot = await ws.apiUser({ roles: ['viewer'] });
    await t
      .http()
      .patch(`/v1/workspaces/${ws.id}/api-users/${bot.id}/tokens/${bot.tokenId}`)
      .set(bearer(ws.owner.personalToken))
      .send({ rateLimit: { limit: 1, windowSeconds: 600 } })
      .expect(200);
    const devices = () => t.http().get(`/v1/workspaces/${ws.id}/devices`).set(bearer(bot.token));
    await devices().expect(200);
    expectProblem(await devices(), 429, 'rate_limited');
    expectProblem(await devices(), 429, 'rate_limited');
    await flush(t);
    const res = await t
      .http()
      .get(`/v1/workspaces/${ws.id}/api-users/${bot.id}/tokens/${bot.tokenId}/usage`)
      .set(bearer(ws.owner.personalToken))
      .expect(200);
    expect(res.body.totals).toEqual({ requests: 3, refusals: 2 });
    expect(await scrapeMetrics(t)).toMatch(/^latchkey_token_rate_limit_refusals_total [2-9]/m);
  });

  it('answers the last `days` only, and the retention deletes rows older than 30 days', async () => {
    const user = await registerUser(t);
    const token = await createNamedToken(t, user.personalToken, { scopes: ['*'] });
    await t.http().get('/v1/me').set(bearer(token.secret)).expect(200);
    await flush(t);
    t.clock.advance(2 * 86_400_000);
    await t.http().get('/v1/me').set(bearer(token.secret)).expect(200);
    await flush(t);
    expect((await usageOf(user.personalToken, token.id, 1).expect(200)).body.totals.requests).toBe(1);
    expect((await usageOf(user.personalToken, token.id, 3).expect(200)).body.totals.requests).toBe(2);
    t.clock.advance(29 * 86_400_000);
    // 31 days after the first use, 29 after the second: the first is out of every answer...
    expect((await usageOf(user.personalToken, token.id, 30).expect(200)).body.totals.requests).toBe(1);
    // ...and out of the table once the retention has run.
    await t.app.get(TokenUsageRecorder).prune();
    const rows: Array<{ n: string }> = await t.dataSource.query(`SELECT count(*) AS n FROM token_usage_hourly WHERE token_id = $1`, [
      token.id,
    ]);
    expect(Number(rows[0].n)).toBe(1);
  });

  it.each([['0'], ['31'], ['1.5'], ['-1'], ['abc'], ['']])('refuses days=%s with 400', async (days) => {
    const user = await registerUser(t);
    const res = await t.http().get(`/v1/me/tokens/${user.personalTokenId}/usage`).query({ days }).set(bearer(user.personalToken));
    expect((expectProblem(res, 400, 'validation_failed').errors as Array<{ field: string }>).map((e) => e.field)).toContain('days');
  });

  it('skips the usage of a token deleted before the flush, and keeps the rest of the batch', async () => {
    const ws = await newWorkspace(t);
    const bot = await ws.apiUser({ roles: ['viewer'] });
    const user = await registerUser(t);
    await t.http().get(`/v1/workspaces/${ws.id}`).set(bearer(bot.token)).expect(200);
    await t.http().get('/v1/me').set(bearer(user.personalToken)).expect(200);
    await t.http().delete(`/v1/workspaces/${ws.id}/api-users/${bot.id}`).set(bearer(ws.owner.personalToken)).expect(204);
    await flush(t);
    expect((await usageOf(user.personalToken, user.personalTokenId).expect(200)).body.totals.requests).toBeGreaterThanOrEqual(1);
  });

  describe('who sees it', () => {
    it("answers 404 for another user's token, another workspace's, another API user's; 403 without the permission; hidden for a token reaching elsewhere", async () => {
      const ws = await newWorkspace(t);
      const other = await newWorkspace(t);
      const bot = await ws.apiUser({ roles: ['viewer'] });
      const otherBot = await other.apiUser({ roles: ['viewer'] });
      const owner = ws.owner.personalToken;
      const theirs = await createNamedToken(t, other.owner.personalToken, { scopes: ['*'] });
      expectProblem(await usageOf(owner, theirs.id), 404, 'not_found');
      expectProblem(await usageOf(owner, otherBot.tokenId), 404, 'not_found');
      expectProblem(await usageOf(owner, crypto.randomUUID()), 404, 'not_found');
      const get = (path: string, secret = owner) => t.http().get(path).set(bearer(secret));
      expectProblem(await get(`/v1/workspaces/${ws.id}/api-users/${otherBot.id}/tokens/${otherBot.tokenId}/usage`), 404, 'not_found');
      expectProblem(await get(`/v1/workspaces/${ws.id}/api-users/${bot.id}/tokens/${otherBot.tokenId}/usage`), 404, 'not_found');
      expectProblem(await get(`/v1/workspaces/${ws.id}/tokens/${otherBot.tokenId}/usage`), 404, 'not_found');
      expectProblem(await get(`/v1/workspaces/${ws.id}/tokens/${theirs.id}/usage`), 404, 'not_found');
      expectProblem(await get(`/v1/workspaces/${other.id}/tokens/${otherBot.tokenId}/usage`), 404, 'not_found');
      expectProblem(await get(`/v1/workspaces/${other.id}/tokens/unused?days=30`), 404, 'not_found');
      // The owner's personal token reaches every workspace of theirs: its use elsewhere is not this workspace's.
      const admin = await ws.member('admin');
      // Answered hidden, without hours, as its last use is hidden.
      await t.http().get('/v1/me').set(bearer(ws.owner.personalToken)).expect(200);
      await flush(t);
      const hidden = await get(`/v1/workspaces/${ws.id}/tokens/${ws.owner.personalTokenId}/usage`, admin.personalToken).expect(200);
      expect(hidden.body).toMatchObject({ hidden: true, buckets: [], totals: { requests: 0, refusals: 0 } });
      const own = await usageOf(owner, ws.owner.personalTokenId).expect(200);
      expect(own.body.hidden).toBe(false);
      expect(own.body.totals.requests).toBeGreaterThan(0);
      // A token of this workspace alone: its admins see it.
      const onlyHere = await createNamedToken(t, owner, { scopes: ['*'], workspaceIds: [ws.id] });
      expect((await get(`/v1/workspaces/${ws.id}/tokens/${onlyHere.id}/usage`, admin.personalToken).expect(200)).body.hidden).toBe(false);
      await get(`/v1/workspaces/${ws.id}/tokens/${bot.tokenId}/usage`, admin.personalToken).expect(200);
      // A member without tokens:read / api_users:read.
      const viewer = await ws.member('viewer');
      expectProblem(await get(`/v1/workspaces/${ws.id}/tokens/${bot.tokenId}/usage`, viewer.personalToken), 403, 'forbidden');
      expectProblem(
        await get(`/v1/workspaces/${ws.id}/api-users/${bot.id}/tokens/${bot.tokenId}/usage`, viewer.personalToken),
        403,
        'forbidden',
      );
      expectProblem(await get(`/v1/workspaces/${ws.id}/tokens/unused?days=30`, viewer.personalToken), 403, 'forbidden');
      // A token restricted to the other workspace cannot read this one's.
      const elsewhere = await createNamedToken(t, owner, { scopes: ['*'], workspaceIds: [ws.id] });
      const otherOwnerToken = await createNamedToken(t, other.owner.personalToken, { scopes: ['*'], workspaceIds: [other.id] });
      expectProblem(await get(`/v1/workspaces/${ws.id}/tokens/${elsewhere.id}/usage`, otherOwnerToken.secret), 404, 'not_found');
    });
  });

  describe('unused tokens', () => {
    it('lists the tokens of the workspace alone unused for 30 or 90 days, by last use or creation', async () => {
      const ws = await newWorkspace(t);
      const owner = ws.owner.personalToken;
      const idle = await ws.apiUser({ roles: ['viewer'], name: 'idle' });
      const busy = await ws.apiUser({ roles: ['viewer'], name: 'busy' });
      const restricted = await createNamedToken(t, owner, { scopes: ['*'], workspaceIds: [ws.id], expiresInDays: null });
      const ids = async (days: number) =>
        (await t.http().get(`/v1/workspaces/${ws.id}/tokens/unused`).query({ days }).set(bearer(owner)).expect(200)).body.items.map(
          (i: { id: string }) => i.id,
        );
      expect(await ids(30)).toEqual([]);
      t.clock.advance(31 * 86_400_000);
      await t.http().get(`/v1/workspaces/${ws.id}`).set(bearer(busy.token)).expect(200);
      await t.app.get(LastUsedRecorder).flush();
      const unused30 = await ids(30);
      expect(unused30).toEqual(expect.arrayContaining([idle.tokenId, restricted.id]));
      expect(unused30).not.toContain(busy.tokenId);
      // The owner's personal token reaches other workspaces too: never listed here.
      expect(unused30).not.toContain(ws.owner.personalTokenId);
      expect(await ids(90)).toEqual([]);
      t.clock.advance(60 * 86_400_000);
      expect(await ids(90)).toEqual(expect.arrayContaining([idle.tokenId, restricted.id]));
      expect(await ids(90)).not.toContain(busy.tokenId);
      for (const days of ['45', '0', 'x']) {
        const res = await t.http().get(`/v1/workspaces/${ws.id}/tokens/unused`).query({ days }).set(bearer(owner));
        expectProblem(res, 400, 'validation_failed');
      }
      // days defaults to 30.
      expect(
        (await t.http().get(`/v1/workspaces/${ws.id}/tokens/unused`).set(bearer(owner)).expect(200)).body.items.length,
      ).toBeGreaterThan(0);
    });
  });
});

(serverUrl() ? describe : describe.skip)('token usage from two instances (one PostgreSQL database)', () => {
  let db: TestDatabase;
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    a = await startTestApp({}, db);
    b = await startTestApp({}, db);
    const start = Math.floor(Date.now() / HOUR_MS) * HOUR_MS + HOUR_MS + 60_000;
    for (const app of [a, b]) app.clock.advance(start - app.clock.now().getTime());
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await db?.drop();
  });

  it('adds up both instances, flushed one after the other and at once', async () => {
    const user = await registerUser(a);
    const token = await createNamedToken(a, user.personalToken, { scopes: ['*'] });
    const me = (app: TestApp) => app.http().get('/v1/me').set(bearer(token.secret));
    for (let i = 0; i < 4; i++) await me(a).expect(200);
    for (let i = 0; i < 3; i++) await me(b).expect(200);
    await flush(a);
    await flush(b);
    for (let i = 0; i < 5; i++) await Promise.all([me(a).expect(200), me(b).expect(200)]);
    // Both flushes at once: each adds its own to the same row.
    await Promise.all([flush(a), flush(b)]);
    const res = await a.http().get(`/v1/me/tokens/${token.id}/usage`).set(bearer(user.personalToken)).expect(200);
    expect(res.body.totals).toEqual({ requests: 17, refusals: 0 });
    expect(res.body.buckets).toHaveLength(1);
  });
});
