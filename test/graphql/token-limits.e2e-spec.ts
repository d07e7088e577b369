// Rate limits and usage through GraphQL: the same services and rules as REST (token-limits and
// token-usage e2e specs), reached through `rateLimit` on inputs and types, `updateToken`,
// `updateApiUserToken`, `tokenUsage` (Query, Workspace, ApiUser) and `Workspace.unusedTokens`.
import { TokenUsageRecorder } from '../../src/tokens/token-usage.recorder';
import { bearer, registerUser } from '../support/api';
import { newWorkspace } from '../support/fixtures';
import { startTestApp, TestApp } from '../support/test-app';
import { codes, gql } from './gql';

describe('GraphQL rate limits and usage', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('creates and changes a token with a rate limit, refuses junk limits, and holds the token to it', async () => {
    const user = await registerUser(t);
    const created = await gql(
      t,
      user.personalToken,
      'mutation { createToken(input: { name: "ci", scopes: ["*"], rateLimit: { limit: 2, windowSeconds: 60 } }) { id secret rateLimit { limit windowSeconds } } }',
    );
    const token = created.data?.createToken as { id: string; secret: string; rateLimit: unknown };
    expect(token.rateLimit).toEqual({ limit: 2, windowSeconds: 60 });
    for (const junk of ['{ limit: 0, windowSeconds: 60 }', '{ limit: 5, windowSeconds: 86401 }', '{ limit: -3, windowSeconds: 1 }']) {
      const bad = await gql(t, user.personalToken, `mutation($id: ID!) { updateToken(id: $id, input: { rateLimit: ${junk} }) { id } }`, {
        id: token.id,
      });
      expect({ junk, codes: codes(bad) }).toEqual({ junk, codes: ['BAD_USER_INPUT'] });
    }
    const changed = await gql(
      t,
      user.personalToken,
      'mutation($id: ID!) { updateToken(id: $id, input: { rateLimit: { limit: 1, windowSeconds: 30 } }) { rateLimit { limit windowSeconds } } }',
      { id: token.id },
    );
    expect(changed.data?.updateToken).toEqual({ rateLimit: { limit: 1, windowSeconds: 30 } });
    const listed = await gql(t, user.personalToken, '{ tokens(kind: "named") { items { id rateLimit { limit } } } }');
    expect(listed.data?.tokens).toEqual({ items: [{ id: token.id, rateLimit: { limit: 1 } }] });
    expect((await gql(t, token.secret, '{ me { __typename } }')).status).toBe(200);
    const limited = await gql(t, token.secret, '{ me { __typename } }');
    expect(limited.status).toBe(429);
  });

  it("sets an API user's and its tokens' limits, and reads usage and unused tokens under the REST rules", async () => {
    const ws = await newWorkspace(t);
    const bot = await ws.apiUser({ roles: ['viewer'] });
    const owner = ws.owner.personalToken;
    const vars = { w: ws.id, id: bot.id, t: bot.tokenId };
    // One mutation per request.
    const a = await gql(
      t,
      owner,
      'mutation($w: ID!, $id: ID!) { updateApiUser(workspaceId: $w, id: $id, input: { rateLimit: { limit: 100, windowSeconds: 60 } }) { rateLimit { limit } } }',
      vars,
    );
    expect(a.data).toEqual({ updateApiUser: { rateLimit: { limit: 100 } } });
    const b = await gql(
      t,
      owner,
      'mutation($w: ID!, $id: ID!, $t: ID!) { updateApiUserToken(workspaceId: $w, apiUserId: $id, tokenId: $t, input: { rateLimit: { limit: 50, windowSeconds: 10 } }) { rateLimit { limit windowSeconds } } }',
      vars,
    );
    expect(b.data).toEqual({ updateApiUserToken: { rateLimit: { limit: 50, windowSeconds: 10 } } });
    await t.http().get(`/v1/workspaces/${ws.id}`).set(bearer(bot.token)).expect(200);
    await t.app.get(TokenUsageRecorder).flush();
    const usage = await gql(
      t,
      owner,
      `query($w: ID!, $id: ID!, $t: ID!) { workspace(id: $w) {
        tokenUsage(tokenId: $t, days: 7) { tokenId days hidden totals { requests refusals } }
        apiUser(id: $id) { tokenUsage(tokenId: $t) { totals { requests } buckets { requests } } }
        unusedTokens(days: 90) { items { id } }
      } }`,
      { w: ws.id, id: bot.id, t: bot.tokenId },
    );
    expect(usage.errors).toBeUndefined();
    expect(usage.data?.workspace).toEqual({
      tokenUsage: { tokenId: bot.tokenId, days: 7, hidden: false, totals: { requests: 1, refusals: 0 } },
      apiUser: { tokenUsage: { totals: { requests: 1 }, buckets: [{ requests: 1 }] } },
      unusedTokens: { items: [] },
    });
    // A viewer has neither tokens:read nor api_users:read.
    const viewer = await ws.member('viewer');
    const refused = await gql(
      t,
      viewer.personalToken,
      'query($w: ID!, $t: ID!) { workspace(id: $w) { tokenUsage(tokenId: $t) { tokenId } } }',
      {
        w: ws.id,
        t: bot.tokenId,
      },
    );
    expect(codes(refused)).toEqual(['FORBIDDEN']);
    // Another user's token through Query.tokenUsage: NOT_FOUND, as REST's 404.
    const other = await registerUser(t);
    const theirs = await gql(t, other.personalToken, 'query($t: ID!) { tokenUsage(tokenId: $t) { tokenId } }', {
      t: ws.owner.personalTokenId,
    });
    expect(codes(theirs)).toEqual(['NOT_FOUND']);
    const junk = await gql(t, owner, 'query($t: ID!) { tokenUsage(tokenId: $t, days: 31) { tokenId } }', { t: ws.owner.personalTokenId });
    expect(codes(junk)).toEqual(['BAD_USER_INPUT']);
  });

  it('prices usage at the hours it may read: many aliases are refused before anything runs', async () => {
    const user = await registerUser(t);
    const aliases = Array.from({ length: 40 }, (_, i) => `u${i}: tokenUsage(tokenId: $t) { buckets { hour requests } }`).join('\n');
    const res = await gql(t, user.personalToken, `query($t: ID!) { ${aliases} }`, { t: user.personalTokenId });
    expect(codes(res)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    const one = await gql(t, user.personalToken, 'query($t: ID!) { tokenUsage(tokenId: $t) { buckets { hour } } }', {
      t: user.personalTokenId,
    });
    expect(one.errors).toBeUndefined();
  });
});
