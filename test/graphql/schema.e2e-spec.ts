// The committed schema.graphql is the schema /graphql serves: a change of the API shows in review.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildClientSchema, buildSchema, getIntrospectionQuery, printSchema, type IntrospectionQuery } from 'graphql';
import { startTestApp, TestApp } from '../support/test-app';

describe('schema.graphql', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('is the served schema (run npm run graphql-schema after changing it)', async () => {
    const res = await t.http().post('/graphql').send({ query: getIntrospectionQuery() }).expect(200);
    const served = printSchema(buildClientSchema(res.body.data as IntrospectionQuery));
    const committed = readFileSync(join(__dirname, '..', '..', 'schema.graphql'), 'utf8');
    // Compared through a client's eyes: what introspection tells, both printed the same way.
    expect(printSchema(buildSchema(committed))).toBe(served);
  });
});
