// The tokens reaching a workspace, page by page (issue 21, part 4): the list is cut from each member's and
// API user's newest tokens (TokensRepository.reachingPage), so walking it with small pages must give every
// live token once, newest first, across owners whose tokens interleave in time.
import { bearer, createNamedToken } from '../support/api';
import { newWorkspace, WorkspaceFixture } from '../support/fixtures';
import { startTestApp, TestApp } from '../support/test-app';

interface Listed {
  id: string;
  createdAt: string;
}

describe('tokens reaching a workspace, page by page', () => {
  let t: TestApp;
  let ws: WorkspaceFixture;

  beforeAll(async () => {
    t = await startTestApp();
    ws = await newWorkspace(t);
  }, 60_000);
  afterAll(() => t?.close());

  /** Every item of the list, following nextCursor `limit` at a time, and how many pages it took. */
  async function walk(path: string, secret: string, limit: number): Promise<{ items: Listed[]; pages: number }> {
    const items: Listed[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: { body: { items: Listed[]; nextCursor: string | null } } = await t
        .http()
        .get(path)
        .query({ limit, ...(cursor ? { cursor } : {}) })
        .set(bearer(secret))
        .expect(200);
      items.push(...res.body.items);
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor && pages < 100);
    return { items, pages };
  }

  const newestFirst = (a: Listed, b: Listed) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id);

  it("gives each live token of the members and API users once, newest first, whatever the page size; revoked ones and another workspace's never", async () => {
    const member = await ws.member('member');
    const bot = await ws.apiUser({ roles: ['viewer'] });
    const elsewhere = await newWorkspace(t);
    const strangerBot = await elsewhere.apiUser({ roles: ['viewer'] });
    const live: Listed[] = [];
    const revoked: string[] = [];
    // Owners take turns, a second apart, so every page mixes them; the API user makes more tokens
    // than a page holds, which its own newest-first cut must not lose or repeat.
    for (let i = 0; i < 6; i++) {
      t.clock.advanceSeconds(1);
      const named = await createNamedToken(t, member.personalToken, { name: `m${i}`, scopes: ['*'] });
      live.push({ id: named.id, createdAt: named.body.createdAt as string });
      t.clock.advanceSeconds(1);
      const minted = await t.http().post(`/v1/workspaces/${ws.id}/api-users/${bot.id}/tokens`).set(bearer(ws.owner.personalToken)).send({});
      expect(minted.status).toBe(201);
      live.push({ id: minted.body.id, createdAt: minted.body.createdAt });
      t.clock.advanceSeconds(1);
      await t
        .http()
        .post(`/v1/workspaces/${elsewhere.id}/api-users/${strangerBot.id}/tokens`)
        .set(bearer(elsewhere.owner.personalToken))
        .send({});
    }
    // One of each owner's dies: the member's by its owner, the API user's by the workspace owner.
    const deadNamed = live.splice(2, 1)[0]; // m1
    await t.http().delete(`/v1/me/tokens/${deadNamed.id}`).set(bearer(member.personalToken)).expect(204);
    const deadMinted = live.splice(2, 1)[0]; // the API user's second, now where m1 was
    await t
      .http()
      .delete(`/v1/workspaces/${ws.id}/api-users/${bot.id}/tokens/${deadMinted.id}`)
      .set(bearer(ws.owner.personalToken))
      .expect(204);
    revoked.push(deadNamed.id, deadMinted.id);
    // The member is in the other workspace too, with a token restricted to it: not this workspace's.
    await elsewhere.member('member', { user: member });
    const restricted = await createNamedToken(t, member.personalToken, {
      name: 'elsewhere only',
      scopes: ['*'],
      workspaceIds: [elsewhere.id],
    });

    const whole = await walk(`/v1/workspaces/${ws.id}/tokens`, ws.owner.personalToken, 200);
    expect(whole.pages).toBe(1);
    const ids = whole.items.map((i) => i.id);
    // The owner's and the member's personal tokens and the API user's first token reach it too.
    for (const id of [member.personalTokenId, bot.tokenId, ...live.map((l) => l.id)]) expect(ids).toContain(id);
    for (const id of revoked) expect(ids).not.toContain(id);
    expect(ids).not.toContain(strangerBot.tokenId);
    expect(ids).not.toContain(restricted.id);
    const there = await walk(`/v1/workspaces/${elsewhere.id}/tokens`, elsewhere.owner.personalToken, 2);
    expect(there.items.map((i) => i.id)).toContain(restricted.id);
    expect([...whole.items].sort(newestFirst).map((i) => i.id)).toEqual(ids);

    for (const limit of [1, 2, 3, 5]) {
      const paged = await walk(`/v1/workspaces/${ws.id}/tokens`, ws.owner.personalToken, limit);
      expect(paged.items.map((i) => i.id)).toEqual(ids);
      expect(paged.pages).toBe(Math.ceil(ids.length / limit));
    }
  });
});
