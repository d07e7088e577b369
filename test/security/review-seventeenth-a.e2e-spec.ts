// Review 17a: attacks on the fixes of 4e4e4b3..a754ce6 (a squatted account's reset followed by token to a
// fixed point, grantWidens, GraphQL per-parent prices and the 200-role cap, PATCH /v1/me's row lock).
// Tests named "R17A-…" fail on a754ce6 because of the finding they name and pass once it is fixed; tests
// named "held: …" passed on a754ce6 and guard against regressions.
import { performance } from 'node:perf_hooks';
import { OutboxWorker } from '../../src/outbox/outbox-worker';
import { gql } from '../graphql/gql';
import { acceptAsVerified, bearer, expectProblem, login, markEmailVerified, PASSWORD, registerUser, uniqueEmail } from '../support/api';
import { newWorkspace } from '../support/fixtures';
import { MailCatcher, resetByMail } from '../support/mail-catcher';
import { INSIDE, limitedAdminBot } from '../support/network-limited';
import { squattedWorkspace as squatted } from '../support/squatted';
import { startTestApp, TestApp } from '../support/test-app';
import { WEBHOOK_TEST_ENV } from '../support/webhook-receiver';

let t: TestApp;
let smtp: MailCatcher;

beforeAll(async () => {
  smtp = await MailCatcher.start();
  t = await startTestApp({
    ...WEBHOOK_TEST_ENV,
    LATCHKEY_SMTP_URL: smtp.url,
    LATCHKEY_MAIL_FROM: 'Latchkey <no-reply@latchkey.example>',
    LATCHKEY_PUBLIC_URL: 'https://latchkey.example/console',
    // The test client is the one proxy in front: X-Forwarded-For names the client (network-limited.ts).
    LATCHKEY_TRUST_PROXY: '1',
  });
}, 60_000);

afterAll(async () => {
  await t?.close();
  await smtp?.stop();
});

/** The real owner of the address takes the account back through the mailed reset link. */
const resets = (email: string) => resetByMail(t, smtp, email);

/** The squatter's workspace, a verified colleague (admin) in it with an admin API user of their own. */

const squattedWorkspace = () => squatted(t);

/** A token for the colleague's API user, issued with `by`'s secret: its secret and id. */
async function issueFor(wid: string, apiUserId: string, by: string, name = 'looks like the colleague’s') {
  const res = await t.http().post(`/v1/workspaces/${wid}/api-users/${apiUserId}/tokens`).set(bearer(by)).send({ name }).expect(201);
  return { secret: res.body.secret as string, id: res.body.id as string };
}

const members = (wid: string, secret: string) => t.http().get(`/v1/workspaces/${wid}/members`).set(bearer(secret));

/** From an address inside the limited bot's networks. */
function inside(method: 'patch' | 'put' | 'post' | 'delete', path: string, secret: string) {
  return t.http()[method](path).set('X-Forwarded-For', INSIDE).set(bearer(secret));
}

// --- 1. what a reset of a squatted account ends ---------------------------------------------------------

describe('review 17a: a reset that takes a squatted address back', () => {
  it(
    'R17A-S1: an invitation sent with the lka_ secret the squatter issued for a colleague’s API user is revoked by the ' +
      'reset (it is not accepted afterwards by the squatter’s other account)',
    async () => {
      const { victimEmail, squatter, ws, colleaguesBot } = await squattedWorkspace();
      const issued = await issueFor(ws.id, colleaguesBot.id, squatter.personalToken);
      // The squatter's second, verified account at its own address, invited with the colleague's API user's
      // secret: the invitation is recorded as sent by the colleague's API user.
      const accomplice = await registerUser(t, uniqueEmail('accomplice'), 'Accomplice');
      await markEmailVerified(t, accomplice.id);
      const invitation = await t
        .http()
        .post(`/v1/workspaces/${ws.id}/invitations`)
        .set(bearer(issued.secret))
        .send({ email: accomplice.email, roleIds: [ws.roles.admin], deviceAccess: { mode: 'all' } })
        .expect(201);
      await resets(victimEmail);
      // Every other credential the squatter held is dead ...
      expect((await members(ws.id, issued.secret)).status).toBe(401);
      // ... but the invitation it sent with one of them is still pending, and lets it back in as admin.
      const accepted = await acceptAsVerified(t, accomplice.personalToken, { token: invitation.body.secret });
      expect(accepted.status).not.toBe(200);
      expect((await members(ws.id, accomplice.personalToken)).status).toBe(404);
    },
  );

  it(
    'R17A-S2: a colleague’s webhook endpoint the squatter pointed at its own receiver does not keep delivering the ' +
      'workspace’s events to it after the reset',
    async () => {
      const { victimEmail, squatter, ws, colleague } = await squattedWorkspace();
      const made = await t
        .http()
        .post(`/v1/workspaces/${ws.id}/webhooks`)
        .set(bearer(colleague.personalToken))
        .send({ url: 'https://hooks.example.com/colleague', events: ['member.added', 'device.created'] })
        .expect(201);
      const endpointId = made.body.endpoint.id as string;
      // The squatter re-points the colleague's endpoint (and takes its signing secret).
      await t
        .http()
        .patch(`/v1/workspaces/${ws.id}/webhooks/${endpointId}`)
        .set(bearer(squatter.personalToken))
        .send({ url: 'https://collector.example.net/squatter' })
        .expect(200);
      await t
        .http()
        .post(`/v1/workspaces/${ws.id}/webhooks/${endpointId}/rotate-secret`)
        .set(bearer(squatter.personalToken))
        .send({})
        .expect(200);
      await resets(victimEmail);
      const after = await t.http().get(`/v1/workspaces/${ws.id}/webhooks/${endpointId}`).set(bearer(colleague.personalToken)).expect(200);
      // Still enabled, still the squatter's address: every later event of the workspace goes to it.
      expect({ url: after.body.url, enabled: after.body.enabled }).not.toEqual({
        url: 'https://collector.example.net/squatter',
        enabled: true,
      });
    },
  );
});

/** Statements the app sent while `run` ran, and how long it took. */
async function counted<T>(run: () => Promise<T>): Promise<{ result: T; statements: number; ms: number }> {
  const before = t.queries.total;
  const started = performance.now();
  const result = await run();
  return { result, statements: t.queries.total - before, ms: Math.round(performance.now() - started) };
}

describe('review 17a: the reach of a squatted account, to a fixed point', () => {
  // R17A-R1: reachOf runs three statements per round, each with every id found so far, and a round finds
  // one more link of a chain: a chain of N tokens, each made with the one before (one POST each, with the
  // previous secret), costs the real owner's reset about 3N statements and O(N²) ids sent. Measured on
  // a754ce6: 100 links made through the API, 356 statements (458 on PostgreSQL); 300 (made in SQL), 954 statements, 1.9 s; 3,000: 9,055
  // statements in 59 s on the embedded database (whose one connection the whole service waits on) and
  // 12,060 in 36 s on PostgreSQL, in one transaction holding the account's row.
  it('R17A-R1: a chain of tokens each made with the one before does not cost the reset a round of statements per link', async () => {
    const { victimEmail, squatter, ws, colleaguesBot } = await squattedWorkspace();
    let previous = await issueFor(ws.id, colleaguesBot.id, squatter.personalToken);
    const links = 100;
    for (let i = 0; i < links; i++) previous = await issueFor(ws.id, colleaguesBot.id, previous.secret, `link ${i}`);
    const { statements, ms } = await counted(() => resets(victimEmail));
    // Every link ends (the fixed point is reached) ...
    expect((await members(ws.id, previous.secret)).status).toBe(401);
    // ... in a number of statements that does not grow with the chain (a recursive query, say).
    expect({ links, statements, ms }).toEqual({ links, statements: Math.min(statements, 100), ms });
  }, 120_000);

  it('held: the reset ends the whole chain, and the token the colleague issued for its own API user stays', async () => {
    const { victimEmail, squatter, ws, colleague, colleaguesBot } = await squattedWorkspace();
    const a = await issueFor(ws.id, colleaguesBot.id, squatter.personalToken);
    const b = await issueFor(ws.id, colleaguesBot.id, a.secret);
    const c = await issueFor(ws.id, colleaguesBot.id, b.secret);
    const ours = await issueFor(ws.id, colleaguesBot.id, colleague.personalToken, 'the colleague’s own');
    await resets(victimEmail);
    expect(await Promise.all([a, b, c, ours].map(async (x) => (await members(ws.id, x.secret)).status))).toEqual([401, 401, 401, 200]);
  });
});

// --- 2. grantWidens ---------------------------------------------------------------------------------------

describe('review 17a: a network-bound token gives nobody more than it holds', () => {
  // R17A-N1: grantWidens judges a member's new direct roles against everything the member holds, its
  // teams' grants included. A network-bound admin API user (refused when it promotes a viewer: R15A-N1)
  // promotes a viewer who is, for now, in a team the owner made that gives admin: "not wider". The team
  // is then taken apart (or the member taken out of it) and the member stays admin, from any network: a
  // grant only the owner's team gave, made permanent by a token that grants nothing to members.
  it('R17A-N1: a member’s admin rights held through a team are not copied into its own roles by a network-bound token', async () => {
    const { ws, bot } = await limitedAdminBot(t);
    const member = await ws.member('viewer');
    const team = await t
      .http()
      .post(`/v1/workspaces/${ws.id}/teams`)
      .set(bearer(ws.owner.personalToken))
      .send({ name: 'On call this week', roleIds: [ws.roles.admin], deviceAccess: { mode: 'all' } })
      .expect(201);
    const teamPath = `/v1/workspaces/${ws.id}/teams/${team.body.id}`;
    await t.http().put(`${teamPath}/members/${member.id}`).set(bearer(ws.owner.personalToken)).expect(200);
    const promoted = await inside('patch', `/v1/workspaces/${ws.id}/members/${member.id}`, bot.token).send({
      roleIds: [ws.roles.admin],
    });
    // The week is over: the owner takes the member out of the team.
    await t.http().delete(`${teamPath}/members/${member.id}`).set(bearer(ws.owner.personalToken)).expect(204);
    const roles = await t.http().get(`/v1/workspaces/${ws.id}/members/${member.id}`).set(bearer(ws.owner.personalToken)).expect(200);
    expect({
      promoted: promoted.status,
      roleIds: roles.body.roles.map((r: { id: string }) => r.id),
    }).toEqual({ promoted: 403, roleIds: [ws.roles.viewer] });
  });

  it('held: a network-bound admin API user neither widens an unbound API user’s devices while narrowing its roles, nor puts it in a wider team', async () => {
    const { ws, bot } = await limitedAdminBot(t);
    const d1 = (await ws.device()).id;
    const unbound = await ws.apiUser({ roles: ['member'], devices: [d1] });
    expectProblem(
      await inside('patch', `/v1/workspaces/${ws.id}/api-users/${unbound.id}`, bot.token).send({
        roleIds: [ws.roles.viewer],
        deviceAccess: { mode: 'all' },
      }),
      403,
      'forbidden',
    );
    const team = await t
      .http()
      .post(`/v1/workspaces/${ws.id}/teams`)
      .set(bearer(ws.owner.personalToken))
      .send({ name: 'All devices', roleIds: [ws.roles.viewer], deviceAccess: { mode: 'all' } })
      .expect(201);
    expectProblem(
      await inside('put', `/v1/workspaces/${ws.id}/teams/${team.body.id}/api-users/${unbound.id}`, bot.token),
      403,
      'forbidden',
    );
  });
});

// --- 3. the 200-role cap ------------------------------------------------------------------------------------

describe('review 17a: a workspace holds at most 200 roles', () => {
  it('held: REST and GraphQL creations at once past the cap leave exactly 200 roles', async () => {
    const ws = await newWorkspace(t);
    await t.dataSource.query(
      `INSERT INTO roles (id, workspace_id, name, description, permissions, built_in, created_at, updated_at)
       SELECT gen_random_uuid(), $1, 'filler-' || i, NULL, '{devices:read}', NULL, now(), now() FROM generate_series(1, 190) i`,
      [ws.id],
    );
    const rest = (i: number) =>
      t
        .http()
        .post(`/v1/workspaces/${ws.id}/roles`)
        .set(bearer(ws.owner.personalToken))
        .send({ name: `rest-${i}`, permissions: ['devices:read'] });
    const graphql = (i: number) =>
      gql(
        t,
        ws.owner.personalToken,
        `mutation($w: ID!, $n: String!) { createRole(workspaceId: $w, input: { name: $n, permissions: ["devices:read"] }) { id } }`,
        {
          w: ws.id,
          n: `gql-${i}`,
        },
      );
    await Promise.all([...Array.from({ length: 10 }, (_, i) => rest(i)), ...Array.from({ length: 10 }, (_, i) => graphql(i))]);
    const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM roles WHERE workspace_id = $1`, [ws.id]);
    expect(n).toBe(200);
    expectProblem(await rest(99), 409, 'conflict');
  });
});

// --- 4. PATCH /v1/me under its row lock ---------------------------------------------------------------------

describe('review 17a: PATCH /v1/me and the account’s row', () => {
  it('held: strangers asking for resets and failing sign-ins do not make the owner’s change answer 409', async () => {
    const owner = await registerUser(t, uniqueEmail('owner'));
    await markEmailVerified(t, owner.id);
    const noise = Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        i % 2
          ? t.http().post('/v1/auth/password-reset').send({ email: owner.email })
          : t.http().post('/v1/auth/login').send({ email: owner.email, password: 'wrong guess' }),
      ),
    );
    const changes = Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        t
          .http()
          .patch('/v1/me')
          .set(bearer(owner.personalToken))
          .send({ name: `Owner ${i}` }),
      ),
    );
    await t.app.get(OutboxWorker).drainDue();
    const [, answers] = await Promise.all([noise, changes]);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
  });

  it('held: a password change and a reset confirmed at once end in one order, no 500 and no deadlock', async () => {
    const email = uniqueEmail('racer');
    const user = await registerUser(t, email);
    await t.http().post('/v1/auth/password-reset').send({ email }).expect(202);
    await t.app.get(OutboxWorker).drainDue();
    const link = smtp.last(email);
    const session = await login(t, email);
    const [change, reset] = await Promise.all([
      t.http().patch('/v1/me').set(bearer(session)).send({ password: 'a brand new passphrase', currentPassword: PASSWORD }),
      t.http().post('/v1/auth/password-reset/confirm').send({ token: link.secret, newPassword: 'the real owner passphrase' }),
    ]);
    expect([change.status, reset.status].every((s) => s < 500)).toBe(true);
    expect(user.id).toBeTruthy();
  });
});
