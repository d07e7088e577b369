// No N+1: a workspace with its members (roles, device access), devices and API users (their tokens)
// costs the same number of SQL statements whatever the number of rows. The benchmark case (200
// members, 200 devices, 50 API users with 2 tokens each) is filled in SQL; the numbers and the REST
// calls fetching the same data are printed (docs/graphql.md quotes them).
import { performance } from 'node:perf_hooks';
import { bearer } from '../support/api';
import { DASHBOARD_QUERY, fillWorkspace, type BulkCounts } from '../support/bulk-fill';
import { newWorkspace, type WorkspaceFixture } from '../support/fixtures';
import { startTestApp, TestApp } from '../support/test-app';
import { gql } from './gql';

const QUERY = DASHBOARD_QUERY;

const fill = (t: TestApp, ws: WorkspaceFixture, counts: BulkCounts) =>
  fillWorkspace((sql, params) => t.dataSource.query(sql, params), { id: ws.id, viewerRoleId: ws.roles.viewer }, counts);

async function measured<T>(t: TestApp, run: () => Promise<T>): Promise<{ result: T; statements: number; ms: number }> {
  const before = t.queries.total;
  const started = performance.now();
  const result = await run();
  return { result, statements: t.queries.total - before, ms: performance.now() - started };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

describe('GraphQL efficiency', () => {
  let t: TestApp;
  beforeAll(async () => {
    // A long cache life: under load the runs take seconds, and an entry expiring between them is not an N+1.
    t = await startTestApp({ LATCHKEY_CACHE_TTL_SECONDS: '300' });
  });
  afterAll(() => t.close());

  async function graphqlStatements(ws: WorkspaceFixture): Promise<{ cold: number; warm: number }> {
    const run = () => gql(t, ws.owner.personalToken, QUERY, { w: ws.id });
    const cold = await measured(t, run);
    expect(cold.result.errors).toBeUndefined();
    // Background work (last-used flushes) may land in one run: the fewest of three is the query's own.
    const warm: number[] = [];
    for (let i = 0; i < 3; i++) warm.push((await measured(t, run)).statements);
    if (process.env.GQL_SHOW_SQL) {
      const stop = t.queries.onQuery((sql) => console.log(sql.replace(/\s+/g, ' ').slice(0, 160)));
      await run();
      stop();
    }
    return { cold: cold.statements, warm: Math.min(...warm) };
  }

  it('costs the same statements for 2 rows of each kind as for 200 members, 200 devices and 50 API users', async () => {
    const small = await newWorkspace(t);
    await fill(t, small, { members: 2, devices: 2, apiUsers: 2 });
    const large = await newWorkspace(t);
    await fill(t, large, { members: 199, devices: 200, apiUsers: 50 });

    const smallCount = await graphqlStatements(small);
    const largeCount = await graphqlStatements(large);
    expect(largeCount.warm).toEqual(smallCount.warm);
    // Cold runs are measured once, so background work (a last-used flush: up to two statements) may land
    // in one of them (CI, under load); an N+1 would add hundreds.
    expect(largeCount.cold).toBeLessThanOrEqual(smallCount.cold + 2);
    // Workspace, members, devices, API users, their tokens (two), and the caller's access row when not cached.
    expect(largeCount.warm).toBeLessThanOrEqual(8);

    const body = (await gql(t, large.owner.personalToken, QUERY, { w: large.id })).data as {
      workspace: {
        members: { items: unknown[] };
        devices: { items: unknown[] };
        apiUsers: { items: Array<{ tokens: { items: unknown[] } }> };
      };
    };
    expect(body.workspace.members.items).toHaveLength(200);
    expect(body.workspace.devices.items).toHaveLength(200);
    expect(body.workspace.apiUsers.items).toHaveLength(50);
    expect(body.workspace.apiUsers.items.every((a) => a.tokens.items.length === 2)).toBe(true);

    // The same data through REST: the workspace, three lists, and one token list per API user.
    const auth = bearer(large.owner.personalToken);
    const rest = async () => {
      const get = (path: string) => t.http().get(`/v1/workspaces/${large.id}${path}`).set(auth).expect(200);
      await get('');
      await get('/members?limit=200');
      await get('/devices?limit=200');
      const apiUsers = await get('/api-users?limit=50');
      for (const a of apiUsers.body.items as Array<{ id: string }>) await get(`/api-users/${a.id}/tokens`);
    };
    const graphqlRuns: Array<{ statements: number; ms: number }> = [];
    const restRuns: Array<{ statements: number; ms: number }> = [];
    for (let i = 0; i < 5; i++) {
      graphqlRuns.push(await measured(t, () => gql(t, large.owner.personalToken, QUERY, { w: large.id })));
      restRuns.push(await measured(t, rest));
    }
    console.log(
      JSON.stringify({
        database: t.database?.embedded === false ? 'postgresql' : 'embedded',
        graphql: {
          statementsCold: largeCount.cold,
          statementsWarm: largeCount.warm,
          requests: 1,
          medianMs: Math.round(median(graphqlRuns.map((r) => r.ms))),
        },
        rest: {
          statements: median(restRuns.map((r) => r.statements)),
          requests: 54,
          medianMs: Math.round(median(restRuns.map((r) => r.ms))),
        },
      }),
    );
  });
});
