// The audit log's filters (actor, target, time range, action prefix) and its export (CSV, JSON, capped).
import { bearer, createNamedToken, expectProblem, registerUser } from '../support/api';
import { newWorkspace, WorkspaceFixture } from '../support/fixtures';
import { startTestApp, TestApp } from '../support/test-app';

const DAY = 86_400_000;
let t: TestApp;

beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

type Event = { id: string; action: string; actor: { id: string | null }; target: { type: string; id: string } | null; createdAt: string };

async function events(ws: WorkspaceFixture, query: string, secret = ws.owner.personalToken): Promise<Event[]> {
  const res = await t.http().get(`/v1/workspaces/${ws.id}/audit-events?limit=200&${query}`).set(bearer(secret)).expect(200);
  return res.body.items;
}

describe('audit log filters', () => {
  it('by action prefix, actor, target and time range, combined', async () => {
    const ws = await newWorkspace(t);
    const admin = await ws.member('admin');
    const dayOne = t.clock.now();
    const device = await ws.device({ name: 'Pump' });
    t.clock.advance(DAY);
    const dayTwo = t.clock.now();
    await t
      .http()
      .patch(`/v1/workspaces/${ws.id}/devices/${device.id}`)
      .set(bearer(admin.personalToken))
      .send({ name: 'Pump 2' })
      .expect(200);
    const bot = await ws.apiUser({ roles: ['viewer'], by: admin.personalToken });

    const deviceEvents = await events(ws, 'actionPrefix=device.');
    expect(deviceEvents.map((e) => e.action).sort()).toEqual(['device.created', 'device.updated']);
    expect((await events(ws, 'actionPrefix=device')).map((e) => e.action).sort()).toEqual(['device.created', 'device.updated']);
    // A prefix is a prefix: "_" is no wildcard.
    expect(await events(ws, 'actionPrefix=devic_')).toEqual([]);

    const byAdmin = await events(ws, `actorId=${admin.id}`);
    expect(byAdmin.map((e) => e.action)).toEqual(expect.arrayContaining(['device.updated']));
    expect(byAdmin.every((e) => e.actor.id === admin.id)).toBe(true);

    const aboutDevice = await events(ws, `targetType=device&targetId=${device.id}`);
    expect(aboutDevice.map((e) => e.action).sort()).toEqual(['device.created', 'device.updated']);
    expect((await events(ws, 'targetType=api_user')).every((e) => e.target?.type === 'api_user')).toBe(true);
    expect((await events(ws, `targetId=${bot.id}`)).length).toBeGreaterThan(0);

    const onDayOne = await events(ws, `from=${dayOne.toISOString()}&to=${dayTwo.toISOString()}&actionPrefix=device.`);
    expect(onDayOne.map((e) => e.action)).toEqual(['device.created']);
    const fromDayTwo = await events(ws, `from=${dayTwo.toISOString()}&actionPrefix=device.`);
    expect(fromDayTwo.map((e) => e.action)).toEqual(['device.updated']);
    // A date alone is midnight UTC.
    const date = dayTwo.toISOString().slice(0, 10);
    expect((await events(ws, `to=2000-01-01`)).length).toBe(0);
    expect((await events(ws, `from=${date}&actionPrefix=device.`)).length).toBeGreaterThanOrEqual(1);
  });

  it('the same filters on the account log', async () => {
    const user = await registerUser(t);
    await createNamedToken(t, user.personalToken, { scopes: ['*'] });
    const res = await t.http().get('/v1/me/audit-events?actionPrefix=token.').set(bearer(user.personalToken)).expect(200);
    expect(res.body.items.map((e: Event) => e.action)).toEqual(['token.created']);
  });

  it('refuses junk filters with 400', async () => {
    const ws = await newWorkspace(t);
    for (const query of [
      'actionPrefix=DROP TABLE',
      "actionPrefix=token'",
      'actionPrefix=%25',
      `actionPrefix=${'a'.repeat(101)}`,
      'targetType=planet',
      'targetId=nope',
      'actorId=nope',
      'from=yesterday',
      'from=2026-13-45',
      'to=1e10',
      `to=${'9'.repeat(50)}`,
      'from=2026-01-01&from=2026-02-01',
      'unknown=1',
    ]) {
      expectProblem(
        await t.http().get(`/v1/workspaces/${ws.id}/audit-events?${query}`).set(bearer(ws.owner.personalToken)),
        400,
        'validation_failed',
      );
    }
  });
});

describe('audit log export', () => {
  it('writes the filtered events as CSV, formulas neutralised, and as JSON', async () => {
    const ws = await newWorkspace(t);
    await ws.device({ name: '=HYPERLINK("http://evil.example","x")' });
    const csv = await t
      .http()
      .get(`/v1/workspaces/${ws.id}/audit-events/export?format=csv&actionPrefix=device.`)
      .set(bearer(ws.owner.personalToken))
      .expect(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.headers['content-disposition']).toBe(`attachment; filename="audit-${ws.id}.csv"`);
    expect(csv.headers['latchkey-export-truncated']).toBe('false');
    const lines = csv.text.trimEnd().split('\r\n');
    expect(lines[0]).toBe('id,createdAt,action,actorType,actorId,actorTokenId,targetType,targetId,ip,details');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(',device.created,user,');
    // The name is inside the JSON of details, in a quoted cell: no cell starts with = (or +, -, @).
    expect(lines[1].split(',').some((cell) => /^[=+\-@]/.test(cell))).toBe(false);

    const json = await t
      .http()
      .get(`/v1/workspaces/${ws.id}/audit-events/export?format=json`)
      .set(bearer(ws.owner.personalToken))
      .expect(200);
    expect(json.headers['content-type']).toMatch(/^application\/json/);
    expect(json.body).toMatchObject({ truncated: false, exportedAt: expect.any(String) });
    const listed = await events(ws, '');
    expect(json.body.items).toEqual(listed);
  });

  it('caps an export and says so', async () => {
    const ws = await newWorkspace(t);
    // Many events without many requests: rows as AuditLog writes them.
    await t.dataSource.query(
      `INSERT INTO audit_events (id, workspace_id, account_id, action, actor_type, actor_id, actor_token_id, target_type, target_id, ip, details, created_at)
       SELECT gen_random_uuid(), $1, NULL, 'device.read', 'system', NULL, NULL, NULL, NULL, NULL, '{}'::jsonb, now() - (n || ' seconds')::interval
         FROM generate_series(1, 10005) n`,
      [ws.id],
    );
    const res = await t
      .http()
      .get(`/v1/workspaces/${ws.id}/audit-events/export?format=json&actionPrefix=device.read`)
      .set(bearer(ws.owner.personalToken))
      .expect(200);
    expect(res.headers['latchkey-export-truncated']).toBe('true');
    expect(res.body.truncated).toBe(true);
    expect(res.body.items).toHaveLength(10_000);
  });

  describe('attacks', () => {
    it("another workspace's owner, a member without audit:read, an API user without it, a token without the scope", async () => {
      const ws = await newWorkspace(t);
      const stranger = await newWorkspace(t);
      const viewer = await ws.member('viewer');
      const bot = await ws.apiUser({ roles: ['viewer'] });
      const noAudit = await createNamedToken(t, ws.owner.personalToken, { scopes: ['devices:read'] });
      const url = `/v1/workspaces/${ws.id}/audit-events/export?format=csv`;
      expectProblem(await t.http().get(url).set(bearer(stranger.owner.personalToken)), 404, 'not_found');
      expectProblem(await t.http().get(url).set(bearer(viewer.personalToken)), 403, 'forbidden');
      expectProblem(await t.http().get(url).set(bearer(bot.token)), 403, 'forbidden');
      expectProblem(await t.http().get(url).set(bearer(noAudit.secret)), 403, 'insufficient_scope');
      expectProblem(await t.http().get(url), 401, 'token_missing');
      // An admin API user may export.
      const auditor = await ws.apiUser({ roles: ['admin'] });
      await t.http().get(url).set(bearer(auditor.token)).expect(200);
    });

    it('answers JSON without a format, and refuses junk', async () => {
      const ws = await newWorkspace(t);
      expect(
        (await t.http().get(`/v1/workspaces/${ws.id}/audit-events/export`).set(bearer(ws.owner.personalToken)).expect(200)).body.truncated,
      ).toBe(false);
      for (const query of ['format=xml', 'format=csv&format=json', 'format=csv&limit=5', 'format=csv&targetType=x']) {
        expectProblem(
          await t.http().get(`/v1/workspaces/${ws.id}/audit-events/export?${query}`).set(bearer(ws.owner.personalToken)),
          400,
          'validation_failed',
        );
      }
    });
  });
});
