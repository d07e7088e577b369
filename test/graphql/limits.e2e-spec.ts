// What /graphql refuses before running anything: deep, wide, aliased or costly queries, batches,
// over-long documents, introspection when switched off, GraphiQL unless switched on; and junk
// variables, which answer a client error with the domain's codes, never a 500, stack or SQL.
import fc from 'fast-check';
import { newWorkspace, type WorkspaceFixture } from '../support/fixtures';
import { startTestApp, TestApp } from '../support/test-app';
import { codes, gql } from './gql';

describe('GraphQL limits', () => {
  let t: TestApp;
  let ws: WorkspaceFixture;
  let token: string;

  beforeAll(async () => {
    t = await startTestApp();
    ws = await newWorkspace(t);
    token = ws.owner.personalToken;
  });
  afterAll(() => t.close());

  it('refuses a query deeper than 10 levels', async () => {
    const deep = `query($w: ID!) { workspace(id: $w) { apiUsers { items { tokens { items { id } } } } } a: workspaces { items { id } } }`;
    expect((await gql(t, token, deep, { w: ws.id })).errors).toBeUndefined();
    const fields = Array.from({ length: 11 }, (_, i) => `f${i}: workspaces { items {`).join(' ') + ' id ' + '} } '.repeat(11);
    const res = await gql(t, token, `{ ${fields} }`);
    expect(res.status).toBe(400);
    expect(codes(res)).toContain('GRAPHQL_VALIDATION_FAILED');
  });

  it('refuses more than 15 aliases', async () => {
    const aliases = Array.from({ length: 16 }, (_, i) => `a${i}: permissions { permissions { name } }`).join(' ');
    const res = await gql(t, null, `{ ${aliases} }`);
    expect(res.status).toBe(400);
    expect(res.errors?.[0].message).toMatch(/alias/i);
  });

  it('refuses a costly query', async () => {
    const wide = Array.from(
      { length: 14 },
      (_, i) =>
        `w${i}: workspace(id: $w) { members { items { userId email name joinedAt roles { id name builtIn } deviceAccess { mode deviceIds } } } devices { items { id name serial metadata createdAt updatedAt } } }`,
    ).join(' ');
    const res = await gql(t, token, `query($w: ID!) { ${wide} }`, { w: ws.id });
    expect(res.status).toBe(400);
    expect(res.errors?.[0].message).toMatch(/cost/i);
  });

  const DASHBOARD = `workspace(id: $w) {
      id name access { isOwner permissions }
      members(limit: 200) { items { userId email roles { name } deviceAccess { mode deviceIds } } nextCursor }
      devices(limit: 200) { items { id name serial metadata } nextCursor }
      apiUsers(limit: 50) { items { id name status tokens { items { id hint expiresAt lastUsedAt } } } }
    }`;

  it("prices lists by their page size: docs/graphql.md's dashboard runs, four of it are refused", async () => {
    const one = await gql(t, token, `query($w: ID!) { ${DASHBOARD} }`, { w: ws.id });
    expect(one.errors).toBeUndefined();
    expect((one.data?.workspace as { id: string }).id).toBe(ws.id);
    const four = [1, 2, 3, 4].map((i) => `d${i}: ${DASHBOARD}`).join(' ');
    const res = await gql(t, token, `query($w: ID!) { ${four} }`, { w: ws.id });
    expect(res.status).toBe(400);
    expect(res.errors?.[0].message).toMatch(/costs \d+, more than the 50000/);
  });

  it('prices a page size given as a variable, so nesting 200 × 200 tokens is refused and 20 × 20 runs', async () => {
    const nested =
      'query($w: ID!, $a: Int, $b: Int) { workspace(id: $w) { apiUsers(limit: $a) { items { id tokens(limit: $b) { items { id hint scopes } } } } } }';
    const big = await gql(t, token, nested, { w: ws.id, a: 200, b: 200 });
    expect(big.status).toBe(400);
    expect(codes(big)).toContain('GRAPHQL_VALIDATION_FAILED');
    const small = await gql(t, token, nested, { w: ws.id, a: 20, b: 20 });
    expect(small.errors).toBeUndefined();
    // A limit out of range is not priced past 200: the list's own validation answers it, by name.
    const junk = await gql(t, token, nested, { w: ws.id, a: 1_000_000_000, b: 1 });
    expect(codes(junk)).toContain('BAD_USER_INPUT');
  });

  it('refuses batched operations', async () => {
    const res = await t
      .http()
      .post('/graphql')
      .set('Authorization', `Bearer ${token}`)
      .send([{ query: '{ me { __typename } }' }, { query: '{ me { __typename } }' }]);
    expect(res.status).toBe(400);
  });

  it('refuses a document over 32 KiB, and a body over 256 KiB', async () => {
    const res = await gql(t, null, `{ permissions { permissions { name } } } # ${'x'.repeat(33 * 1024)}`);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('validation_failed');
    const big = await t
      .http()
      .post('/graphql')
      .send({ query: '{ permissions { accountScopes { name } } }', variables: { x: 'y'.repeat(300 * 1024) } });
    expect(big.status).toBe(413);
  });

  it('answers GET for queries, never for mutations', async () => {
    const get = await t.http().get('/graphql').query({ query: '{ permissions { permissions { name } } }' });
    expect(get.status).toBe(200);
    const mutation = await t
      .http()
      .get('/graphql')
      .set('Authorization', `Bearer ${token}`)
      .query({ query: 'mutation { createWorkspace(input: { name: "via GET" }) { id } }' });
    expect(mutation.status).toBe(405);
    expect(JSON.stringify(mutation.body)).not.toContain('via GET');
  });

  it('serves introspection by default, and no GraphiQL', async () => {
    expect((await gql(t, null, '{ __schema { queryType { name } } }')).data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    expect((await t.http().get('/graphiql')).status).toBe(404);
  });

  it('answers junk variables with client errors and domain codes, never INTERNAL, a stack or SQL', async () => {
    const operations = [
      'query($w: ID!, $l: Int, $c: String) { workspace(id: $w) { members(limit: $l, cursor: $c) { items { userId } } } }',
      'query($w: ID!, $d: ID, $p: String!) { authorize(workspaceId: $w, permission: $p, deviceId: $d) { allowed } }',
      'mutation($w: ID!, $i: CreateDeviceInput!) { createDevice(workspaceId: $w, input: $i) { id } }',
      'mutation($w: ID!, $u: ID!, $i: UpdateMemberInput!) { updateMember(workspaceId: $w, userId: $u, input: $i) { userId } }',
      'mutation($i: CreateNamedTokenInput!) { createToken(input: $i) { id } }',
      'mutation($w: ID!, $i: CreateApiUserInput!) { createApiUser(workspaceId: $w, input: $i) { apiUser { id } } }',
    ];
    const junk = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.string({ unit: 'binary' }), fc.uuid(), fc.constant(ws.id));
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...operations),
        fc.dictionary(fc.constantFrom('w', 'l', 'c', 'd', 'p', 'u', 'i', 'x'), junk, { maxKeys: 6 }),
        async (query, variables) => {
          const res = await gql(t, token, query, variables);
          const text = JSON.stringify(res.body);
          expect(res.status === 200 || res.status === 400).toBe(true);
          expect(codes(res)).not.toContain('INTERNAL');
          expect(text).not.toMatch(/\bat [\w.]+ \(|SELECT |INSERT |node_modules|QueryFailedError/);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('names the field a DTO rule refuses, as REST does', async () => {
    const res = await gql(t, token, 'mutation($w: ID!) { createDevice(workspaceId: $w, input: { name: "", serial: "S" }) { id } }', {
      w: ws.id,
    });
    expect(codes(res)).toEqual(['BAD_USER_INPUT']);
    expect(res.errors?.[0].extensions?.fieldErrors).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'name' })]));
    const page = await gql(t, token, 'query($w: ID!) { workspace(id: $w) { devices(limit: 201) { items { id } } } }', { w: ws.id });
    expect(codes(page)).toEqual(['BAD_USER_INPUT']);
  });
});

describe('GraphQL switches', () => {
  it('refuses introspection when LATCHKEY_GRAPHQL_INTROSPECTION=false, and serves GraphiQL with LATCHKEY_GRAPHQL_IDE=true', async () => {
    const t = await startTestApp({ LATCHKEY_GRAPHQL_INTROSPECTION: 'false', LATCHKEY_GRAPHQL_IDE: 'true' });
    try {
      const res = await gql(t, null, '{ __schema { queryType { name } } }');
      expect(res.status).toBe(400);
      expect(new Set(codes(res))).toEqual(new Set(['GRAPHQL_VALIDATION_FAILED']));
      expect(res.errors?.[0].message).toMatch(/introspection has been disabled/);
      expect((await gql(t, null, '{ permissions { permissions { name } } }')).errors).toBeUndefined();
      const ide = await t.http().get('/graphiql');
      expect(ide.status).toBe(200);
      expect(ide.headers['content-security-policy']).toContain("script-src 'self' https://unpkg.com");
      // Only the IDE's pages: the API keeps its own policy.
      expect((await t.http().get('/v1/permissions')).headers['content-security-policy']).not.toContain('unpkg');
    } finally {
      await t.close();
    }
  });
});
