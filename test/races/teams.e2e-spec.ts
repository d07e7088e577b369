// A team change during a burst of checks: once the change has answered, no check sent after it is
// allowed what the team handed out, on the embedded database and on PostgreSQL (a pool, so checks
// and the change really overlap). Checks racing the change may see either answer, never a 5xx.
import { randomUUID } from 'node:crypto';
import { bearer } from '../support/api';
import { newWorkspace, WorkspaceFixture } from '../support/fixtures';
import { startTestApp, TestApp } from '../support/test-app';

const onPostgres = Boolean(process.env.DATABASE_URL);
/** Checks in flight at once, and for how long the burst runs after the change answered. */
const WORKERS = onPostgres ? 24 : 6;
const AFTER_MS = 400;
jest.setTimeout(120_000);

let t: TestApp;

interface Check {
  sentAt: number;
  status: number;
}

async function setUp(): Promise<{ ws: WorkspaceFixture; teamId: string; memberId: string; secret: string; role: string }> {
  const ws = await newWorkspace(t);
  const member = await ws.member('viewer');
  const role = await ws.role(['workspace:read', 'audit:read']);
  const team = await t
    .http()
    .post(`/v1/workspaces/${ws.id}/teams`)
    .set(bearer(ws.owner.personalToken))
    .send({ name: `Auditors ${randomUUID().slice(0, 6)}`, roleIds: [role], deviceAccess: { mode: 'all' } })
    .expect(201);
  await t.http().put(`/v1/workspaces/${ws.id}/teams/${team.body.id}/members/${member.id}`).set(bearer(ws.owner.personalToken)).expect(200);
  return { ws, teamId: team.body.id, memberId: member.id, secret: member.personalToken, role };
}

/** Checks audit:read from WORKERS loops; the change runs once the cache is warm, and the loops go on AFTER_MS after it answered. */
async function burst(secret: string, workspaceId: string, change: () => Promise<number>): Promise<{ checks: Check[]; answeredAt: number }> {
  const checks: Check[] = [];
  let stopAt = Number.POSITIVE_INFINITY;
  const loop = async () => {
    while (Date.now() < stopAt) {
      const sentAt = Date.now();
      const res = await t.http().get('/v1/authorize').query({ workspaceId, permission: 'audit:read' }).set(bearer(secret));
      checks.push({ sentAt, status: res.status });
    }
  };
  const loops = Array.from({ length: WORKERS }, loop);
  // Warm: the access row is cached and answers are flowing before the change.
  while (checks.filter((c) => c.status === 204).length < WORKERS * 3) await new Promise((r) => setTimeout(r, 5));
  const status = await change();
  const answeredAt = Date.now();
  expect(status).toBeLessThan(300);
  stopAt = answeredAt + AFTER_MS;
  await Promise.all(loops);
  return { checks, answeredAt };
}

describe('team changes during a burst of checks', () => {
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const changes: Array<[string, (s: Awaited<ReturnType<typeof setUp>>) => Promise<number>]> = [
    [
      "the team's role is taken away",
      async ({ ws, teamId }) =>
        (await t.http().patch(`/v1/workspaces/${ws.id}/teams/${teamId}`).set(bearer(ws.owner.personalToken)).send({ roleIds: [] })).status,
    ],
    [
      'the member is taken out of the team',
      async ({ ws, teamId, memberId }) =>
        (await t.http().delete(`/v1/workspaces/${ws.id}/teams/${teamId}/members/${memberId}`).set(bearer(ws.owner.personalToken))).status,
    ],
    [
      'the team is deleted',
      async ({ ws, teamId }) =>
        (await t.http().delete(`/v1/workspaces/${ws.id}/teams/${teamId}`).set(bearer(ws.owner.personalToken))).status,
    ],
    [
      "the team role's permission is taken out of the role",
      async ({ ws, role }) =>
        (
          await t
            .http()
            .patch(`/v1/workspaces/${ws.id}/roles/${role}`)
            .set(bearer(ws.owner.personalToken))
            .send({ permissions: ['workspace:read'] })
        ).status,
    ],
  ];

  it.each(changes)('allows nothing sent after the change answered when %s', async (_label, change) => {
    const setup = await setUp();
    const { checks, answeredAt } = await burst(setup.secret, setup.ws.id, () => change(setup));
    const after = checks.filter((c) => c.sentAt > answeredAt);
    expect(after.length).toBeGreaterThan(WORKERS);
    expect(after.filter((c) => c.status !== 403)).toEqual([]);
    expect(checks.filter((c) => c.status !== 204 && c.status !== 403)).toEqual([]);
  });
});
