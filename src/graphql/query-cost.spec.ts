// The prices of docs/graphql.md's queries, read from the committed schema.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, parse } from 'graphql';
import { getComplexity } from 'graphql-query-complexity';
import { MAX_QUERY_COST, QUERY_COST_ESTIMATORS } from './query-cost';

const schema = buildSchema(readFileSync(join(__dirname, '../../schema.graphql'), 'utf8'));
const cost = (query: string, variables: Record<string, unknown> = {}) =>
  getComplexity({ schema, query: parse(query), variables, estimators: QUERY_COST_ESTIMATORS });

const DASHBOARD = `workspace(id: "w") {
  id name access { isOwner permissions }
  members(limit: 200) { items { userId email roles { name } deviceAccess { mode deviceIds } } nextCursor }
  devices(limit: 200) { items { id name serial metadata } nextCursor }
  apiUsers(limit: 50) { items { id name status tokens { items { id hint expiresAt lastUsedAt } } } }
}`;

describe('query cost', () => {
  it('prices the dashboard by the rows it may read, under the limit; four of it over', () => {
    const one = cost(`{ ${DASHBOARD} }`);
    // 200 members × (their fields + up to 20 roles) + 200 devices + 50 API users × 50 tokens.
    expect(one).toBeGreaterThan(50 * 50 * 4);
    expect(one).toBeLessThan(MAX_QUERY_COST);
    expect(cost(`{ a: ${DASHBOARD} b: ${DASHBOARD} c: ${DASHBOARD} d: ${DASHBOARD} }`)).toBeGreaterThan(MAX_QUERY_COST);
  });

  it('multiplies nested pages, with limits from variables, and never past 200 a page', () => {
    const nested =
      'query($a: Int, $b: Int) { workspace(id: "w") { apiUsers(limit: $a) { items { tokens(limit: $b) { items { id } } } } } }';
    expect(cost(nested, { a: 200, b: 200 })).toBeGreaterThan(200 * 200);
    expect(cost(nested, { a: 10, b: 10 })).toBeLessThan(10 * 10 * 3);
    expect(cost(nested, { a: 1e9, b: 1e9 })).toBe(cost(nested, { a: 200, b: 200 }));
    expect(cost(nested)).toBe(cost(nested, { a: 50, b: 50 }));
  });
});
