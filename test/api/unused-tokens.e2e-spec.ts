// Tokens nobody uses stop working: a workspace's token policy revokeUnusedAfterDays warns a week before
// and then cuts off tokens idle that long (a member's token reaching other workspaces only here), never
// without a week-old warning for the same idle spell. The scan runs as a periodic outbox job; the tests
// call it directly, with the fake clock.
import { LastUsedRecorder } from '../../src/auth/last-used.recorder';
import { OutboxWorker } from '../../src/outbox/outbox-worker';
import { UnusedTokens } from '../../src/tokens/unused-tokens';
import { bearer, createNamedToken, expectProblem } from '../support/api';
import { newWorkspace, WorkspaceFixture } from '../support/fixtures';
import { MailCatcher } from '../support/mail-catcher';
import { gql } from '../graphql/gql';
import { startTestApp, TestApp } from '../support/test-app';

const DAY_S = 86_400;
let t: TestApp;
let smtp: MailCatcher;

const policyPath = (ws: WorkspaceFixture) => `/v1/workspaces/${ws.id}/token-policy`;
const scan = () => t.app.get(UnusedTokens).scan();
const flushUse = () => t.app.get(LastUsedRecorder).flush();
const drain = () => t.app.get(OutboxWorker).drainDue();
const unusedMails = (to: string, phase: RegExp) => smtp.to(to).filter((m) => phase.test(m.subject));

beforeAll(async () => {
  smtp = await MailCatcher.start();
  t = await startTestApp({ LATCHKEY_SMTP_URL: smtp.url });
});
afterAll(async () => {
  await t.close();
  await smtp.stop();
});

describe('token policy revokeUnusedAfterDays', () => {
  it('is set by owners, kept when left out, and refuses junk', async () => {
    const ws = await newWorkspace(t);
    const admin = await ws.member('admin');
    const put = (body: object, token = ws.owner.personalToken) => t.http().put(policyPath(ws)).set(bearer(token)).send(body);
    const base = { maxLifetimeDays: null, allowPersonalTokens: true };
    expect((await put({ ...base, revokeUnusedAfterDays: 90 }).expect(200)).body).toEqual({ ...base, revokeUnusedAfterDays: 90 });
    expect((await put(base).expect(200)).body.revokeUnusedAfterDays).toBe(90);
    expect((await t.http().get(policyPath(ws)).set(bearer(ws.owner.personalToken)).expect(200)).body.revokeUnusedAfterDays).toBe(90);
    for (const junk of [0, 7, 13, 3651, 30.5, '30', true]) {
      expectProblem(await put({ ...base, revokeUnusedAfterDays: junk }), 400, 'validation_failed');
    }
    expectProblem(await put({ ...base, revokeUnusedAfterDays: 30 }, admin.personalToken), 403, 'forbidden');
    expect((await put({ ...base, revokeUnusedAfterDays: null }).expect(200)).body.revokeUnusedAfterDays).toBeNull();
    const audit = await t
      .http()
      .get(`/v1/workspaces/${ws.id}/audit-events`)
      .query({ action: 'workspace.token_policy_changed' })
      .set(bearer(ws.owner.personalToken))
      .expect(200);
    // Three changes, each recorded with the whole policy as set.
    expect(audit.body.items.map((e: { details: object }) => e.details)).toEqual(
      expect.arrayContaining([
        { ...base, revokeUnusedAfterDays: 90 },
        { ...base, revokeUnusedAfterDays: null },
      ]),
    );
    expect(audit.body.items).toHaveLength(3);
  });

  it('is the same through GraphQL: set, read back, kept when left out, junk refused, owners only', async () => {
    const ws = await newWorkspace(t);
    const admin = await ws.member('admin');
    const set = `mutation($w: ID!, $p: TokenPolicyInput!) { setTokenPolicy(workspaceId: $w, input: $p) { revokeUnusedAfterDays } }`;
    const read = `query($w: ID!) { workspace(id: $w) { tokenPolicy { revokeUnusedAfterDays } } }`;
    const base = { maxLifetimeDays: null, allowPersonalTokens: true };
    expect((await gql(t, ws.owner.personalToken, set, { w: ws.id, p: { ...base, revokeUnusedAfterDays: 60 } })).data).toEqual({
      setTokenPolicy: { revokeUnusedAfterDays: 60 },
    });
    expect((await gql(t, ws.owner.personalToken, set, { w: ws.id, p: base })).data).toEqual({
      setTokenPolicy: { revokeUnusedAfterDays: 60 },
    });
    expect((await gql(t, admin.personalToken, read, { w: ws.id })).data).toEqual({
      workspace: { tokenPolicy: { revokeUnusedAfterDays: 60 } },
    });
    const junk = await gql(t, ws.owner.personalToken, set, { w: ws.id, p: { ...base, revokeUnusedAfterDays: 3 } });
    expect(junk.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const denied = await gql(t, admin.personalToken, set, { w: ws.id, p: { ...base, revokeUnusedAfterDays: 20 } });
    expect(denied.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await t.http().get(policyPath(ws)).set(bearer(ws.owner.personalToken)).expect(200)).body.revokeUnusedAfterDays).toBe(60);
  });

  it('warns a week before, then cuts off idle tokens: revoked if they reach only this workspace, blocked here otherwise', async () => {
    const ws = await newWorkspace(t);
    const member = await ws.member('member');
    // The member's personal token also reaches a workspace of their own.
    const own = await t.http().post('/v1/workspaces').set(bearer(member.personalToken)).send({ name: 'Elsewhere' }).expect(201);
    const onlyHere = await createNamedToken(t, member.personalToken, {
      name: 'only-here',
      scopes: ['workspace:read'],
      workspaceIds: [ws.id],
    });
    const usedLater = await createNamedToken(t, member.personalToken, {
      name: 'used-later',
      scopes: ['workspace:read'],
      workspaceIds: [ws.id],
    });
    const bot = await ws.apiUser({ roles: ['viewer'] });
    await t
      .http()
      .put(policyPath(ws))
      .set(bearer(ws.owner.personalToken))
      .send({ maxLifetimeDays: null, allowPersonalTokens: true, revokeUnusedAfterDays: 30 })
      .expect(200);
    await flushUse();

    t.clock.advanceSeconds(22 * DAY_S);
    expect((await scan()).warned).toBe(0); // 22 days idle: not within a week of 30 yet

    t.clock.advanceSeconds(2 * DAY_S);
    // The owner keeps working: their token is never idle.
    await t.http().get(`/v1/workspaces/${ws.id}`).set(bearer(ws.owner.personalToken)).expect(200);
    await flushUse();
    const warned = await scan();
    expect(warned).toEqual({ warned: 4, cutOff: 0 }); // member's personal, only-here, used-later; the bot's
    expect(await scan()).toEqual({ warned: 0, cutOff: 0 }); // once per idle spell
    await drain();
    expect(unusedMails(member.email, /stops working on/)).toHaveLength(3);
    const botWarning = unusedMails(ws.owner.email, /stops working on/);
    expect(botWarning).toHaveLength(1);
    expect(botWarning[0].text).toContain('of the API user');
    expect(botWarning[0].text).not.toMatch(/lka_[0-9A-Za-z]{20}/);

    // Used after its warning: a new idle spell begins.
    await t.http().get(`/v1/workspaces/${ws.id}`).set(bearer(usedLater.secret)).expect(200);
    await flushUse();

    t.clock.advanceSeconds(7 * DAY_S);
    expect(await scan()).toEqual({ warned: 0, cutOff: 3 });
    expectProblem(await t.http().get('/v1/whoami').set(bearer(bot.token)), 401, 'token_invalid');
    expectProblem(await t.http().get('/v1/whoami').set(bearer(onlyHere.secret)), 401, 'token_invalid');
    // Cut off here only: the member's own workspace still takes it.
    expectProblem(await t.http().get(`/v1/workspaces/${ws.id}`).set(bearer(member.personalToken)), 401, 'token_invalid');
    await t.http().get(`/v1/workspaces/${own.body.id}`).set(bearer(member.personalToken)).expect(200);
    await t.http().get(`/v1/workspaces/${ws.id}`).set(bearer(usedLater.secret)).expect(200);
    await t.http().get(`/v1/workspaces/${ws.id}`).set(bearer(ws.owner.personalToken)).expect(200);

    const audit = await t
      .http()
      .get(`/v1/workspaces/${ws.id}/audit-events`)
      .query({ action: 'token.revoked' })
      .set(bearer(ws.owner.personalToken))
      .expect(200);
    const byTarget = Object.fromEntries(audit.body.items.map((e: { target: { id: string }; details: object }) => [e.target.id, e.details]));
    expect(byTarget[bot.tokenId]).toMatchObject({ reason: 'unused', days: 30, effect: 'revoked' });
    expect(byTarget[onlyHere.id]).toMatchObject({ reason: 'unused', effect: 'revoked' });
    expect(byTarget[member.personalTokenId]).toMatchObject({ reason: 'unused', effect: 'blocked_in_workspace' });
    await drain();
    expect(unusedMails(member.email, /unused for 30 days was/)).toHaveLength(2);
    expect(await scan()).toEqual({ warned: 0, cutOff: 0 });
  });

  it('never cuts off without a week-old warning: a policy set on long-idle tokens warns first', async () => {
    const ws = await newWorkspace(t);
    const used = await ws.apiUser({ roles: ['viewer'] });
    const idle = await ws.apiUser({ roles: ['viewer'] });
    t.clock.advanceSeconds(90 * DAY_S);
    await t
      .http()
      .put(policyPath(ws))
      .set(bearer(ws.owner.personalToken))
      .send({ maxLifetimeDays: null, allowPersonalTokens: true, revokeUnusedAfterDays: 30 })
      .expect(200);
    await scan();
    // 90 days idle, but warned only now: both still work.
    await t.http().get('/v1/whoami').set(bearer(idle.token)).expect(200);
    await t.http().get('/v1/whoami').set(bearer(used.token)).expect(200);
    await flushUse();
    t.clock.advanceSeconds(6 * DAY_S);
    await t.http().get('/v1/whoami').set(bearer(used.token)).expect(200);
    await flushUse();
    t.clock.advanceSeconds(1 * DAY_S + 60);
    await scan();
    // The idle one was used once right after its warning (that use started a new spell of 7 days, not 30): it lives.
    await t.http().get('/v1/whoami').set(bearer(idle.token)).expect(200);
    await t.http().get('/v1/whoami').set(bearer(used.token)).expect(200);
  });

  it('cuts off a token idle since its warning a week later, and not a day earlier', async () => {
    const ws = await newWorkspace(t);
    const idle = await ws.apiUser({ roles: ['viewer'] });
    await t
      .http()
      .put(policyPath(ws))
      .set(bearer(ws.owner.personalToken))
      .send({ maxLifetimeDays: null, allowPersonalTokens: true, revokeUnusedAfterDays: 14 })
      .expect(200);
    const revokedAt = async () => (await t.dataSource.query(`SELECT revoked_at AS "at" FROM tokens WHERE id = $1`, [idle.tokenId]))[0].at;
    t.clock.advanceSeconds(60 * DAY_S);
    await scan();
    expect(await revokedAt()).toBeNull(); // warned, 60 days idle: not cut off yet
    t.clock.advanceSeconds(7 * DAY_S - 60);
    await scan();
    expect(await revokedAt()).toBeNull(); // a minute short of a week since the warning
    t.clock.advanceSeconds(61);
    await scan();
    expect(await revokedAt()).not.toBeNull();
    expectProblem(await t.http().get('/v1/whoami').set(bearer(idle.token)), 401, 'token_invalid');
  });
});
