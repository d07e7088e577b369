// The token check's warm-up at start (src/checks/check-warm-up.ts): it opens the pool's connections,
// runs the check's statements and requests, and leaves no trace anyone could see: no request metrics,
// no request log, no failed check counted against any address, no row written. Nor can a caller pass
// for it.
import { DataSource } from 'typeorm';
import { warmUpTokenCheck } from '../../src/checks/check-warm-up';
import { WARM_UP_ADDRESS } from '../../src/common/warm-up-request';
import { Database } from '../../src/database/database';
import { TokensRepository } from '../../src/tokens/tokens.repository';
import { newWorkspace } from '../support/fixtures';
import { bearer, createNamedToken, inviteAndAccept, eventually, metricValue, registerUser, scrapeMetrics } from '../support/api';
import { LogCapture } from '../support/log-capture';
import { changedTables, tableContents } from '../support/table-contents';
import { createTestDatabase } from '../support/test-database';
import { startTestApp, TestApp } from '../support/test-app';

/** The request-duration samples of the token check in a /metrics scrape. */
const checkSamples = (metrics: string) => metrics.split('\n').filter((line) => line.includes('/v1/authorize'));
/** The request log lines of the token check. */
const checkLogLines = (logs: LogCapture) =>
  logs.lines.filter((line) => (JSON.parse(line) as { req?: { url?: string } }).req?.url?.startsWith('/v1/authorize'));
const NEVER_ISSUED = 'lka_thisIsNotAToken';

describe('the token check warm-up', () => {
  let t: TestApp;
  const logs = new LogCapture();

  beforeAll(async () => {
    t = await startTestApp(
      {
        // Two failed checks per address: had the warm-up's three refusals counted anywhere, its own
        // lookup (the third) would have been refused with 429, and it would report a failure.
        LATCHKEY_RATE_LIMIT_FAILED_CHECKS_PER_IP: '2',
        LATCHKEY_LOG_LEVEL: 'info',
        LATCHKEY_LOG_REQUESTS: 'true',
        // One proxy believed: the last X-Forwarded-For entry becomes request.ip.
        LATCHKEY_TRUST_PROXY: '1',
      },
      undefined,
      { logDestination: logs },
    );
  });
  afterAll(() => t.close());

  it('opens every pool connection, answers its own requests, and leaves no trace', async () => {
    const user = await registerUser(t);
    const tablesBefore = await tableContents(t.dataSource);
    const metricsBefore = await scrapeMetrics(t);
    expect(checkSamples(metricsBefore)).toEqual([]);

    const warmed = await warmUpTokenCheck(t.app);
    expect(warmed.outcome).toBe('warmed');
    expect(warmed.connections).toBe(t.app.get(Database).poolStats().size);
    expect(t.app.get(Database).poolStats().open).toBe(warmed.connections);
    const metricsAfter = await scrapeMetrics(t);
    expect(checkSamples(metricsAfter)).toEqual([]);
    expect(metricValue(metricsAfter, 'latchkey_db_unavailable_total')).toBe(metricValue(metricsBefore, 'latchkey_db_unavailable_total'));
    expect(checkLogLines(logs)).toEqual([]);
    expect(logs.withMessage('token check warmed up')).toHaveLength(1);
    expect(changedTables(tablesBefore, await tableContents(t.dataSource))).toEqual([]);

    // Nothing counted against this address: its first failed check leaves one of two.
    const refused = await t.http().get('/v1/authorize').set(bearer(NEVER_ISSUED)).expect(401);
    expect(refused.headers['ratelimit']).toMatch(/^"failed-checks";r=1;/);
    // A real check: counted, logged, allowed as ever (nothing the warm-up did stands in its way).
    const workspace = await t.http().post('/v1/workspaces').set(bearer(user.personalToken)).send({ name: 'Warm' }).expect(201);
    await t
      .http()
      .get('/v1/authorize')
      .query({ workspaceId: workspace.body.id, permission: 'devices:read' })
      .set(bearer(user.personalToken))
      .expect(204);
    expect(checkSamples(await scrapeMetrics(t)).length).toBeGreaterThan(0);
    expect(checkLogLines(logs).length).toBeGreaterThan(0);
  });

  it('warms again without counting against its own address either', async () => {
    // Two in a row: six refusals, where the limit cuts an address off after two.
    for (let i = 0; i < 2; i++) expect((await warmUpTokenCheck(t.app)).outcome).toBe('warmed');
  });

  it('fails without stopping anything, and logs the failure without its message', async () => {
    const tokens = t.app.get(TokensRepository);
    const spy = jest.spyOn(tokens, 'findCredentialByHash').mockRejectedValueOnce(new Error('password=hunter2 SELECT secret'));
    try {
      const warmed = await warmUpTokenCheck(t.app);
      expect(warmed.outcome).toBe('failed');
    } finally {
      spy.mockRestore();
    }
    const [line] = logs.withMessage('token check warm-up failed: starting without it');
    expect(line).toMatchObject({ err: { type: 'Error' } });
    expect(logs.text).not.toContain('hunter2');
    await t.http().get('/health/ready').expect(200);
    // The pool gave back every connection it lent.
    expect(t.app.get(Database).poolStats().inUse).toBe(0);
    expect(t.app.get(DataSource).isInitialized).toBe(true);
  });
  it('gives up waiting at its budget, and the service answers as ever', async () => {
    const warmed = await warmUpTokenCheck(t.app, 0);
    expect(warmed.outcome).toBe('unfinished');
    expect(logs.withMessage('token check warm-up unfinished in time: starting without waiting for it')).toHaveLength(1);
    // What it left running ends on its own, giving every connection back; the service answers as ever.
    expect(await eventually(async () => t.app.get(Database).poolStats().inUse === 0)).toBe(true);
    await t.http().get('/health/ready').expect(200);
  });

  it('cannot be impersonated through X-Forwarded-For: such a caller is counted, limited and logged', async () => {
    const before = checkSamples(await scrapeMetrics(t)).join('\n');
    const lines = checkLogLines(logs).length;
    const from = { 'X-Forwarded-For': WARM_UP_ADDRESS };
    const first = await t.http().get('/v1/authorize').set(from).set(bearer(NEVER_ISSUED)).expect(401);
    expect(first.headers['ratelimit']).toMatch(/^"failed-checks";r=1;/);
    await t.http().get('/v1/authorize').set(from).set(bearer(NEVER_ISSUED)).expect(401);
    // A third made-up token from that address is no longer looked up.
    const forged = await t
      .http()
      .get('/v1/authorize')
      .set(from)
      .set(bearer(`lka_${'Z'.repeat(32)}`));
    expect([401, 429]).toContain(forged.status);
    expect(checkSamples(await scrapeMetrics(t)).join('\n')).not.toBe(before);
    expect(checkLogLines(logs).length).toBeGreaterThan(lines);
  });
});

describe('the token check warm-up, after a restart', () => {
  it('puts the credentials of the live tokens used last in the cache, as their first checks would have, and no dead one', async () => {
    const database = await createTestDatabase();
    let before: TestApp | undefined;
    let after: TestApp | undefined;
    try {
      before = await startTestApp({}, database);
      const user = await registerUser(before);
      const workspace = await before.http().post('/v1/workspaces').set(bearer(user.personalToken)).send({ name: 'Primed' }).expect(201);
      const check = (app: TestApp, secret: string) =>
        app.http().get('/v1/authorize').query({ workspaceId: workspace.body.id, permission: 'devices:read' }).set(bearer(secret));
      await check(before, user.personalToken).expect(204);
      const dead = await createNamedToken(before, user.personalToken, { name: 'dead', scopes: ['*'] });
      await before.http().delete(`/v1/me/tokens/${dead.id}`).set(bearer(user.personalToken)).expect(204);
      await before.close();
      before = undefined;

      // The restart: a new instance on the same database, warmed as main.ts warms it.
      after = await startTestApp({}, database);
      expect((await warmUpTokenCheck(after.app)).outcome).toBe('warmed');
      // Another instance's revocation whose event this one never hears (written behind its back): a
      // check that read the database would refuse the token, so a 204 says its credential was cached by
      // the warm-up, not read by the check.
      await after.dataSource.query(`UPDATE tokens SET revoked_at = created_at WHERE id = $1`, [user.personalTokenId]);
      await check(after, user.personalToken).expect(204);
      // A token revoked before the restart was not put there: refused as ever.
      expect((await check(after, dead.secret)).status).toBe(401);
    } finally {
      await before?.close();
      await after?.close();
      await database.drop();
    }
  });

  it("puts those tokens' principals' access rows and their workspaces' devices in the cache, each under its own principal", async () => {
    const database = await createTestDatabase();
    let before: TestApp | undefined;
    let after: TestApp | undefined;
    try {
      before = await startTestApp({}, database);
      const owner = await registerUser(before);
      const outsider = await registerUser(before);
      const ws = await newWorkspace(before, owner, 'Primed rows');
      const selected = (await ws.device({ name: 'selected', serial: 'P1' })).id;
      const other = (await ws.device({ name: 'other', serial: 'P2' })).id;
      const created = await before
        .http()
        .post(`/v1/workspaces/${ws.id}/api-users`)
        .set(bearer(owner.personalToken))
        .send({ name: 'Primed', roleIds: [ws.roles.member], deviceAccess: { mode: 'selected', deviceIds: [selected] } })
        .expect(201);
      const apiUser = { id: created.body.apiUser.id as string, secret: created.body.token.secret as string };
      // The owner is also a plain member of someone else's workspace, with one of its two devices: its
      // two rows differ, so a row keyed under the wrong workspace would show.
      const elsewhere = await newWorkspace(before, outsider, 'Elsewhere');
      const granted = (await elsewhere.device({ name: 'granted', serial: 'E1' })).id;
      const withheld = (await elsewhere.device({ name: 'withheld', serial: 'E2' })).id;
      await inviteAndAccept(before, outsider.personalToken, elsewhere.id, owner, [elsewhere.roles.member], {
        mode: 'selected',
        deviceIds: [granted],
      });
      const check = (app: TestApp, secret: string, deviceId: string, workspaceId = ws.id) =>
        app.http().get('/v1/authorize').query({ workspaceId, permission: 'measurements:read', deviceId }).set(bearer(secret));
      // Each token used once, so each is among the tokens used last.
      await check(before, owner.personalToken, other).expect(204);
      await check(before, owner.personalToken, granted, elsewhere.id).expect(204);
      expect((await check(before, owner.personalToken, withheld, elsewhere.id)).status).toBe(403);
      await check(before, apiUser.secret, selected).expect(204);
      expect((await check(before, outsider.personalToken, other)).status).toBe(403);
      await before.close();
      before = undefined;

      after = await startTestApp({}, database);
      expect((await warmUpTokenCheck(after.app)).outcome).toBe('warmed');
      // Behind the instance's back (no event it hears): the workspace refuses personal tokens, the API
      // user loses its one device, and the owner's device is gone. A check that read the database would
      // refuse all three; 204s say the rows and the device were cached by
      // the warm-up, as the first checks of those tokens would have cached them.
      await after.dataSource.query(`UPDATE workspaces SET allow_personal_tokens = false WHERE id = $1`, [ws.id]);
      await after.dataSource.query(`DELETE FROM membership_devices WHERE workspace_id = $1 AND device_id = $2`, [ws.id, selected]);
      await after.dataSource.query(`DELETE FROM devices WHERE workspace_id = $1 AND id = $2`, [ws.id, other]);
      // And the owner loses its one device in the other workspace.
      await after.dataSource.query(`DELETE FROM membership_devices WHERE workspace_id = $1 AND device_id = $2`, [elsewhere.id, granted]);
      await check(after, owner.personalToken, other).expect(204);
      await check(after, owner.personalToken, granted, elsewhere.id).expect(204);
      await check(after, apiUser.secret, selected).expect(204);
      // Each workspace's row under its own key: the owner's row there is its membership's, not its ownership here.
      expect((await check(after, owner.personalToken, withheld, elsewhere.id)).status).toBe(403);
      // Nobody gets another principal's row: the outsider, whose token was used last too, is still no member.
      expect((await check(after, outsider.personalToken, other)).status).toBe(403);
      // Nor does the API user reach beyond its own row's devices.
      expect((await check(after, apiUser.secret, other)).status).toBe(403);
    } finally {
      await before?.close();
      await after?.close();
      await database.drop();
    }
  });
});
