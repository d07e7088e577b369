// Independent review of /graphql's query cost (src/graphql/query-cost.ts) and the limits around it:
// an outside auditor's attempts to get a huge read past the price. Each attempt is a test; a request
// the cost must refuse answers 400 GRAPHQL_VALIDATION_FAILED before any resolver runs.
import { newWorkspace, type WorkspaceFixture } from '../support/fixtures';
import { startTestApp, TestApp } from '../support/test-app';
import { codes, gql, type GqlResult } from '../graphql/gql';

function expectRefusedByCost(res: GqlResult): void {
  expect(res.status).toBe(400);
  expect(codes(res)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  expect(res.errors?.[0].message).toMatch(/costs \d+/);
}

describe('GraphQL review: getting a huge read past the query cost', () => {
  let t: TestApp;
  let ws: WorkspaceFixture;

  beforeAll(async () => {
    t = await startTestApp();
    ws = await newWorkspace(t);
  });
  afterAll(() => t.close());

  const ask = (query: string, variables?: Record<string, unknown>) => gql(t, ws.owner.personalToken, query, variables);

  it('prices a page whose items are not selected (only __typename, or nothing but nextCursor) as the rows it reads', async () => {
    // Hole found in review: `__typename` is priced 0, so `tokens(limit: 200) { __typename }` cost 1 while
    // its resolver still read 200 tokens; 15 such aliases read 15 × 40,000 rows for a cost of ~6,000.
    const page = (alias: string) => `${alias}: apiUsers(limit: 200) { items { tokens(limit: 200) { __typename } } }`;
    expectRefusedByCost(await ask(`query($w: ID!) { workspace(id: $w) { ${page('a')} ${page('b')} } }`, { w: ws.id }));
    // Only the next cursor of each page: the rows are read all the same.
    expectRefusedByCost(
      await ask('{ workspaces(limit: 200) { items { apiUsers(limit: 200) { items { tokens(limit: 200) { nextCursor } } } } } }'),
    );
    // A page of pages with nothing selected below it: still 200 × 200 rows, twice.
    const bare = (alias: string) => `${alias}: workspaces(limit: 200) { items { apiUsers(limit: 200) { __typename } } }`;
    expectRefusedByCost(await ask(`{ ${bare('a')} ${bare('b')} }`));
    // The dashboard's honest pages still run.
    const honest = await ask('query($w: ID!) { workspace(id: $w) { apiUsers(limit: 50) { items { tokens { items { id } } } } } }', {
      w: ws.id,
    });
    expect(honest.errors).toBeUndefined();
  });

  it('multiplies nested pages whose limits come from variables, variable defaults and fragments', async () => {
    const nested = 'apiUsers(limit: $n) { items { tokens(limit: $n) { items { id } } } }';
    expectRefusedByCost(await ask(`query($w: ID!, $n: Int) { workspace(id: $w) { ${nested} } }`, { w: ws.id, n: 200 }));
    expectRefusedByCost(await ask(`query($w: ID!, $n: Int = 200) { workspace(id: $w) { ${nested} } }`, { w: ws.id }));
    expectRefusedByCost(
      await ask(
        'query($w: ID!) { workspace(id: $w) { ...A } } fragment A on Workspace { apiUsers(limit: 200) { items { ...T } } } fragment T on ApiUser { tokens(limit: 200) { items { id } } }',
        { w: ws.id },
      ),
    );
    // Inline fragments, and the same page twice through two fragments on one field: still counted.
    expectRefusedByCost(
      await ask(
        'query($w: ID!) { workspace(id: $w) { ... on Workspace { apiUsers(limit: 200) { items { ... on ApiUser { tokens(limit: 200) { items { id hint } } } } } } } }',
        { w: ws.id },
      ),
    );
  });

  it('adds aliases up: 15 dashboards within the alias limit are refused, one runs', async () => {
    const one = (alias: string) => `${alias}: members(limit: 200) { items { userId email roles { name } } }`;
    const res = await ask(`query($w: ID!) { workspace(id: $w) { ${one('a')} } }`, { w: ws.id });
    expect(res.errors).toBeUndefined();
    const fifteen = Array.from({ length: 15 }, (_, i) => one(`m${i}`)).join(' ');
    expectRefusedByCost(await ask(`query($w: ID!) { workspace(id: $w) { ${fifteen} } }`, { w: ws.id }));
  });

  it('does not let introspection carry a priced field: __schema/__type hold no data fields, and __typename costs no discount', async () => {
    // A data field cannot sit under an introspection type: the document does not validate.
    const res = await ask('{ __schema { queryType { name } } __type(name: "Workspace") { fields { name } } }');
    expect(res.status).toBe(200);
    const mixed = await ask(
      'query($w: ID!) { __typename a: __schema { types { name } } workspace(id: $w) { apiUsers(limit: 200) { items { tokens(limit: 200) { items { id } } } } } }',
      { w: ws.id },
    );
    expectRefusedByCost(mixed);
    // graphql-js's own introspection depth rule holds the cycles the depth limit does not count.
    const deep = await ask('{ __schema { types { fields { type { fields { type { fields { type { fields { name } } } } } } } } } }');
    expect(deep.status).toBe(400);
    expect(codes(deep)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  });

  it('answers an operation name that names no operation with a client error, never a 500 (an anonymous query)', async () => {
    const res = await t
      .http()
      .post('/graphql')
      .set('Authorization', `Bearer ${ws.owner.personalToken}`)
      .send({ query: '{ me { __typename } }', operationName: 'Other' });
    expect(res.status).toBeLessThan(500);
    expect(JSON.stringify(res.body)).not.toMatch(/INTERNAL|Cannot read|TypeError/);
  });

  it('prices @include(if: $v) by the variable sent, as it runs', async () => {
    const q =
      'query($w: ID!, $v: Boolean!) { workspace(id: $w) { apiUsers(limit: 200) @include(if: $v) { items { tokens(limit: 200) { items { id } } } } } }';
    expectRefusedByCost(await ask(q, { w: ws.id, v: true }));
    expect((await ask(q, { w: ws.id, v: false })).errors).toBeUndefined();
  });

  it('prices a token policy preview as the scan it is: one per request, as REST', async () => {
    // Hole found in review: each alias scanned every token reaching the workspace, priced at a few fields.
    const preview = (alias: string) =>
      `${alias}: tokenPolicyPreview(workspaceId: $w, input: { allowPersonalTokens: false, maxLifetimeDays: null }) { checked refused }`;
    const one = await ask(`query($w: ID!) { ${preview('a')} }`, { w: ws.id });
    expect(one.errors).toBeUndefined();
    expect((one.data?.a as { checked: number }).checked).toBeGreaterThanOrEqual(1);
    expectRefusedByCost(await ask(`query($w: ID!) { ${preview('a')} ${preview('b')} }`, { w: ws.id }));
    const fifteen = Array.from({ length: 15 }, (_, i) => preview(`p${i}`)).join(' ');
    expectRefusedByCost(await ask(`query($w: ID!) { ${fifteen} }`, { w: ws.id }));
  });

  it('answers the schema once per request: 15 aliases of the whole __schema, without a token, are refused', async () => {
    // Hole found in review: introspection is free of the depth limit and priced 0, and public: 15 aliased
    // copies answered 1.4 MB for about 0.7 s of server time per anonymous request.
    const schema = (alias: string) =>
      `${alias}: __schema { types { name fields { name args { name type { name ofType { name } } } type { name ofType { name } } } } }`;
    const one = await gql(t, null, `{ ${schema('a')} }`);
    expect(one.status).toBe(200);
    expect(one.errors).toBeUndefined();
    const many = await gql(t, null, `{ ${Array.from({ length: 15 }, (_, i) => schema(`s${i}`)).join(' ')} }`);
    expect(many.status).toBe(400);
    expect(codes(many)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(JSON.stringify(many.body).length).toBeLessThan(2_000);
    // Through fragments, too; one fragment spread twice is one answer, and still runs.
    const viaFragment = await gql(t, null, `{ ...S b: __schema { types { name } } } fragment S on Query { ${schema('a')} }`);
    expect(codes(viaFragment)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    const twiceSame = await gql(t, null, `{ ...S ...S } fragment S on Query { ${schema('a')} }`);
    expect(twiceSame.errors).toBeUndefined();
    // A client's standard introspection query (GraphiQL, codegen) still answers.
    const standard = await gql(
      t,
      null,
      '{ __schema { queryType { name } mutationType { name } types { name kind } directives { name } } __type(name: "Workspace") { name } }',
    );
    expect(standard.errors).toBeUndefined();
  });

  it('prices a request whose variables or operation name are junk without a 500, and never prices it lower than it runs', async () => {
    const q =
      'query Big($w: ID!, $n: Int = 200) { workspace(id: $w) { apiUsers(limit: $n) { items { tokens(limit: $n) { items { id } } } } } }';
    const send = (body: Record<string, unknown>, method: 'post' | 'get' = 'post') =>
      method === 'post'
        ? t.http().post('/graphql').set('Authorization', `Bearer ${ws.owner.personalToken}`).send(body)
        : t.http().get('/graphql').set('Authorization', `Bearer ${ws.owner.personalToken}`).query(body);
    for (const body of [
      { query: q, variables: 'not an object' },
      { query: q, variables: [ws.id] },
      { query: q, variables: { w: ws.id, n: '200' } },
      { query: q, variables: { w: ws.id }, operationName: 123 },
      { query: q, variables: { w: ws.id }, operationName: { a: 1 } },
      { query: `${q} query Small { me { __typename } }`, variables: { w: ws.id }, operationName: 'Small' },
      { query: `${q} query Small { me { __typename } }`, variables: { w: ws.id } },
    ]) {
      const res = await send(body);
      expect({ body: JSON.stringify(body).slice(0, 60), status: res.status < 500 }).toEqual({
        body: JSON.stringify(body).slice(0, 60),
        status: true,
      });
      expect(JSON.stringify(res.body)).not.toMatch(/INTERNAL|TypeError|Cannot read/);
      // Whatever ran, the 200 × 200 tokens did not.
      if (res.status === 200 && res.body.data) expect(res.body.data.workspace).toBeUndefined();
    }
    // Over GET, variables in the query string: the same price.
    const get = await send({ query: q, variables: JSON.stringify({ w: ws.id }) }, 'get');
    expect(get.status).toBe(400);
    expect(get.body.errors[0].message).toMatch(/costs \d+/);
  });
});
