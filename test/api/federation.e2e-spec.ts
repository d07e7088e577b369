// Workload identity federation: API users' trust rules, and the RFC 8693 exchange of an outside OIDC
// token for an lks_ session, against a real issuer (discovery + JWKS) on the loopback with jose's keys.
import { createHash } from 'node:crypto';
import { exportSPKI, importJWK, SignJWT, type CryptoKey } from 'jose';
import { codes, gql } from '../graphql/gql';
import { bearer, createNamedToken, expectProblem, login } from '../support/api';
import { LogCapture } from '../support/log-capture';
import { newWorkspace, WorkspaceFixture } from '../support/fixtures';
import { makeKey, OidcIssuer } from '../support/oidc-issuer';
import { startTestApp, TestApp } from '../support/test-app';
import { REFETCH_COOLDOWN_MS } from '../../src/federation/issuer-keys';
import { Retention } from '../../src/outbox/retention';
import { WebhookSender } from '../../src/webhooks/webhook-sender';

const GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
const JWT_TYPE = 'urn:ietf:params:oauth:token-type:jwt';
const AUDIENCE = 'https://latchkey.test';
const REPO = 'acme/deploy-tools';
let repoSeq = 0;

describe('Workload identity federation', () => {
  let t: TestApp;
  let issuer: OidcIssuer;
  // Every log line, requests included, to prove no subject token reaches the log.
  const logs = new LogCapture();

  beforeAll(async () => {
    issuer = await OidcIssuer.start(await makeKey('RS256'), await makeKey('ES256'));
    t = await startTestApp(
      {
        LATCHKEY_FEDERATION_ALLOW_HTTP: 'true',
        // The test issuer is on the loopback: tests and private deployments only.
        LATCHKEY_WEBHOOK_ALLOWED_CIDRS: '127.0.0.1/32',
        LATCHKEY_FEDERATION_TIMEOUT_MS: '700',
        LATCHKEY_LOG_LEVEL: 'trace',
        LATCHKEY_LOG_REQUESTS: 'true',
      },
      undefined,
      { logDestination: logs },
    );
  });
  afterAll(async () => {
    await t.close();
    await issuer.close();
  });

  const now = () => Math.floor(t.clock.now().getTime() / 1000);
  const rulesPath = (ws: WorkspaceFixture, apiUserId: string) => `/v1/workspaces/${ws.id}/api-users/${apiUserId}/trust-rules`;

  function createRule(ws: WorkspaceFixture, apiUserId: string, body: Record<string, unknown>, secret = ws.owner.personalToken) {
    return t.http().post(rulesPath(ws, apiUserId)).set(bearer(secret)).send(body);
  }

  function exchange(form: Record<string, string>) {
    return t.http().post('/v1/auth/token').type('form').send(form);
  }

  const exchangeToken = (subjectToken: string, extra: Record<string, string> = {}) =>
    exchange({ grant_type: GRANT, subject_token: subjectToken, subject_token_type: JWT_TYPE, ...extra });

  /**
   * A workspace with a device, an API user (viewer) and a rule trusting any branch of a repository of its
   * own on the test issuer; ciClaims() then are the claims of a run on main there.
   */
  async function setup(rule: Record<string, unknown> = {}, from: OidcIssuer = issuer) {
    const ws = await newWorkspace(t);
    await ws.device();
    const bot = await ws.apiUser({ roles: ['viewer'] });
    currentRepo = `${REPO}-${++repoSeq}-${Date.now()}`;
    const res = await createRule(ws, bot.id, {
      issuer: from.url,
      audience: AUDIENCE,
      claims: { repository: currentRepo, ref: 'refs/heads/*' },
      ...rule,
    }).expect(201);
    return { ws, bot, rule: res.body, repo: currentRepo };
  }
  let currentRepo = REPO;

  const ciClaims = (extra: Record<string, unknown> = {}) => ({
    sub: `repo:${currentRepo}:ref:refs/heads/main`,
    repository: currentRepo,
    ref: 'refs/heads/main',
    ...extra,
  });

  function expectOAuthError(
    res: { status: number; headers: Record<string, string>; body: Record<string, unknown> },
    error: string,
    description: RegExp,
  ) {
    const body = expectProblem(res, 400, error);
    expect(body.error).toBe(error);
    expect(body.error_description).toMatch(description);
    expect(res.headers['cache-control']).toBe('no-store');
  }

  describe('trust rules', () => {
    it('are created, listed, read and deleted by the owner, and audited', async () => {
      const { ws, bot, rule, repo } = await setup({ description: 'main deploys', scopes: ['devices:read'], maxSessionSeconds: 900 });
      expect(rule).toMatchObject({
        apiUserId: bot.id,
        issuer: issuer.url,
        audience: AUDIENCE,
        subject: null,
        claims: { repository: repo, ref: 'refs/heads/*' },
        scopes: ['devices:read'],
        maxSessionSeconds: 900,
        description: 'main deploys',
      });
      const list = await t.http().get(rulesPath(ws, bot.id)).set(bearer(ws.owner.personalToken)).expect(200);
      expect(list.body.items.map((r: { id: string }) => r.id)).toEqual([rule.id]);
      await t
        .http()
        .get(`${rulesPath(ws, bot.id)}/${rule.id}`)
        .set(bearer(ws.owner.personalToken))
        .expect(200);
      await t
        .http()
        .delete(`${rulesPath(ws, bot.id)}/${rule.id}`)
        .set(bearer(ws.owner.personalToken))
        .expect(204);
      expectProblem(
        await t
          .http()
          .get(`${rulesPath(ws, bot.id)}/${rule.id}`)
          .set(bearer(ws.owner.personalToken)),
        404,
        'not_found',
      );
      expectProblem(
        await t
          .http()
          .delete(`${rulesPath(ws, bot.id)}/${rule.id}`)
          .set(bearer(ws.owner.personalToken)),
        404,
        'not_found',
      );
      const audit = await t.http().get(`/v1/workspaces/${ws.id}/audit-events`).set(bearer(ws.owner.personalToken)).expect(200);
      const actions = audit.body.items.map((e: { action: string }) => e.action);
      expect(actions).toEqual(expect.arrayContaining(['api_user.trust_rule_created', 'api_user.trust_rule_deleted']));
    });

    it("answer 404 to another workspace's owner, for the API user's id and the rule's alike", async () => {
      const { ws, bot, rule } = await setup();
      const other = await newWorkspace(t);
      const otherBot = await other.apiUser({ roles: ['viewer'] });
      for (const res of [
        await t.http().get(rulesPath(ws, bot.id)).set(bearer(other.owner.personalToken)),
        await createRule(ws, bot.id, { issuer: issuer.url, audience: AUDIENCE, subject: 'x' }, other.owner.personalToken),
        await t
          .http()
          .delete(`${rulesPath(ws, bot.id)}/${rule.id}`)
          .set(bearer(other.owner.personalToken)),
        // Their own workspace, our API user's id or our rule's id.
        await t.http().get(rulesPath(other, bot.id)).set(bearer(other.owner.personalToken)),
        await t
          .http()
          .get(`${rulesPath(other, otherBot.id)}/${rule.id}`)
          .set(bearer(other.owner.personalToken)),
        await t
          .http()
          .delete(`${rulesPath(other, otherBot.id)}/${rule.id}`)
          .set(bearer(other.owner.personalToken)),
      ]) {
        expectProblem(res, 404, 'not_found');
      }
      const still = await t.http().get(rulesPath(ws, bot.id)).set(bearer(ws.owner.personalToken)).expect(200);
      expect(still.body.items).toHaveLength(1);
    });

    it('need api_users:manage, a caller holding what the API user holds, a token covering the scopes and not expiring', async () => {
      const { ws, bot } = await setup();
      const body = { issuer: issuer.url, audience: AUDIENCE, subject: 'repo:acme/x:ref:refs/heads/main' };
      const viewer = await ws.member('viewer');
      expectProblem(await createRule(ws, bot.id, body, viewer.personalToken), 403, 'forbidden');
      // An admin API user's own never-expiring token may (as it may mint tokens); a viewer API user may not.
      const viewerBot = await ws.apiUser({ roles: ['viewer'] });
      expectProblem(await createRule(ws, bot.id, body, viewerBot.token), 403, 'forbidden');
      // A member with api_users:manage but fewer rights than an admin API user cannot act on it.
      const adminBot = await ws.apiUser({ roles: ['admin'] });
      const manager = await ws.member({ id: await ws.role(['api_users:read', 'api_users:manage']) });
      expectProblem(await createRule(ws, adminBot.id, body, manager.personalToken), 403, 'forbidden');
      // A token scoped to api_users:manage cannot hand out sessions of every right.
      const viewerRights = ['workspace:read', 'members:read', 'roles:read', 'devices:read', 'measurements:read'];
      const narrow = await createNamedToken(t, ws.owner.personalToken, {
        scopes: ['api_users:manage', 'api_users:read', ...viewerRights],
        expiresInDays: null,
      });
      const wide = expectProblem(await createRule(ws, bot.id, body, narrow.secret), 403, 'forbidden');
      expect(wide.detail).toMatch(/scopes it holds/);
      await createRule(ws, bot.id, { ...body, scopes: ['devices:read'] }, narrow.secret).expect(201);
      // A rule never ends: a token that does (a named token's 90 days) cannot make one; a login session can.
      const expiring = await createNamedToken(t, ws.owner.personalToken, { scopes: ['*'] });
      const refused = expectProblem(await createRule(ws, bot.id, body, expiring.secret), 403, 'forbidden');
      expect(refused.detail).toMatch(/does not expire/);
      await createRule(ws, bot.id, body, await login(t, ws.owner.email)).expect(201);
    });

    it.each([
      ['an ftp issuer', { issuer: 'ftp://issuer.example.com' }, 'issuer'],
      ['not a URL', { issuer: 'token.actions.githubusercontent.com' }, 'issuer'],
      ['a look-alike (Cyrillic і) issuer', { issuer: 'https://token.actions.gіthubusercontent.com' }, 'issuer'],
      ['a huge issuer', { issuer: `https://${'a'.repeat(600)}.example.com` }, 'issuer'],
      ['an issuer with credentials', { issuer: 'https://user:pw@issuer.example.com' }, 'issuer'],
      ['an issuer with a query', { issuer: 'https://issuer.example.com/?x=1' }, 'issuer'],
      ['a private issuer', { issuer: 'https://10.0.0.1' }, 'issuer'],
      ['a link-local (cloud metadata) issuer', { issuer: 'http://169.254.169.254' }, 'issuer'],
      ['an audience with spaces', { audience: 'a b' }, 'audience'],
      ['no conditions at all', { claims: undefined }, 'claims'],
      ['only wildcards', { claims: { repository: '*/*' } }, 'claims'],
      ['a reserved claim', { claims: { repository: REPO, aud: 'x' } }, 'claims.aud'],
      ['a non-string claim pattern', { claims: { repository: 5 } }, 'claims.repository'],
      ['a control character', { claims: { repository: 'acme/\u0000x' } }, 'claims.repository'],
      ['an invisible format character', { subject: 'repo:acme\u200b/x' }, 'subject'],
      ['too many claims', { claims: Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`c${i}`, 'v'])) }, 'claims'],
      ['a huge pattern', { claims: { repository: 'x'.repeat(600) } }, 'claims.repository'],
      ['an unknown scope', { scopes: ['root'] }, 'scopes'],
      ['a too long session', { maxSessionSeconds: 7200 }, 'maxSessionSeconds'],
      ['an unknown field', { extra: 1 }, 'extra'],
    ])('refuse %s', async (_case, change, field) => {
      const ws = await newWorkspace(t);
      const bot = await ws.apiUser({ roles: ['viewer'] });
      const res = await createRule(ws, bot.id, {
        issuer: 'https://issuer.example.com',
        audience: AUDIENCE,
        claims: { repository: REPO },
        ...change,
      });
      const body = expectProblem(res, 400, 'validation_failed');
      expect((body.errors as Array<{ field: string }>).map((e) => e.field)).toContain(field);
    });

    it('are listed, created and deleted through GraphQL under the same rules', async () => {
      const { ws, bot, rule } = await setup();
      const listed = await gql(
        t,
        ws.owner.personalToken,
        'query($w: ID!) { workspace(id: $w) { apiUsers { items { id trustRules { id issuer claims scopes } } } } }',
        {
          w: ws.id,
        },
      );
      const items = (listed.data as { workspace: { apiUsers: { items: Array<{ id: string; trustRules: Array<{ id: string }> }> } } })
        .workspace.apiUsers.items;
      expect(items.find((i) => i.id === bot.id)?.trustRules.map((r) => r.id)).toEqual([rule.id]);
      const create = `mutation($w: ID!, $a: ID!, $i: CreateTrustRuleInput!) { createTrustRule(workspaceId: $w, apiUserId: $a, input: $i) { id subject } }`;
      const input = { issuer: issuer.url, audience: AUDIENCE, subject: 'repo:acme/gql:ref:refs/heads/main' };
      const viewer = await ws.member('viewer');
      expect(codes(await gql(t, viewer.personalToken, create, { w: ws.id, a: bot.id, i: input }))).toEqual(['FORBIDDEN']);
      const junk = await gql(t, ws.owner.personalToken, create, { w: ws.id, a: bot.id, i: { issuer: issuer.url, audience: AUDIENCE } });
      expect(codes(junk)).toEqual(['BAD_USER_INPUT']);
      const made = await gql(t, ws.owner.personalToken, create, { w: ws.id, a: bot.id, i: input });
      const id = (made.data as { createTrustRule: { id: string } }).createTrustRule.id;
      const del = 'mutation($w: ID!, $a: ID!, $id: ID!) { deleteTrustRule(workspaceId: $w, apiUserId: $a, id: $id) { id } }';
      expect((await gql(t, ws.owner.personalToken, del, { w: ws.id, a: bot.id, id })).data).toEqual({ deleteTrustRule: { id } });
      expect(codes(await gql(t, ws.owner.personalToken, del, { w: ws.id, a: bot.id, id }))).toEqual(['NOT_FOUND']);
    });

    it('are capped per API user, also when created at once', async () => {
      const ws = await newWorkspace(t);
      const bot = await ws.apiUser({ roles: ['viewer'] });
      const body = (i: number) => ({ issuer: 'https://issuer.example.com', audience: AUDIENCE, subject: `s${i}` });
      const answers = await Promise.all(Array.from({ length: 24 }, (_, i) => createRule(ws, bot.id, body(i))));
      expect(answers.filter((r) => r.status === 201)).toHaveLength(20);
      for (const r of answers.filter((a) => a.status !== 201)) expectProblem(r, 409, 'conflict');
    });
  });

  describe('the exchange', () => {
    it('gives an lks_ session of the API user with its rights, audited with the rule and the claims that matched', async () => {
      const { ws, bot, rule } = await setup();
      const token = await issuer.mint(ciClaims(), { now: now() });
      const res = await exchangeToken(token).expect(200);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.body).toEqual({
        access_token: expect.stringMatching(/^lks_[0-9A-Za-z]{38}$/),
        issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
        token_type: 'Bearer',
        expires_in: 3600,
        scope: '*',
      });
      const session = res.body.access_token;
      const devices = await t.http().get(`/v1/workspaces/${ws.id}/devices`).set(bearer(session)).expect(200);
      expect(devices.body.items).toHaveLength(1);
      expect(new Date(devices.headers['latchkey-token-expires-at']).getTime()).toBe(t.clock.now().getTime() + 3600_000);
      // A viewer: no device creation.
      expectProblem(
        await t.http().post(`/v1/workspaces/${ws.id}/devices`).set(bearer(session)).send({ name: 'x', serial: 'y' }),
        403,
        'forbidden',
      );
      const whoami = await t.http().get('/v1/whoami').set(bearer(session)).expect(200);
      expect(JSON.stringify(whoami.body)).toContain(bot.id);
      // Not a login session: it cannot mint a never-expiring trust rule, even for an admin API user.
      const audit = await t
        .http()
        .get(`/v1/workspaces/${ws.id}/audit-events`)
        .query({ action: 'session.federated' })
        .set(bearer(ws.owner.personalToken))
        .expect(200);
      expect(audit.body.items).toHaveLength(1);
      expect(audit.body.items[0]).toMatchObject({
        actor: { type: 'api_user', id: bot.id },
        details: {
          apiUserId: bot.id,
          ruleId: rule.id,
          issuer: issuer.url,
          audience: AUDIENCE,
          matchedClaims: { repository: currentRepo, ref: 'refs/heads/main' },
        },
      });
      expect(JSON.stringify(audit.body)).not.toContain(token);
      expect(JSON.stringify(audit.body)).not.toContain(token.split('.')[2]);
    });

    it('verifies ES256 tokens too, narrows to the requested scope and to the rule scopes and session length', async () => {
      const { ws } = await setup({ scopes: ['devices:read', 'workspace:read'], maxSessionSeconds: 600 });
      const es = issuer.keys.find((k) => k.alg === 'ES256')!;
      const res = await exchangeToken(await issuer.mint(ciClaims(), { now: now(), key: es }), { scope: 'workspace:read' }).expect(200);
      expect(res.body).toMatchObject({ scope: 'workspace:read', expires_in: 600 });
      await t.http().get(`/v1/workspaces/${ws.id}`).set(bearer(res.body.access_token)).expect(200);
      expectProblem(await t.http().get(`/v1/workspaces/${ws.id}/devices`).set(bearer(res.body.access_token)), 403, 'insufficient_scope');
      // More than the rule allows: invalid_scope.
      expectOAuthError(
        await exchangeToken(await issuer.mint(ciClaims(), { now: now() }), { scope: 'devices:delete' }),
        'invalid_scope',
        /allows only/,
      );
      expectOAuthError(await exchangeToken(await issuer.mint(ciClaims(), { now: now() }), { scope: '*' }), 'invalid_scope', /allows only/);
      expectOAuthError(
        await exchangeToken(await issuer.mint(ciClaims(), { now: now() }), { scope: 'root' }),
        'invalid_scope',
        /"root" is not one/,
      );
    });

    it('cannot be used by the session to make a never-ending trust rule, even for an admin API user', async () => {
      const ws = await newWorkspace(t);
      const adminBot = await ws.apiUser({ roles: ['admin'] });
      const subject = `repo:acme/admin-${Date.now()}:ref:refs/heads/main`;
      await createRule(ws, adminBot.id, { issuer: issuer.url, audience: AUDIENCE, subject }).expect(201);
      const res = await exchangeToken(await issuer.mint({ sub: subject }, { now: now() })).expect(200);
      const refused = expectProblem(
        await createRule(ws, adminBot.id, { issuer: issuer.url, audience: AUDIENCE, subject: 'repo:evil/x' }, res.body.access_token),
        403,
        'forbidden',
      );
      expect(refused.detail).toMatch(/does not expire/);
    });

    it.each([
      ['a wrong audience', { audience: 'https://other.test' }, ciClaims(), /audience/],
      ['a claim that does not match', {}, ciClaims({ repository: 'acme/other' }), /claims/],
      ['a branch deeper than the glob', {}, ciClaims({ ref: 'refs/heads/feature/x' }), /claims/],
      ['a claim that is not a string', {}, ciClaims({ repository: [REPO] }), /claims/],
      ['an expired token', { lifetimeSeconds: 300, issuedAt: -1000 }, ciClaims(), /expired/],
      ['a token not yet valid', { notBefore: 600 }, ciClaims(), /not valid yet/],
      ['a token issued in the future', { issuedAt: 600 }, ciClaims(), /future/],
      ['a token without jti', { jti: null }, ciClaims(), /jti/],
      ['a token living too long', { lifetimeSeconds: 3 * 86400 }, ciClaims(), /short-lived/],
      ['an unknown kid', { kid: 'nobody' }, ciClaims(), /kid/],
    ])('refuses %s', async (_case, options, claims, description) => {
      await setup();
      const o = options as Record<string, number | string | null>;
      const base = now();
      const token = await issuer.mint(claims, {
        now: base,
        ...(o.audience ? { audience: o.audience as string } : {}),
        ...(o.lifetimeSeconds ? { lifetimeSeconds: o.lifetimeSeconds as number } : {}),
        ...(o.issuedAt !== undefined ? { issuedAt: base + (o.issuedAt as number) } : {}),
        ...(o.notBefore !== undefined ? { notBefore: base + (o.notBefore as number) } : {}),
        ...(o.jti === null ? { jti: null } : {}),
        ...(o.kid ? { kid: o.kid as string } : {}),
      });
      expectOAuthError(await exchangeToken(token), 'invalid_request', description);
    });

    it('refuses a token of an issuer no rule trusts, and a signature by another key', async () => {
      await setup();
      const stranger = await OidcIssuer.start(await makeKey('RS256'));
      try {
        expectOAuthError(
          await exchangeToken(await stranger.mint(ciClaims(), { now: now() })),
          'invalid_request',
          /No trust rule accepts tokens from this issuer/,
        );
        // Signed by the stranger's key, claiming our issuer and our key's kid.
        const forged = await stranger.mint(ciClaims(), { now: now(), issuer: issuer.url, kid: issuer.keys[0].kid });
        expectOAuthError(await exchangeToken(forged), 'invalid_request', /signature does not verify/);
        expect(stranger.requests).toEqual([]);
      } finally {
        await stranger.close();
      }
    });

    it('refuses alg none and HS256 signed with the public key as the secret', async () => {
      await setup();
      const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
      const claims = { ...ciClaims(), iss: issuer.url, aud: AUDIENCE, iat: now(), exp: now() + 300, jti: 'none-1' };
      const unsigned = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`;
      expectOAuthError(await exchangeToken(unsigned), 'invalid_request', /"none"; only asymmetric/);
      const rsa = issuer.keys.find((k) => k.alg === 'RS256')!;
      const publicPem = await exportSPKI((await importJWK(rsa.publicJwk, 'RS256', { extractable: true })) as CryptoKey);
      const hs = await new SignJWT(ciClaims())
        .setProtectedHeader({ alg: 'HS256', kid: rsa.kid })
        .setIssuer(issuer.url)
        .setAudience(AUDIENCE)
        .setIssuedAt(now())
        .setExpirationTime(now() + 300)
        .setJti('hs-1')
        .sign(new TextEncoder().encode(publicPem));
      expectOAuthError(await exchangeToken(hs), 'invalid_request', /"HS256"; only asymmetric/);
    });

    it('refuses a replayed jti, also when sent twice at once', async () => {
      await setup();
      const token = await issuer.mint(ciClaims(), { now: now() });
      const [a, b] = await Promise.all([exchangeToken(token), exchangeToken(token)]);
      expect([a.status, b.status].sort()).toEqual([200, 400]);
      expectOAuthError(a.status === 400 ? a : b, 'invalid_request', /exchanged already/);
      expectOAuthError(await exchangeToken(token), 'invalid_request', /exchanged already/);
    });

    it('keeps a used jti until its token has expired, then the daily retention purge drops it; the token stays refused', async () => {
      await setup();
      const token = await issuer.mint(ciClaims(), { now: now(), lifetimeSeconds: 300 });
      await exchangeToken(token).expect(200);
      const jti = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).jti as string;
      const kept = () => t.dataSource.query(`SELECT jti FROM federation_used_tokens WHERE jti = $1`, [jti]);
      await t.app.get(Retention).purgeAll();
      expect(await kept()).toHaveLength(1);
      t.clock.advanceSeconds(300 + 3 * 60);
      const purged = await t.app.get(Retention).purgeAll();
      expect(purged.federation_used_tokens).toBeGreaterThanOrEqual(1);
      expect(await kept()).toHaveLength(0);
      expectOAuthError(await exchangeToken(token), 'invalid_request', /expired/);
    });

    it('cannot turn a federated session into another session with the JSON exchange', async () => {
      await setup();
      const session = (await exchangeToken(await issuer.mint(ciClaims(), { now: now() })).expect(200)).body.access_token;
      const refused = expectProblem(await t.http().post('/v1/auth/token').set(bearer(session)).send({}), 403, 'forbidden');
      expect(refused.detail).toMatch(/Only a personal, named or API-user token/);
    });

    it('refetches the keys for an unknown kid at most once a minute, and then finds a rotated key', async () => {
      const rotating = await OidcIssuer.start(await makeKey('RS256'));
      try {
        await setup({}, rotating);
        await exchangeToken(await rotating.mint(ciClaims(), { now: now() })).expect(200);
        expect(rotating.jwksFetches()).toBe(1);
        const next = await makeKey('ES256');
        rotating.keys = [rotating.keys[0], next];
        // Within the cooldown: junk or new kids cost the issuer nothing.
        for (let i = 0; i < 3; i++) {
          expectOAuthError(await exchangeToken(await rotating.mint(ciClaims(), { now: now(), key: next })), 'invalid_request', /kid/);
        }
        expect(rotating.jwksFetches()).toBe(1);
        t.clock.advanceSeconds(61);
        await exchangeToken(await rotating.mint(ciClaims(), { now: now(), key: next })).expect(200);
        expect(rotating.jwksFetches()).toBe(2);
      } finally {
        await rotating.close();
      }
    });

    it('fails clearly when the JWKS times out, or discovery names another issuer', async () => {
      const hung = await OidcIssuer.start(await makeKey('RS256'));
      try {
        await setup({}, hung);
        hung.hangJwks = true;
        const started = Date.now();
        expectOAuthError(
          await exchangeToken(await hung.mint(ciClaims(), { now: now() })),
          'invalid_request',
          /JWKS failed: timed out after 700 ms/,
        );
        expect(Date.now() - started).toBeLessThan(5000);
        hung.hangJwks = false;
        hung.discoveryIssuer = 'https://evil.example.com';
        // A failed fetch is remembered for a minute (anyone can name an issuer): the same answer, no request.
        const asked = hung.requests.length;
        expectOAuthError(await exchangeToken(await hung.mint(ciClaims(), { now: now() })), 'invalid_request', /JWKS failed: timed out/);
        expect(hung.requests.length).toBe(asked);
        t.clock.advanceSeconds(REFETCH_COOLDOWN_MS / 1000);
        expectOAuthError(await exchangeToken(await hung.mint(ciClaims(), { now: now() })), 'invalid_request', /names another issuer/);
      } finally {
        await hung.close();
      }
    });

    it('refuses an issuer whose name resolves to a private address, without connecting', async () => {
      const ws = await newWorkspace(t);
      const bot = await ws.apiUser({ roles: ['viewer'] });
      const name = `http://issuer-${Date.now()}.example.test:${new URL(issuer.url).port}`;
      await createRule(ws, bot.id, { issuer: name, audience: AUDIENCE, claims: { repository: REPO } }).expect(201);
      const sender = t.app.get(WebhookSender);
      const original = sender.resolver;
      const connector = sender.connector;
      let connected = 0;
      sender.resolver = async () => [{ address: '10.1.2.3', family: 4 }];
      sender.connector = (target) => {
        connected++;
        return connector(target);
      };
      try {
        const token = await issuer.mint(ciClaims(), { now: now(), issuer: name });
        expectOAuthError(await exchangeToken(token), 'invalid_request', /the host does not resolve to a public address/);
        expect(connected).toBe(0);
      } finally {
        sender.resolver = original;
        sender.connector = connector;
      }
    });

    it('gives nothing for a disabled API user, a deleted rule or a deleted API user; a disabled one kills its sessions', async () => {
      const { ws, bot, rule } = await setup();
      const session = (await exchangeToken(await issuer.mint(ciClaims(), { now: now() })).expect(200)).body.access_token;
      await t
        .http()
        .patch(`/v1/workspaces/${ws.id}/api-users/${bot.id}`)
        .set(bearer(ws.owner.personalToken))
        .send({ status: 'disabled' })
        .expect(200);
      expectProblem(await t.http().get(`/v1/workspaces/${ws.id}/devices`).set(bearer(session)), 401, 'token_invalid');
      expectOAuthError(await exchangeToken(await issuer.mint(ciClaims(), { now: now() })), 'invalid_request', /disabled/);
      await t
        .http()
        .patch(`/v1/workspaces/${ws.id}/api-users/${bot.id}`)
        .set(bearer(ws.owner.personalToken))
        .send({ status: 'active' })
        .expect(200);
      await t
        .http()
        .delete(`${rulesPath(ws, bot.id)}/${rule.id}`)
        .set(bearer(ws.owner.personalToken))
        .expect(204);
      expectOAuthError(
        await exchangeToken(await issuer.mint(ciClaims(), { now: now() })),
        'invalid_request',
        /No trust rule accepts tokens from this issuer|claims/,
      );
      await createRule(ws, bot.id, { issuer: issuer.url, audience: AUDIENCE, claims: { repository: currentRepo } }).expect(201);
      await t.http().delete(`/v1/workspaces/${ws.id}/api-users/${bot.id}`).set(bearer(ws.owner.personalToken)).expect(204);
      expectOAuthError(
        await exchangeToken(await issuer.mint(ciClaims(), { now: now() })),
        'invalid_request',
        /No trust rule accepts tokens from this issuer|claims/,
      );
    });

    it('asks which API user when the token meets rules of several, and audience names one', async () => {
      const repo = `acme/shared-${Date.now()}`;
      const a = await setup({ claims: { repository: repo } });
      const b = await setup({ claims: { repository: repo } });
      expectOAuthError(
        await exchangeToken(await issuer.mint(ciClaims({ repository: repo }), { now: now() })),
        'invalid_target',
        /several API users/,
      );
      const res = await exchangeToken(await issuer.mint(ciClaims({ repository: repo }), { now: now() }), { audience: b.bot.id }).expect(
        200,
      );
      await t.http().get(`/v1/workspaces/${b.ws.id}/devices`).set(bearer(res.body.access_token)).expect(200);
      expectProblem(await t.http().get(`/v1/workspaces/${a.ws.id}/devices`).set(bearer(res.body.access_token)), 404, 'not_found');
      expectOAuthError(
        await exchangeToken(await issuer.mint(ciClaims({ repository: repo }), { now: now() }), {
          audience: '00000000-0000-4000-8000-000000000000',
        }),
        'invalid_target',
        /this API user/,
      );
    });

    it.each([
      ['another grant type', { grant_type: 'client_credentials' }, 'unsupported_grant_type', /Only grant_type/],
      ['no grant type', { grant_type: '' }, 'invalid_request', /grant_type is missing/],
      ['no subject token', { subject_token: '' }, 'invalid_request', /subject_token is missing/],
      [
        'another token type',
        { subject_token_type: 'urn:ietf:params:oauth:token-type:access_token' },
        'invalid_request',
        /subject_token_type/,
      ],
      ['a token that is no JWT', { subject_token: 'lka_notajwt' }, 'invalid_request', /not a JWT/],
      ['an actor token', { actor_token: 'x' }, 'invalid_request', /actor_token/],
      ['an audience that is no id', { audience: 'https://x' }, 'invalid_target', /UUID/],
    ])('refuses a form with %s', async (_case, change, error, description) => {
      const form = { grant_type: GRANT, subject_token: 'a.b.c', subject_token_type: JWT_TYPE, ...change };
      expectOAuthError(await exchange(form as Record<string, string>), error, description);
    });

    it('refuses a parameter sent twice, a form with an Authorization header, and keeps the JSON exchange', async () => {
      const repeated = await t
        .http()
        .post('/v1/auth/token')
        .type('form')
        .send(`grant_type=${encodeURIComponent(GRANT)}&grant_type=x&subject_token=a&subject_token_type=${encodeURIComponent(JWT_TYPE)}`);
      expectOAuthError(repeated, 'invalid_request', /sent once/);
      const ws = await newWorkspace(t);
      const withHeader = await t
        .http()
        .post('/v1/auth/token')
        .set(bearer(ws.owner.personalToken))
        .type('form')
        .send({ grant_type: GRANT, subject_token: 'a.b.c', subject_token_type: JWT_TYPE });
      expectOAuthError(withHeader, 'invalid_request', /no Authorization header/);
      const json = await t.http().post('/v1/auth/token').set(bearer(ws.owner.personalToken)).send({ expiresInSeconds: 600 }).expect(200);
      expect(json.body.token).toMatchObject({ kind: 'session' });
      expectProblem(await t.http().post('/v1/auth/token').send({ expiresInSeconds: 600 }), 401, 'token_missing');
      expectProblem(
        await t.http().post('/v1/auth/token').set(bearer(ws.owner.personalToken)).send({ grant_type: GRANT }),
        400,
        'validation_failed',
      );
    });

    it('keeps the subject token out of the log and the database; a refusal is logged with the issuer and the reason', async () => {
      await setup();
      const token = await issuer.mint(ciClaims(), { now: now() });
      await exchangeToken(token).expect(200);
      const expired = await issuer.mint(ciClaims(), { now: now() - 1000, lifetimeSeconds: 300 });
      expectOAuthError(await exchangeToken(expired), 'invalid_request', /expired/);
      const digest = createHash('sha256').update(token).digest('hex');
      const rows: Array<{ text: string }> = await t.dataSource.query(`SELECT row_to_json(u)::text AS text FROM federation_used_tokens u`);
      const audit: Array<{ details: unknown }> = await t.dataSource.query(
        `SELECT details FROM audit_events WHERE action = 'session.federated'`,
      );
      for (const text of [JSON.stringify(rows), JSON.stringify(audit), logs.text]) {
        for (const secret of [token, expired]) {
          expect(text).not.toContain(secret);
          expect(text).not.toContain(secret.split('.')[2]);
        }
        expect(text).not.toContain(digest);
      }
      const refused = logs.withMessage('token exchange refused');
      expect(refused.length).toBeGreaterThan(0);
      expect(refused[refused.length - 1]).toMatchObject({
        issuer: issuer.url,
        error: 'invalid_request',
        reason: 'The token has expired ("exp").',
      });
    });
  });

  describe('rate limit', () => {
    let limited: TestApp;
    beforeAll(async () => {
      limited = await startTestApp({
        LATCHKEY_FEDERATION_ALLOW_HTTP: 'true',
        LATCHKEY_WEBHOOK_ALLOWED_CIDRS: '127.0.0.1/32',
        LATCHKEY_RATE_LIMIT_PUBLIC_PER_IP: '3',
      });
    });
    afterAll(() => limited.close());

    it('counts token-exchange forms per client address, as public routes', async () => {
      const form = { grant_type: GRANT, subject_token: 'a.b.c', subject_token_type: JWT_TYPE };
      for (let i = 0; i < 3; i++) {
        const res = await limited.http().post('/v1/auth/token').type('form').send(form);
        expect(res.status).toBe(400);
        expect(res.headers['ratelimit-policy']).toMatch(/"ip";q=3/);
      }
      const refused = await limited.http().post('/v1/auth/token').type('form').send(form);
      expectProblem(refused, 429, 'rate_limited');
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    });
  });
});
