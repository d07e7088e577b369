// Fifth security review (federation, token bindings and policy, introspection): each test asserts the
// SECURE behaviour and fails on the commit reviewed. Run: npx jest --ci test/security/review-fifth.e2e-spec.ts
import { bearer, expectProblem } from '../support/api';
import { fromAddress } from '../support/from-address';
import { newWorkspace, WorkspaceFixture } from '../support/fixtures';
import { makeKey, OidcIssuer } from '../support/oidc-issuer';
import { MAX_RULES_PER_UNNAMED_EXCHANGE } from '../../src/federation/trust-rules.repository';
import { startTestApp, TestApp } from '../support/test-app';

const GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
const JWT_TYPE = 'urn:ietf:params:oauth:token-type:jwt';
const AUDIENCE = 'https://latchkey.test';
/** F2's shared issuer and audience, crowded with another tenant's rules (kept apart from the other tests' AUDIENCE). */
const CROWDED = 'https://crowded.latchkey.test';

describe('security review 5', () => {
  let t: TestApp;
  let issuer: OidcIssuer;

  beforeAll(async () => {
    issuer = await OidcIssuer.start(await makeKey('RS256'));
    t = await startTestApp({
      LATCHKEY_FEDERATION_ALLOW_HTTP: 'true',
      LATCHKEY_WEBHOOK_ALLOWED_CIDRS: '127.0.0.1/32',
      LATCHKEY_FEDERATION_TIMEOUT_MS: '700',
    });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await issuer?.close();
  });

  const now = () => Math.floor(t.clock.now().getTime() / 1000);
  const rulesPath = (ws: WorkspaceFixture, apiUserId: string) => `/v1/workspaces/${ws.id}/api-users/${apiUserId}/trust-rules`;
  /** A trust rule made by the workspace's owner, which must be created. */
  const createRule = (ws: WorkspaceFixture, apiUserId: string, rule: Record<string, unknown>) =>
    t.http().post(rulesPath(ws, apiUserId)).set(bearer(ws.owner.personalToken)).send(rule).expect(201);
  const exchangeToken = (subjectToken: string, extra: Record<string, string> = {}) =>
    t
      .http()
      .post('/v1/auth/token')
      .type('form')
      .send({ grant_type: GRANT, subject_token: subjectToken, subject_token_type: JWT_TYPE, ...extra });
  let seq = 0;
  const repoName = (label: string) => `${label}/repo-${++seq}-${Date.now()}`;
  const claimsFor = (repo: string) => ({ sub: `repo:${repo}:ref:refs/heads/main`, repository: repo, ref: 'refs/heads/main' });

  describe('federation', () => {
    it('F1: a network-bound token cannot create a trust rule whose sessions are usable from any network', async () => {
      const ws = await newWorkspace(t);
      const bot = await ws.apiUser({ roles: ['admin'] });
      // The owner's never-expiring token, usable only from 127.0.0.2 (say: the office network).
      const bound = await t
        .http()
        .post('/v1/me/tokens')
        .set(bearer(ws.owner.personalToken))
        .send({ name: 'office only', scopes: ['*'], expiresInDays: null, allowedCidrs: ['127.0.0.2/32'] })
        .expect(201);
      // From elsewhere (127.0.0.1) the bound token is refused, as it should be.
      expectProblem(await t.http().get(`/v1/workspaces/${ws.id}/devices`).set(bearer(bound.body.secret)), 403, 'network_not_allowed');
      const repo = repoName('netbound');
      const rule = await fromAddress(
        t,
        '127.0.0.2',
        'POST',
        rulesPath(ws, bot.id),
        { issuer: issuer.url, audience: AUDIENCE, claims: { repository: repo } },
        bearer(bound.body.secret),
      );
      if (rule.status === 403) return; // refused: secure
      expect(rule.status).toBe(201);
      // The rule's sessions must stay inside the network the maker was held to.
      const exchanged = await exchangeToken(await issuer.mint(claimsFor(repo), { now: now() })).expect(200);
      const fromOutside = await t.http().get(`/v1/workspaces/${ws.id}/devices`).set(bearer(exchanged.body.access_token));
      expect(fromOutside.status).toBe(403);
    });

    it("F2: another tenant's rules for a shared issuer never hide a newer tenant's rule", async () => {
      // The attacker: one self-registered user, one workspace, 26 API users with up to 20 rules each
      // (more than an unnamed exchange weighs), for the issuer and audience every tenant shares
      // (GitHub Actions' in production; the test issuer here).
      const attacker = await newWorkspace(t);
      const bots = [];
      for (let i = 0; i < 26; i++) bots.push(await attacker.apiUser({ roles: ['viewer'] }));
      const jobs: Array<() => Promise<unknown>> = [];
      for (const bot of bots) {
        for (let j = 0; j < 20 && jobs.length <= MAX_RULES_PER_UNNAMED_EXCHANGE; j++) {
          jobs.push(() => createRule(attacker, bot.id, { issuer: issuer.url, audience: CROWDED, subject: `junk-${j}` }));
        }
      }
      for (let i = 0; i < jobs.length; i += 10) await Promise.all(jobs.slice(i, i + 10).map((job) => job()));

      // The victim, another tenant, sets up federation afterwards (a second later), as documented.
      t.clock.advanceSeconds(1);
      const victim = await newWorkspace(t);
      const victimBot = await victim.apiUser({ roles: ['viewer'] });
      const repo = repoName('victim');
      await createRule(victim, victimBot.id, { issuer: issuer.url, audience: CROWDED, claims: { repository: repo } });
      // Unnamed, among too many rules to weigh: refused with the way out, never another API user's session.
      const unnamed = await exchangeToken(await issuer.mint(claimsFor(repo), { now: now(), audience: CROWDED }));
      expectProblem(unnamed, 400, 'invalid_target');
      expect(unnamed.body.detail).toContain('audience=');
      // Naming the API user finds its rule whatever other tenants wrote.
      const named = await exchangeToken(await issuer.mint(claimsFor(repo), { now: now(), audience: CROWDED }), { audience: victimBot.id });
      expect(named.status).toBe(200);
      const devices = await t.http().get(`/v1/workspaces/${victim.id}/devices`).set(bearer(named.body.access_token));
      expect(devices.status).toBe(200);

      // A tenant with its own audience is not touched by the crowd on the shared one, named or not.
      const other = await newWorkspace(t);
      const otherBot = await other.apiUser({ roles: ['viewer'] });
      const otherRepo = repoName('other');
      await createRule(other, otherBot.id, {
        issuer: issuer.url,
        audience: 'https://other.latchkey.test',
        claims: { repository: otherRepo },
      });
      const own = await exchangeToken(await issuer.mint(claimsFor(otherRepo), { now: now(), audience: 'https://other.latchkey.test' }));
      expect({ status: own.status, detail: own.body.detail }).toEqual({ status: 200, detail: undefined });
    }, 180_000);

    it("F3: another tenant trusting the victim's repository makes the unnamed exchange ambiguous, never the named one", async () => {
      const repo = repoName('shared');
      const victim = await newWorkspace(t);
      const victimBot = await victim.apiUser({ roles: ['viewer'] });
      await createRule(victim, victimBot.id, { issuer: issuer.url, audience: AUDIENCE, claims: { repository: repo } });
      await exchangeToken(await issuer.mint(claimsFor(repo), { now: now() })).expect(200);
      // Any self-registered user names the victim's (public) repository in a rule of their own.
      const attacker = await newWorkspace(t);
      const attackerBot = await attacker.apiUser({ roles: ['viewer'] });
      await createRule(attacker, attackerBot.id, { issuer: issuer.url, audience: AUDIENCE, claims: { repository: repo } });
      // Two API users' rules match: the unnamed exchange is refused (no session for either), as
      // docs/federation.md warns; the victim's CI names its API user and keeps working.
      expectProblem(await exchangeToken(await issuer.mint(claimsFor(repo), { now: now() })), 400, 'invalid_target');
      const named = await exchangeToken(await issuer.mint(claimsFor(repo), { now: now() }), { audience: victimBot.id });
      expect(named.status).toBe(200);
      const devices = await t.http().get(`/v1/workspaces/${victim.id}/devices`).set(bearer(named.body.access_token));
      expect(devices.status).toBe(200);
      const elsewhere = await t.http().get(`/v1/workspaces/${attacker.id}/devices`).set(bearer(named.body.access_token));
      expect(elsewhere.status).toBe(404);
    });

    it('F4: an issuer whose documents cannot be had is not fetched again for every made-up token', async () => {
      const broken = await OidcIssuer.start(await makeKey('RS256'));
      try {
        // Discovery answers, but names another issuer: every fetch fails (as a 404, a timeout or junk would).
        broken.discoveryIssuer = 'https://elsewhere.example.com';
        const ws = await newWorkspace(t);
        const bot = await ws.apiUser({ roles: ['viewer'] });
        const repo = repoName('broken');
        await createRule(ws, bot.id, { issuer: broken.url, audience: AUDIENCE, claims: { repository: repo } });
        // Anonymous: ten made-up tokens naming the issuer (no valid signature needed).
        for (let i = 0; i < 10; i++) {
          const res = await exchangeToken(await broken.mint(claimsFor(repo), { now: now() }));
          expect(res.status).toBe(400);
        }
        const fetches = broken.requests.filter((p) => p === '/.well-known/openid-configuration').length;
        // At most one fetch per issuer per minute, as for unknown kids.
        expect(fetches).toBeLessThanOrEqual(1);
      } finally {
        await broken.close();
      }
    });
  });

  describe('junk input', () => {
    const unsigned = (header: object, payload: object) =>
      `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.c2ln`;

    it('J1: a subject token whose iss holds a NUL character is a 400, not a 500', async () => {
      const res = await exchangeToken(
        unsigned({ alg: 'RS256', kid: 'x' }, { iss: 'https://a\u0000b', jti: 'x', exp: now() + 60, iat: now() }),
      );
      expect({ status: res.status, body: res.body }).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
    });

    it("J1: a signed token's NUL, in its jti, its audience or a claim a rule's * takes, is a 400, not a 500", async () => {
      const ws = await newWorkspace(t);
      const bot = await ws.apiUser({ roles: ['viewer'] });
      const owner = `nul-${++seq}-${Date.now()}`;
      await createRule(ws, bot.id, { issuer: issuer.url, audience: AUDIENCE, claims: { repository: `${owner}/*` } });
      const claims = (repo: string) => ({ sub: `repo:${repo}`, repository: repo });
      for (const token of [
        await issuer.mint(claims(`${owner}/repo`), { now: now(), jti: 'a\u0000b' }),
        await issuer.mint(claims(`${owner}/re\u0000po`), { now: now() }),
      ]) {
        const res = await exchangeToken(token);
        expect({ status: res.status, error: res.body.error }).toEqual({ status: 400, error: 'invalid_request' });
      }
      // An audience with a NUL matches no rule and stays out of the query; the token's other audience is the rule's.
      await exchangeToken(await issuer.mint(claims(`${owner}/repo`), { now: now(), audience: ['x\u0000y', AUDIENCE] })).expect(200);
    });
  });
});
