// Sixth security review (federation's fifth-review fixes, the outbox's fair share of a lane): each test
// asserts the SECURE behaviour and fails on the commit reviewed.
// Run: npx jest --ci test/security/review-sixth.e2e-spec.ts (and with DATABASE_URL for PostgreSQL).
import { OutboxRepository } from '../../src/outbox/outbox.repository';
import { startTestApp, TestApp } from '../support/test-app';

interface PlanNode {
  'Relation Name'?: string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Index Recheck'?: number;
  Plans?: PlanNode[];
}

/** Rows of outbox_jobs the plan's scans read (returned or filtered away), over every loop. */
function outboxRowsRead(node: PlanNode): number {
  const own =
    node['Relation Name'] === 'outbox_jobs'
      ? ((node['Actual Rows'] ?? 0) + (node['Rows Removed by Filter'] ?? 0) + (node['Rows Removed by Index Recheck'] ?? 0)) *
        (node['Actual Loops'] ?? 1)
      : 0;
  return own + (node.Plans ?? []).reduce((sum, child) => sum + outboxRowsRead(child), 0);
}

describe('security review 6', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  describe('outbox fair share', () => {
    it("O1: a claim reads a bounded number of rows, however large one share key's backlog of due jobs (no O(backlog) scan per claim)", async () => {
      // A tenant's receivers never answer: its deliveries pile up due (20 endpoints x every event, 3 sent
      // per timeout), while the lane claims again every time any job ends. Here 20 000 of them, its
      // key at its cap, and one due job of another key.
      const kind = 'review6-backlog';
      const now = t.clock.now();
      const repository = t.app.get(OutboxRepository);
      const BACKLOG = 20_000;
      for (let i = 0; i < BACKLOG; i += 5000) {
        await repository.insertMany(
          t.dataSource.manager,
          Array.from({ length: 5000 }, (_, n) => ({
            kind,
            payload: {},
            shareKey: 'tarpit-workspace',
            runAt: new Date(now.getTime() - 3_600_000 + i + n),
            createdAt: now,
          })),
        );
      }
      const [other] = await repository.insertMany(t.dataSource.manager, [
        { kind, payload: {}, shareKey: 'other-workspace', runAt: new Date(now.getTime() - 1000), createdAt: now },
      ]);
      await t.dataSource.query('ANALYZE outbox_jobs');

      // The claim statement itself, run under EXPLAIN ANALYZE (it still claims).
      const source = (repository as unknown as { dataSource: { query: (sql: string, params?: unknown[]) => Promise<unknown> } }).dataSource;
      const original = source.query.bind(source);
      let plan: PlanNode | null = null;
      const spy = jest.spyOn(source, 'query').mockImplementation(async (sql: string, params?: unknown[]) => {
        const rows = (await original(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`, params)) as Array<Record<string, unknown>>;
        const json = rows[0]['QUERY PLAN'];
        plan = ((typeof json === 'string' ? JSON.parse(json) : json) as Array<{ Plan: PlanNode }>)[0].Plan;
        return [[], 0];
      });
      try {
        await repository.claim(kind, now, new Date(now.getTime() + 60_000), {
          limit: 7,
          perShareKey: 3,
          roomByShareKey: new Map([['tarpit-workspace', 0]]),
          failingKeys: [],
          failingRoom: 0,
        });
      } finally {
        spy.mockRestore();
      }
      expect(plan).not.toBeNull();
      // It did claim the other workspace's job...
      const [row] = await t.dataSource.query(`SELECT attempts FROM outbox_jobs WHERE id = $1`, [other]);
      expect(row.attempts).toBe(1);
      // ...but to take at most 7 jobs it read every one of the tarpit's 20 000 due rows (the GROUP BY
      // of open_keys): each claim costs O(backlog), on PGlite's single connection too.
      expect(outboxRowsRead(plan!)).toBeLessThan(1000);
    }, 180_000);
  });
});
