// Every route declares who may call it. The snapshot is the permission table of the API:
// a diff in it is a permission change and is reviewed as one (update with `npx jest -u`).
import { describeRule, routeTable } from '../support/route-table';
import { startTestApp, TestApp } from '../support/test-app';

describe('route table', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('finds the routes', () => {
    expect(routeTable(t.app).length).toBeGreaterThanOrEqual(20);
  });

  it('has an access rule on every route', () => {
    const undeclared = routeTable(t.app).filter((r) => r.rule === undefined);
    expect(undeclared.map((r) => `${r.method} ${r.path}`)).toEqual([]);
  });

  it('matches the reviewed permission table', () => {
    const table = routeTable(t.app).map((r) => `${r.method.padEnd(6)} ${r.path.padEnd(48)} ${describeRule(r.rule)}`);
    expect(table.join('\n')).toMatchSnapshot();
  });
});
