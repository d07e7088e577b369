// Review 16a: attacks on the fixes of the session 49c8dbe..9086742 (MembershipEnd, assertCanGrantTo, the
// last active owner, policyLoosens, makers recorded for a squatted account's reset). Tests named "R16A-…"
// fail on 9086742 because of the finding they name and pass once it is fixed; tests named "held: …" passed
// on 9086742 and guard against regressions.
import { gql } from '../graphql/gql';
import { bearer, createNamedToken, expectProblem, login, markEmailVerified, registerUser, uniqueEmail } from '../support/api';
import { newWorkspace } from '../support/fixtures';
import { MailCatcher, resetByMail } from '../support/mail-catcher';
import { INSIDE, limitedAdminBot } from '../support/network-limited';
import { makeKey, OidcIssuer } from '../support/oidc-issuer';
import { squattedWorkspace as squatted } from '../support/squatted';
import { ADMIN_EMAIL, startTestApp, TestApp } from '../support/test-app';
import { WEBHOOK_TEST_ENV } from '../support/webhook-receiver';

const GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
const JWT_TYPE = 'urn:ietf:params:oauth:token-type:jwt';
const AUDIENCE = 'https://latchkey.test';

let t: TestApp;
let smtp: MailCatcher;
let issuer: OidcIssuer;

beforeAll(async () => {
  smtp = await MailCatcher.start();
  issuer = await OidcIssuer.start(await makeKey('RS256'));
  t = await startTestApp({
    ...WEBHOOK_TEST_ENV,
    LATCHKEY_SMTP_URL: smtp.url,
    LATCHKEY_MAIL_FROM: 'Latchkey <no-reply@latchkey.example>',
    LATCHKEY_PUBLIC_URL: 'https://latchkey.example/console',
    LATCHKEY_TRUST_PROXY: '1',
    LATCHKEY_FEDERATION_ALLOW_HTTP: 'true',
  });
}, 60_000);

afterAll(async () => {
  await t?.close();
  await smtp?.stop();
  await issuer?.close();
});

const resets = (email: string) => resetByMail(t, smtp, email);

/** The squatter's workspace, a verified colleague (admin) in it with an admin API user of their own. */

const squattedWorkspace = () => squatted(t);

const members = (wid: string, secret: string) => t.http().get(`/v1/workspaces/${wid}/members`).set(bearer(secret));

/** From an address inside the limited bot's networks. */
function inside(method: 'patch' | 'put' | 'post' | 'delete', path: string, secret: string) {
  return t.http()[method](path).set('X-Forwarded-For', INSIDE).set(bearer(secret));
}

// --- 5. what a reset of a squatted account ends ---------------------------------------------------------

describe('review 16a: a reset that takes a squatted address back', () => {
  it(
    'R16A-S1: an API user (and a token) made with the lka_ secret the squatter issued for a colleague’s API user ' +
      'does not outlive the reset',
    async () => {
      const { victimEmail, squatter, ws, colleaguesBot } = await squattedWorkspace();
      // The squatter issues a never-expiring admin token for the colleague's API user (recorded: R15A-S1) ...
      const issued = await t
        .http()
        .post(`/v1/workspaces/${ws.id}/api-users/${colleaguesBot.id}/tokens`)
        .set(bearer(squatter.personalToken))
        .send({ name: 'looks like the colleague’s' })
        .expect(201);
      const secret = issued.body.secret as string;
      // ... and with that secret makes an API user of its own and another token for the colleague's API
      // user. Both are recorded as made by the colleague's API user (the principal), not by the squatter.
      const hidden = await ws.apiUser({ roles: ['admin'], name: 'metrics-exporter', by: secret });
      const spare = await t
        .http()
        .post(`/v1/workspaces/${ws.id}/api-users/${colleaguesBot.id}/tokens`)
        .set(bearer(secret))
        .send({ name: 'spare' })
        .expect(201);
      await resets(victimEmail);
      expect({
        issuedBySquatter: (await members(ws.id, secret)).status,
        apiUserMadeWithIt: (await members(ws.id, hidden.token)).status,
        tokenMadeWithIt: (await members(ws.id, spare.body.secret)).status,
      }).toEqual({ issuedBySquatter: 401, apiUserMadeWithIt: 401, tokenMadeWithIt: 401 });
    },
  );

  it('R16A-S2: a federated session the squatter got through its trust rule on a colleague’s API user ends with the reset', async () => {
    const { victimEmail, squatter, ws, colleaguesBot } = await squattedWorkspace();
    const repo = `squatter/ci-${Date.now()}`;
    await t
      .http()
      .post(`/v1/workspaces/${ws.id}/api-users/${colleaguesBot.id}/trust-rules`)
      .set(bearer(squatter.personalToken))
      .send({ issuer: issuer.url, audience: AUDIENCE, claims: { repository: repo } })
      .expect(201);
    const now = Math.floor(t.clock.now().getTime() / 1000);
    const exchanged = await t
      .http()
      .post('/v1/auth/token')
      .type('form')
      .send({
        grant_type: GRANT,
        subject_token: await issuer.mint({ sub: `repo:${repo}:ref:refs/heads/main`, repository: repo }, { now }),
        subject_token_type: JWT_TYPE,
      })
      .expect(200);
    const session = exchanged.body.access_token as string;
    await members(ws.id, session).expect(200);
    await resets(victimEmail);
    // The rule is deleted (R15A-S2), but the admin session it handed the squatter keeps working for up to
    // an hour, while every other credential the squatter held is dead.
    expect((await members(ws.id, session)).status).toBe(401);
  });

  it(
    'R16A-S3: the reset of a member’s account that predates verification does not disable the webhooks and ' +
      'API users of a colleague’s workspace it merely belongs to',
    async () => {
      // A colleague's workspace, with a webhook endpoint and an API user made by an API user.
      const ws = await newWorkspace(t);
      const ownersBot = await ws.apiUser({ roles: ['admin'] });
      const nested = await ws.apiUser({ roles: ['viewer'], by: ownersBot.token });
      const hook = await t
        .http()
        .post(`/v1/workspaces/${ws.id}/webhooks`)
        .set(bearer(ws.owner.personalToken))
        .send({ url: 'https://hooks.example.com/owner', events: ['device.created'] })
        .expect(201);
      // A viewer who joined before verification existed (accepting then needed none), and rows made before
      // makers were recorded: what the migrations left (MailedLinks "Accounts already here keep
      // email_verified_at NULL"; MadeBy "Rows made before this say nothing").
      const legacy = await ws.member('viewer');
      await t.dataSource.query(`UPDATE users SET email_verified_at = NULL WHERE id = $1`, [legacy.id]);
      await t.dataSource.query(`UPDATE webhook_endpoints SET created_by_user_id = NULL, created_by_api_user_id = NULL WHERE id = $1`, [
        hook.body.endpoint.id,
      ]);
      await t.dataSource.query(`UPDATE api_users SET created_by_user_id = NULL, created_by_api_user_id = NULL WHERE id = $1`, [nested.id]);
      // The viewer forgets the password and resets it.
      await resets(legacy.email);
      const endpoint = await t
        .http()
        .get(`/v1/workspaces/${ws.id}/webhooks/${hook.body.endpoint.id}`)
        .set(bearer(ws.owner.personalToken))
        .expect(200);
      expect({ webhookEnabled: endpoint.body.enabled, nestedApiUser: (await members(ws.id, nested.token)).status }).toEqual({
        webhookEnabled: true,
        nestedApiUser: 200,
      });
    },
  );

  it('R16A-S4: the secret a colleague rotated out of a token the squatter once issued is the colleague’s, and survives the reset', async () => {
    const { victimEmail, squatter, ws, colleague, colleaguesBot } = await squattedWorkspace();
    // Back when the squatter seemed the owner, it issued the integration's token ...
    const issued = await t
      .http()
      .post(`/v1/workspaces/${ws.id}/api-users/${colleaguesBot.id}/tokens`)
      .set(bearer(squatter.personalToken))
      .send({ name: 'integration' })
      .expect(201);
    // ... which the colleague rotates, with an hour of grace for the deployment to pick up the new secret.
    const rotated = await t
      .http()
      .post(`/v1/workspaces/${ws.id}/api-users/${colleaguesBot.id}/tokens/${issued.body.id}/rotate`)
      .set(bearer(colleague.personalToken))
      .send({ graceSeconds: 3600 })
      .expect(200);
    await resets(victimEmail);
    expect({
      squattersSecret: (await members(ws.id, issued.body.secret)).status,
      colleaguesNewSecret: (await members(ws.id, rotated.body.secret)).status,
    }).toEqual({ squattersSecret: 401, colleaguesNewSecret: 200 });
  });

  it('held: through GraphQL, the API user, token, webhook and rotation the squatter makes are recorded and ended', async () => {
    const { victimEmail, squatter, ws, colleague, colleaguesBot } = await squattedWorkspace();
    const made = await gql(
      t,
      squatter.personalToken,
      `mutation($w: ID!, $roles: [ID!]!) {
         createApiUser(workspaceId: $w, input: { name: "gql-bot", roleIds: $roles, deviceAccess: { mode: "all" } }) { token { secret } }
       }`,
      { w: ws.id, roles: [ws.roles.admin] },
    );
    expect(made.errors).toBeUndefined();
    const botSecret = (made.data as { createApiUser: { token: { secret: string } } }).createApiUser.token.secret;
    const issued = await gql(
      t,
      squatter.personalToken,
      `mutation($w: ID!, $a: ID!) { createApiUserToken(workspaceId: $w, apiUserId: $a, input: { name: "x" }) { secret } }`,
      { w: ws.id, a: colleaguesBot.id },
    );
    expect(issued.errors).toBeUndefined();
    const rotated = await gql(
      t,
      squatter.personalToken,
      `mutation($w: ID!, $a: ID!, $id: ID!) { rotateApiUserToken(workspaceId: $w, apiUserId: $a, tokenId: $id, input: { graceSeconds: 3600 }) { secret } }`,
      { w: ws.id, a: colleaguesBot.id, id: colleaguesBot.tokenId },
    );
    expect(rotated.errors).toBeUndefined();
    const hook = await gql(
      t,
      squatter.personalToken,
      `mutation($w: ID!) { createWebhook(workspaceId: $w, input: { url: "https://hooks.example.com/gql", events: ["device.created"] }) { endpoint { id } } }`,
      { w: ws.id },
    );
    expect(hook.errors).toBeUndefined();
    const hookId = (hook.data as { createWebhook: { endpoint: { id: string } } }).createWebhook.endpoint.id;
    await resets(victimEmail);
    const endpoint = await t.http().get(`/v1/workspaces/${ws.id}/webhooks/${hookId}`).set(bearer(colleague.personalToken)).expect(200);
    expect(endpoint.body.enabled).toBe(false);
    const secretOf = (r: typeof issued, field: string) => (r.data as Record<string, { secret: string }>)[field].secret;
    expect({
      bot: (await members(ws.id, botSecret)).status,
      issued: (await members(ws.id, secretOf(issued, 'createApiUserToken'))).status,
      rotated: (await members(ws.id, secretOf(rotated, 'rotateApiUserToken'))).status,
    }).toEqual({ bot: 401, issued: 401, rotated: 401 });
  });

  it('held: a session exchanged from the token the squatter issued dies with it', async () => {
    const { victimEmail, squatter, ws, colleaguesBot } = await squattedWorkspace();
    const issued = await t
      .http()
      .post(`/v1/workspaces/${ws.id}/api-users/${colleaguesBot.id}/tokens`)
      .set(bearer(squatter.personalToken))
      .send({ name: 'x' })
      .expect(201);
    const session = await t.http().post('/v1/auth/token').set(bearer(issued.body.secret)).send({ expiresInSeconds: 3600 }).expect(200);
    await resets(victimEmail);
    await members(ws.id, session.body.token.secret).expect(401);
    // The colleague's own token is untouched.
    await members(ws.id, colleaguesBot.token).expect(200);
  });
});

// --- 2. assertCanGrantTo: taking away is not a grant -----------------------------------------------------

describe('review 16a: a network-bound token still narrows what it may take away', () => {
  it('R16A-N1: a network-bound admin API user may narrow a member’s roles and devices (it may remove the member outright)', async () => {
    const { ws, bot } = await limitedAdminBot(t);
    const member = await ws.member('member');
    const roles = await inside('patch', `/v1/workspaces/${ws.id}/members/${member.id}`, bot.token).send({ roleIds: [ws.roles.viewer] });
    const devices = await inside('patch', `/v1/workspaces/${ws.id}/members/${member.id}`, bot.token).send({
      deviceAccess: { mode: 'selected', deviceIds: [] },
    });
    // "Taking away (removing, revoking) is not a grant" (assertCanGrantTo); a role's narrowing passes.
    expect({ roles: roles.status, devices: devices.status }).toEqual({ roles: 200, devices: 200 });
  });

  it('R16A-N2: a network-bound admin API user may narrow a team’s grant and an unbound API user’s roles', async () => {
    const { ws, bot } = await limitedAdminBot(t);
    const team = await t
      .http()
      .post(`/v1/workspaces/${ws.id}/teams`)
      .set(bearer(ws.owner.personalToken))
      .send({ name: 'Ops', roleIds: [ws.roles.member], deviceAccess: { mode: 'all' } })
      .expect(201);
    const unbound = await ws.apiUser({ roles: ['member'] });
    const teamNarrowed = await inside('patch', `/v1/workspaces/${ws.id}/teams/${team.body.id}`, bot.token).send({ roleIds: [] });
    const botNarrowed = await inside('patch', `/v1/workspaces/${ws.id}/api-users/${unbound.id}`, bot.token).send({
      roleIds: [ws.roles.viewer],
    });
    expect({ team: teamNarrowed.status, apiUser: botNarrowed.status }).toEqual({ team: 200, apiUser: 200 });
  });

  it('held: a network-bound admin API user sends no invitation through GraphQL either', async () => {
    const { ws, bot } = await limitedAdminBot(t);
    const res = await t
      .http()
      .post('/graphql')
      .set('X-Forwarded-For', INSIDE)
      .set(bearer(bot.token))
      .send({
        query: `mutation($w: ID!, $e: String!, $r: [String!]!) {
          createInvitation(workspaceId: $w, input: { email: $e, roleIds: $r, deviceAccess: { mode: "all" } }) { secret } }`,
        variables: { w: ws.id, e: uniqueEmail('accomplice'), r: [ws.roles.admin] },
      });
    expect(res.body.data?.createInvitation ?? null).toBeNull();
  });
});

// --- 4. policyLoosens ------------------------------------------------------------------------------------

describe('review 16a: loosening the token policy', () => {
  it('held: GraphQL setTokenPolicy by a 10-minute session is refused, with maxLifetimeDays null, larger or left out', async () => {
    const ws = await newWorkspace(t);
    await t
      .http()
      .put(`/v1/workspaces/${ws.id}/token-policy`)
      .set(bearer(ws.owner.personalToken))
      .send({ maxLifetimeDays: 30, allowPersonalTokens: true })
      .expect(200);
    const named = await createNamedToken(t, await login(t, ws.owner.email), { scopes: ['*'], expiresInDays: 1 });
    const session = await t.http().post('/v1/auth/token').set(bearer(named.secret)).send({ expiresInSeconds: 600 }).expect(200);
    const secret = session.body.token.secret as string;
    await t.http().get(`/v1/workspaces/${ws.id}/token-policy`).set(bearer(secret)).expect(200);
    const answers: unknown[] = [];
    for (const input of [
      '{ maxLifetimeDays: null, allowPersonalTokens: true }',
      '{ allowPersonalTokens: true }',
      '{ maxLifetimeDays: 60, allowPersonalTokens: true }',
    ]) {
      const res = await gql(t, secret, `mutation($w: ID!) { setTokenPolicy(workspaceId: $w, input: ${input}) { maxLifetimeDays } }`, {
        w: ws.id,
      });
      answers.push(res.data?.setTokenPolicy ?? null);
    }
    expect(answers).toEqual([null, null, null]);
    const policy = await t.http().get(`/v1/workspaces/${ws.id}/token-policy`).set(bearer(secret)).expect(200);
    expect(policy.body.maxLifetimeDays).toBe(30);
  });
});

// --- 1. MembershipEnd ------------------------------------------------------------------------------------

describe('review 16a: what ends with a membership', () => {
  it('held: a restricted token in its rotation grace and its exchanged session end with the removal; another member’s and another workspace’s do not', async () => {
    const ws = await newWorkspace(t);
    const other = await newWorkspace(t);
    const member = await ws.member('admin');
    await other.member('viewer', { user: member });
    const bystander = await ws.member('viewer');
    const only = await createNamedToken(t, member.personalToken, { scopes: ['*'], workspaceIds: [ws.id] });
    const rotated = await t
      .http()
      .post(`/v1/me/tokens/${only.id}/rotate`)
      .set(bearer(member.personalToken))
      .send({ graceSeconds: 3600 })
      .expect(200);
    const session = await t.http().post('/v1/auth/token').set(bearer(only.secret)).send({}).expect(200);
    const both = await createNamedToken(t, member.personalToken, { scopes: ['*'], workspaceIds: [ws.id, other.id] });
    const bystanders = await createNamedToken(t, bystander.personalToken, { scopes: ['*'], workspaceIds: [ws.id] });
    await t.http().delete(`/v1/workspaces/${ws.id}/members/${member.id}`).set(bearer(ws.owner.personalToken)).expect(204);
    await ws.member('admin', { user: member });
    expect({
      oldInGrace: (await members(ws.id, only.secret)).status,
      rotated: (await members(ws.id, rotated.body.secret)).status,
      session: (await members(ws.id, session.body.token.secret)).status,
      bothHere: (await members(ws.id, both.secret)).status,
      bothThere: (await members(other.id, both.secret)).status,
      bystander: (await members(ws.id, bystanders.secret)).status,
    }).toEqual({ oldInGrace: 401, rotated: 401, session: 401, bothHere: 401, bothThere: 200, bystander: 200 });
  });

  it('held: leaving twice at once answers one 204 and no 500', async () => {
    const ws = await newWorkspace(t);
    const member = await ws.member('viewer');
    const [a, b] = await Promise.all([
      t.http().post(`/v1/workspaces/${ws.id}/leave`).set(bearer(member.personalToken)),
      t.http().post(`/v1/workspaces/${ws.id}/leave`).set(bearer(member.personalToken)),
    ]);
    expect([a.status, b.status].sort()).toEqual([204, 404]);
  });
});

// --- 3. the last active owner ----------------------------------------------------------------------------

describe('review 16a: the last active owner under concurrency', () => {
  it('held: an owner leaving while a platform admin deactivates the co-owner answers no 500 and no deadlock', async () => {
    const existing = await t.dataSource.query(`SELECT id FROM users WHERE email = $1`, [ADMIN_EMAIL]);
    if (existing.length === 0) await markEmailVerified(t, (await registerUser(t, ADMIN_EMAIL)).id);
    const admin = await login(t, ADMIN_EMAIL);
    for (let round = 0; round < 4; round++) {
      const ws = await newWorkspace(t);
      const co = await ws.member('owner');
      const [left, deactivated] = await Promise.all([
        t.http().post(`/v1/workspaces/${ws.id}/leave`).set(bearer(ws.owner.personalToken)),
        t.http().post(`/v1/admin/users/${co.id}/deactivate`).set(bearer(admin)),
      ]);
      expect(deactivated.status).toBe(200);
      expect([204, 409]).toContain(left.status);
      if (left.status === 409) expectProblem(left, 409, 'last_owner');
    }
  });
});
