// Review 18a: attacks on the fixes of faf6c5e..1fd68d9 (the squatted account's reach in one recursive
// statement, Invalidation.publishAll, webhook endpoints' makers, grantWidens against the grantee's own
// grant, invitations' inviter token). Tests named "R18A-…" fail on 9c77623 because of the finding they
// name and pass once it is fixed; tests named "held: …" passed on 9c77623 and guard against regressions.
import { performance } from 'node:perf_hooks';
import { OutboxWorker } from '../../src/outbox/outbox-worker';
import { bearer, expectProblem, registerUser, uniqueEmail } from '../support/api';
import { newWorkspace } from '../support/fixtures';
import { MailCatcher, mailEnv, resetByMail } from '../support/mail-catcher';
import { INSIDE, limitedAdminBot } from '../support/network-limited';
import { startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase, serverUrl, TestDatabase } from '../support/test-database';
import { WEBHOOK_TEST_ENV } from '../support/webhook-receiver';

let t: TestApp;
let smtp: MailCatcher;

beforeAll(async () => {
  smtp = await MailCatcher.start();
  t = await startTestApp({
    ...WEBHOOK_TEST_ENV,
    ...mailEnv(smtp),
    // The test client is the one proxy in front: X-Forwarded-For names the client (network-limited.ts).
    LATCHKEY_TRUST_PROXY: '1',
  });
}, 60_000);

afterAll(async () => {
  await t?.close();
  await smtp?.stop();
});

/** The squatter's workspace, a verified colleague (admin) in it with an admin API user of their own. */
async function squattedWorkspace(app: TestApp = t) {
  const victimEmail = uniqueEmail('victim');
  const squatter = await registerUser(app, victimEmail, 'Squatter');
  const ws = await newWorkspace(app, squatter, 'Victim Corp');
  const colleague = await ws.member('admin');
  const colleaguesBot = await ws.apiUser({ roles: ['admin'], by: colleague.personalToken });
  return { victimEmail, squatter, ws, colleague, colleaguesBot };
}

/** A token for an API user, issued with `by`'s secret: its secret and id. */
async function issueFor(wid: string, apiUserId: string, by: string, name = 'looks like the colleague’s', app: TestApp = t) {
  const res = await app.http().post(`/v1/workspaces/${wid}/api-users/${apiUserId}/tokens`).set(bearer(by)).send({ name }).expect(201);
  return { secret: res.body.secret as string, id: res.body.id as string };
}

/** An API user made with `by`'s secret: its id and first token. */
async function apiUserBy(wid: string, by: string, roleId: string, name: string) {
  const res = await t
    .http()
    .post(`/v1/workspaces/${wid}/api-users`)
    .set(bearer(by))
    .send({ name, roleIds: [roleId], deviceAccess: { mode: 'all' } })
    .expect(201);
  return { id: res.body.apiUser.id as string, token: res.body.token.secret as string };
}

const members = (wid: string, secret: string, app: TestApp = t) => app.http().get(`/v1/workspaces/${wid}/members`).set(bearer(secret));

/** From an address inside the limited bot's networks. */
function inside(method: 'patch' | 'put' | 'post' | 'delete', path: string, secret: string) {
  return t.http()[method](path).set('X-Forwarded-For', INSIDE).set(bearer(secret));
}

// --- 1. what the reset reaches ---------------------------------------------------------------------------

describe('review 18a: the reach of a squatted account', () => {
  // R18A-S1: the reach follows recorded makers by token id, and deleting an API user deletes its tokens
  // (ON DELETE CASCADE): what the API user's token made then names a maker token that no longer exists, and
  // the recursive statement cannot reach it. The squatter makes an admin API user B, uses B's token to
  // issue a secret for the colleague's API user (or to make another API user C), and deletes B: the
  // laundered secret (and C with its tokens) outlive the real owner's reset.
  it('R18A-S1a: a secret issued for a colleague’s API user with the token of an API user the squatter made, then deleted, ends with the reset', async () => {
    const { victimEmail, squatter, ws, colleaguesBot } = await squattedWorkspace();
    const b = await apiUserBy(ws.id, squatter.personalToken, ws.roles.admin, 'temporary helper');
    const laundered = await issueFor(ws.id, colleaguesBot.id, b.token, 'ci deploy key');
    await t.http().delete(`/v1/workspaces/${ws.id}/api-users/${b.id}`).set(bearer(squatter.personalToken)).expect(204);
    await resetByMail(t, smtp, victimEmail);
    // The squatter still holds a working admin secret of the colleague's API user.
    expect((await members(ws.id, laundered.secret)).status).toBe(401);
  });

  it('R18A-S1b: an API user made by an API user the squatter made, then deleted, is disabled by the reset', async () => {
    const { victimEmail, squatter, ws } = await squattedWorkspace();
    const b = await apiUserBy(ws.id, squatter.personalToken, ws.roles.admin, 'temporary helper');
    const c = await apiUserBy(ws.id, b.token, ws.roles.admin, 'integration');
    await t.http().delete(`/v1/workspaces/${ws.id}/api-users/${b.id}`).set(bearer(squatter.personalToken)).expect(204);
    await resetByMail(t, smtp, victimEmail);
    expect((await members(ws.id, c.token)).status).toBe(401);
  });

  it('held: the colleague’s API user is not reached because the squatter used a secret it issued for it (sessions, trust-rule-free)', async () => {
    const { victimEmail, squatter, ws, colleague, colleaguesBot } = await squattedWorkspace();
    const issued = await issueFor(ws.id, colleaguesBot.id, squatter.personalToken);
    const session = await t.http().post('/v1/auth/token').set(bearer(issued.secret)).send({}).expect(200);
    const ours = await issueFor(ws.id, colleaguesBot.id, colleague.personalToken, 'the colleague’s own');
    const oursSession = await t.http().post('/v1/auth/token').set(bearer(ours.secret)).send({}).expect(200);
    await resetByMail(t, smtp, victimEmail);
    const status = async (secret: string) => (await members(ws.id, secret)).status;
    expect({
      issued: await status(issued.secret),
      session: await status(session.body.token.secret),
      first: await status(colleaguesBot.token),
      ours: await status(ours.secret),
      oursSession: await status(oursSession.body.token.secret),
    }).toEqual({ issued: 401, session: 401, first: 200, ours: 200, oursSession: 200 });
    const [{ status: botStatus }] = await t.dataSource.query(`SELECT status FROM api_users WHERE id = $1`, [colleaguesBot.id]);
    expect(botStatus).toBe('active');
  });

  it('held: a cycle of makers (written in SQL) ends, and a squatter’s API user with 3,000 tokens is held by being disabled', async () => {
    const { victimEmail, squatter, ws, colleaguesBot } = await squattedWorkspace();
    const b = await apiUserBy(ws.id, squatter.personalToken, ws.roles.admin, 'squatter bot');
    await t.dataSource.query(
      `INSERT INTO tokens (id, kind, api_user_id, name, token_hash, hint, scopes, blocked_workspace_ids, created_at)
       SELECT gen_random_uuid(), 'api_user', $1, 'bulk', md5(random()::text || n), 'lka_bulk…', '{*}', '{}', now() FROM generate_series(1, 3000) n`,
      [b.id],
    );
    const x = await issueFor(ws.id, colleaguesBot.id, squatter.personalToken);
    const y = await issueFor(ws.id, colleaguesBot.id, x.secret);
    // A cycle: y made with x, and x recorded as exchanged from y (no route makes one; the statement must still end).
    await t.dataSource.query(`UPDATE tokens SET parent_id = $2 WHERE id = $1`, [x.id, y.id]);
    const started = performance.now();
    await resetByMail(t, smtp, victimEmail);
    const ms = performance.now() - started;
    const [{ revoked }] = await t.dataSource.query(
      `SELECT count(*)::int AS revoked FROM tokens WHERE api_user_id = $1 AND revoked_at IS NOT NULL`,
      [b.id],
    );
    expect({
      fast: ms < 15_000,
      revokedOfB: revoked,
      b: (await members(ws.id, b.token)).status,
      x: (await members(ws.id, x.secret)).status,
      y: (await members(ws.id, y.secret)).status,
      colleaguesFirst: (await members(ws.id, colleaguesBot.token)).status,
    }).toEqual({ fast: true, revokedOfB: 0, b: 401, x: 401, y: 401, colleaguesFirst: 200 });
  }, 120_000);

  it('held: a squatter with 10,000 sessions is reset in seconds', async () => {
    const { victimEmail, squatter, ws } = await squattedWorkspace();
    await t.dataSource.query(
      `INSERT INTO tokens (id, kind, user_id, token_hash, hint, scopes, blocked_workspace_ids, created_at, expires_at)
       SELECT gen_random_uuid(), 'session', $1, md5(random()::text || n), 'lks_bulk…', '{*}', '{}', now(), now() + interval '12 hours'
         FROM generate_series(1, 10000) n`,
      [squatter.id],
    );
    const started = performance.now();
    await resetByMail(t, smtp, victimEmail);
    const ms = Math.round(performance.now() - started);
    const [{ live }] = await t.dataSource.query(`SELECT count(*)::int AS live FROM tokens WHERE user_id = $1 AND revoked_at IS NULL`, [
      squatter.id,
    ]);
    expect({ live, fast: ms < 15_000 }).toEqual({ live: 0, fast: true });
    expect((await members(ws.id, squatter.personalToken)).status).toBe(401);
  }, 120_000);

  // R18A-R1: publishAll adds a transaction's events to those it already holds with `pending.push(...events)`:
  // one argument per event on the stack. Past about 120,000 (V8's limit on a call's arguments) it throws
  // RangeError, the reset's transaction rolls back, and the real owner cannot take the account back. The
  // squatter needs only that many sessions exchanged from a secret it issued for a colleague's API user
  // (POST /v1/auth/token, unlimited by default: LATCHKEY_RATE_LIMIT_PER_TOKEN is 120,000 a minute); they
  // are reached, and each revoked is one event after the reset already published its 'user' event.
  it('R18A-R1: 150,000 sessions exchanged from a secret the squatter issued do not make the real owner’s reset fail', async () => {
    const { victimEmail, squatter, ws, colleaguesBot } = await squattedWorkspace();
    const issued = await issueFor(ws.id, colleaguesBot.id, squatter.personalToken);
    await t.http().post('/v1/auth/token').set(bearer(issued.secret)).send({}).expect(200);
    // The exchanges, made in SQL as the route makes them (copies of the one above).
    await t.dataSource.query(
      `INSERT INTO tokens (id, kind, user_id, api_user_id, name, token_hash, hint, scopes, workspace_ids, blocked_workspace_ids, parent_id,
                           created_at, expires_at)
       SELECT gen_random_uuid(), s.kind, s.user_id, s.api_user_id, s.name, md5(random()::text || n), s.hint, s.scopes, s.workspace_ids,
              s.blocked_workspace_ids, s.parent_id, s.created_at, s.expires_at
         FROM tokens s CROSS JOIN generate_series(1, 150000) n WHERE s.parent_id = $1`,
      [issued.id],
    );
    await t.http().post('/v1/auth/password-reset').send({ email: victimEmail }).expect(202);
    await t.app.get(OutboxWorker).drainDue();
    const link = smtp.last(victimEmail);
    const confirmed = await t
      .http()
      .post('/v1/auth/password-reset/confirm')
      .send({ token: link.secret, newPassword: 'the real owner passphrase' });
    expect(confirmed.status).toBe(204);
    expect((await t.http().post('/v1/auth/login').send({ email: victimEmail, password: 'the real owner passphrase' })).status).toBe(200);
  }, 300_000);
});

// --- 2. webhook endpoints' makers ------------------------------------------------------------------------

describe('review 18a: webhook endpoints and the reset', () => {
  // R18A-W1: setMaker makes whoever rotates the secret the endpoint's maker, whatever URL it points at.
  // A colleague's routine secret rotation of the squatter's endpoint (or of a colleague's endpoint the
  // squatter re-pointed) makes the colleague its maker: the reset no longer disables it, and the workspace's
  // events keep going to the URL the squatter chose. The secret does not matter to the squatter's receiver:
  // the events are in the body.
  it('R18A-W1: an endpoint the squatter pointed at its receiver is disabled by the reset even after a colleague rotated its secret', async () => {
    const { victimEmail, squatter, ws, colleague } = await squattedWorkspace();
    const made = await t
      .http()
      .post(`/v1/workspaces/${ws.id}/webhooks`)
      .set(bearer(squatter.personalToken))
      .send({ url: 'https://collector.example.net/squatter', events: ['member.added', 'device.created'] })
      .expect(201);
    const endpointId = made.body.endpoint.id as string;
    // The colleague rotates every endpoint's secret (a routine, or after someone left): the URL untouched.
    await t
      .http()
      .post(`/v1/workspaces/${ws.id}/webhooks/${endpointId}/rotate-secret`)
      .set(bearer(colleague.personalToken))
      .send({ overlapSeconds: 0 })
      .expect(200);
    await resetByMail(t, smtp, victimEmail);
    const after = await t.http().get(`/v1/workspaces/${ws.id}/webhooks/${endpointId}`).set(bearer(colleague.personalToken)).expect(200);
    expect({ url: after.body.url, enabled: after.body.enabled }).toEqual({ url: 'https://collector.example.net/squatter', enabled: false });
  });

  it('held: a colleague’s endpoint the squatter re-pointed, then pointed back by the colleague, stays enabled', async () => {
    const { victimEmail, squatter, ws, colleague } = await squattedWorkspace();
    const made = await t
      .http()
      .post(`/v1/workspaces/${ws.id}/webhooks`)
      .set(bearer(colleague.personalToken))
      .send({ url: 'https://hooks.example.com/colleague', events: ['device.created'] })
      .expect(201);
    const path = `/v1/workspaces/${ws.id}/webhooks/${made.body.endpoint.id}`;
    await t.http().patch(path).set(bearer(squatter.personalToken)).send({ url: 'https://collector.example.net/squatter' }).expect(200);
    await t.http().patch(path).set(bearer(colleague.personalToken)).send({ url: 'https://hooks.example.com/colleague' }).expect(200);
    await resetByMail(t, smtp, victimEmail);
    const after = await t.http().get(path).set(bearer(colleague.personalToken)).expect(200);
    expect({ url: after.body.url, enabled: after.body.enabled }).toEqual({ url: 'https://hooks.example.com/colleague', enabled: true });
  });
});

// --- 3. grantWidens and teams ----------------------------------------------------------------------------

describe('review 18a: a network-bound token and teams', () => {
  /** A team of the owner's with no role and every device (a team may hold 0 roles). */
  async function devicesOnlyTeam(ws: Awaited<ReturnType<typeof limitedAdminBot>>['ws']) {
    const team = await t
      .http()
      .post(`/v1/workspaces/${ws.id}/teams`)
      .set(bearer(ws.owner.personalToken))
      .send({ name: `Every device ${Math.random()}`, roleIds: [], deviceAccess: { mode: 'all' } })
      .expect(201);
    return team.body.id as string;
  }

  // R18A-N1: addPrincipal judges a team's grant with grantWidens(NOTHING_HELD, team.roles, null): the team's
  // device access is passed as null, "unchanged". A team that gives no role but every device gives a member
  // its own permissions on every device (the union rule, docs/teams.md), from any network: before 1fd68d9
  // the same call was refused (grantWidens(held, team.roles, team.deviceAccess)).
  it('R18A-N1a: a network-bound admin API user does not give a member every device by putting it in a roleless team over all devices', async () => {
    const { ws, bot } = await limitedAdminBot(t);
    const d1 = (await ws.device()).id;
    const d2 = (await ws.device()).id;
    const member = await ws.member('member', { devices: [d1] });
    const device = () => t.http().get(`/v1/workspaces/${ws.id}/devices/${d2}`).set(bearer(member.personalToken));
    expect((await device()).status).toBe(404);
    const teamId = await devicesOnlyTeam(ws);
    const put = await inside('put', `/v1/workspaces/${ws.id}/teams/${teamId}/members/${member.id}`, bot.token);
    expect({ put: put.status, device: (await device()).status }).toEqual({ put: 403, device: 404 });
  });

  it('R18A-N1b: the same for an API user without a network list', async () => {
    const { ws, bot } = await limitedAdminBot(t);
    const d1 = (await ws.device()).id;
    const d2 = (await ws.device()).id;
    const unbound = await ws.apiUser({ roles: ['member'], devices: [d1] });
    const device = () => t.http().get(`/v1/workspaces/${ws.id}/devices/${d2}`).set(bearer(unbound.token));
    expect((await device()).status).toBe(404);
    const teamId = await devicesOnlyTeam(ws);
    const put = await inside('put', `/v1/workspaces/${ws.id}/teams/${teamId}/api-users/${unbound.id}`, bot.token);
    expect({ put: put.status, device: (await device()).status }).toEqual({ put: 403, device: 404 });
  });

  it('held: a network-bound admin API user narrows a member’s own roles while a team gives the member more', async () => {
    const { ws, bot } = await limitedAdminBot(t);
    const member = await ws.member('member');
    const team = await t
      .http()
      .post(`/v1/workspaces/${ws.id}/teams`)
      .set(bearer(ws.owner.personalToken))
      .send({ name: 'Admins this week', roleIds: [ws.roles.admin], deviceAccess: { mode: 'all' } })
      .expect(201);
    await t
      .http()
      .put(`/v1/workspaces/${ws.id}/teams/${team.body.id}/members/${member.id}`)
      .set(bearer(ws.owner.personalToken))
      .expect(200);
    const narrowed = await inside('patch', `/v1/workspaces/${ws.id}/members/${member.id}`, bot.token).send({ roleIds: [ws.roles.viewer] });
    expect(narrowed.status).toBe(200);
    // Widening its own grant back is refused, even though the team gives it.
    expectProblem(
      await inside('patch', `/v1/workspaces/${ws.id}/members/${member.id}`, bot.token).send({ roleIds: [ws.roles.member] }),
      403,
      'forbidden',
    );
  });
});

// --- 4. invitations' inviter -----------------------------------------------------------------------------

describe('review 18a: invitations and the reset', () => {
  it('held: a colleague’s invitation the squatter changed (or resent) is revoked by the reset; one the colleague resent after the squatter is not', async () => {
    const { victimEmail, squatter, ws, colleague } = await squattedWorkspace();
    const invite = async (email: string) =>
      (
        await t
          .http()
          .post(`/v1/workspaces/${ws.id}/invitations`)
          .set(bearer(colleague.personalToken))
          .send({ email, roleIds: [ws.roles.viewer], deviceAccess: { mode: 'all' } })
          .expect(201)
      ).body.invitation.id as string;
    const changed = await invite(uniqueEmail('changed'));
    const resent = await invite(uniqueEmail('resent'));
    const vouched = await invite(uniqueEmail('vouched'));
    await t
      .http()
      .patch(`/v1/workspaces/${ws.id}/invitations/${changed}`)
      .set(bearer(squatter.personalToken))
      .send({ roleIds: [ws.roles.admin], deviceAccess: { mode: 'all' } })
      .expect(200);
    await t.http().post(`/v1/workspaces/${ws.id}/invitations/${resent}/resend`).set(bearer(squatter.personalToken)).expect(200);
    await t.http().post(`/v1/workspaces/${ws.id}/invitations/${vouched}/resend`).set(bearer(squatter.personalToken)).expect(200);
    await t.http().post(`/v1/workspaces/${ws.id}/invitations/${vouched}/resend`).set(bearer(colleague.personalToken)).expect(200);
    await resetByMail(t, smtp, victimEmail);
    const rows: Array<{ id: string; revoked: boolean }> = await t.dataSource.query(
      `SELECT id, revoked_at IS NOT NULL AS revoked FROM invitations WHERE id = ANY($1::uuid[])`,
      [[changed, resent, vouched]],
    );
    const revoked = Object.fromEntries(rows.map((r) => [r.id, r.revoked]));
    expect({ changed: revoked[changed], resent: revoked[resent], vouched: revoked[vouched] }).toEqual({
      changed: true,
      resent: true,
      vouched: false,
    });
  });
});

// --- 5. two instances (PostgreSQL server) ----------------------------------------------------------------

(serverUrl() ? describe : describe.skip)('review 18a: the reset’s invalidations on another instance (PostgreSQL server)', () => {
  let db: TestDatabase;
  let a: TestApp;
  let b: TestApp;
  let smtp2: MailCatcher;

  beforeAll(async () => {
    smtp2 = await MailCatcher.start();
    db = await createTestDatabase();
    a = await startTestApp({ ...mailEnv(smtp2), LATCHKEY_CACHE_TTL_SECONDS: '300' }, db);
    b = await startTestApp({ ...mailEnv(smtp2), LATCHKEY_CACHE_TTL_SECONDS: '300' }, db);
  }, 120_000);
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await db?.drop();
    await smtp2?.stop();
  });

  it('held: every secret of the reach (a chain, 5,000 sessions, the squatter’s API user with 2,000 tokens) is refused on a warmed second instance within a second', async () => {
    const { victimEmail, squatter, ws, colleaguesBot } = await squattedWorkspace(a);
    const made = await a
      .http()
      .post(`/v1/workspaces/${ws.id}/api-users`)
      .set(bearer(squatter.personalToken))
      .send({ name: 'squatter bot', roleIds: [ws.roles.admin], deviceAccess: { mode: 'all' } })
      .expect(201);
    // The squatter's API user's tokens in bulk: a large event list.
    await a.dataSource.query(
      `INSERT INTO tokens (id, kind, api_user_id, name, token_hash, hint, scopes, blocked_workspace_ids, created_at)
       SELECT gen_random_uuid(), 'api_user', $1, 'bulk', md5(random()::text || n), 'lka_bulk…', '{*}', '{}', now() FROM generate_series(1, 2000) n`,
      [made.body.apiUser.id],
    );
    const x = await issueFor(ws.id, colleaguesBot.id, squatter.personalToken, 'x', a);
    const y = await issueFor(ws.id, colleaguesBot.id, x.secret, 'y', a);
    const session = (await a.http().post('/v1/auth/token').set(bearer(y.secret)).send({}).expect(200)).body.token.secret as string;
    // 5,000 more sessions of y (copies in SQL): the reset revokes them all, one pg_notify statement of 5,000 events.
    await a.dataSource.query(
      `INSERT INTO tokens (id, kind, user_id, api_user_id, name, token_hash, hint, scopes, workspace_ids, blocked_workspace_ids, parent_id,
                           created_at, expires_at)
       SELECT gen_random_uuid(), s.kind, s.user_id, s.api_user_id, s.name, md5(random()::text || n), s.hint, s.scopes, s.workspace_ids,
              s.blocked_workspace_ids, s.parent_id, s.created_at, s.expires_at
         FROM tokens s CROSS JOIN generate_series(1, 5000) n WHERE s.parent_id = $1`,
      [y.id],
    );
    const secrets = [squatter.personalToken, made.body.token.secret as string, x.secret, y.secret, session];
    const check = async (secret: string) =>
      (await b.http().get(`/v1/authorize?workspaceId=${ws.id}&permission=devices:read`).set(bearer(secret))).status;
    expect(await Promise.all(secrets.map(check))).toEqual([204, 204, 204, 204, 204]);
    await resetByMail(a, smtp2, victimEmail);
    const started = Date.now();
    let statuses: number[] = [];
    while (Date.now() - started < 1000) {
      statuses = [];
      for (const s of secrets) statuses.push(await check(s));
      if (statuses.every((s) => s === 401 || s === 403)) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(statuses.every((s) => s === 401 || s === 403)).toBe(true);
  }, 120_000);
});
