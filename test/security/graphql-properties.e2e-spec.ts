// Every mutation and every root query of the served schema, with arguments drawn at random from their
// GraphQL types (junk strings, unicode, huge numbers, real ids of the caller's and of another
// workspace's, nested inputs): never INTERNAL or a 500, never a stack, SQL or driver message, and
// another tenant's rows never change. The schema is read by introspection, so a new field joins by itself.
import fc from 'fast-check';
import {
  buildClientSchema,
  getIntrospectionQuery,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLSchema,
  type IntrospectionQuery,
} from 'graphql';
import { LastUsedRecorder } from '../../src/auth/last-used.recorder';
import { newWorkspace, type WorkspaceFixture } from '../support/fixtures';
import { startTestApp, TestApp } from '../support/test-app';
import { gql } from '../graphql/gql';

const RUNS_PER_FIELD = 12;
/** What may come back: every domain code but INTERNAL, and GraphQL's own refusals. */
const ALLOWED =
  /^(NOT_FOUND|FORBIDDEN|INSUFFICIENT_SCOPE|TOKEN_POLICY|BAD_USER_INPUT|CONFLICT|LAST_OWNER|TOKEN_MISSING|TOKEN_INVALID|RATE_LIMITED|GRAPHQL_VALIDATION_FAILED|GRAPHQL_PARSE_FAILED|PAYLOAD_TOO_LARGE)$/;
const LEAK = /\bat [\w.<>]+ \(|node_modules|QueryFailedError|SELECT |INSERT |UPDATE |violates|duplicate key|syntax error at|pg_|postgres/i;

const junk = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom(
    '',
    ' ',
    '\u200b',
    '\u0000',
    '../../etc/passwd',
    "'; DROP TABLE users; --",
    'x'.repeat(5000),
    '🚀'.repeat(300),
    'a@b',
    '*',
  ),
);
/** Half plausible (names, permissions, modes, emails), half junk: both the services and the validation are reached. */
const junkString = fc.oneof(
  fc.constantFrom('Greenhouse 3', 'Zoë 🚀', 'devices:read', 'measurements:write', 'viewer', 'all', 'selected', 'new@example.com', 'SN-1'),
  junk,
);

describe('GraphQL properties: every field with arguments drawn from its types', () => {
  let t: TestApp;
  let own: WorkspaceFixture;
  let other: WorkspaceFixture;
  let schema: GraphQLSchema;
  let ids: string[];

  beforeAll(async () => {
    t = await startTestApp();
    own = await newWorkspace(t);
    other = await newWorkspace(t);
    const ownDevice = (await own.device()).id;
    const otherDevice = (await other.device()).id;
    const otherBot = await other.apiUser({ roles: ['viewer'] });
    ids = [
      own.id,
      other.id,
      ownDevice,
      otherDevice,
      otherBot.id,
      otherBot.tokenId,
      own.owner.id,
      other.owner.id,
      own.roles.viewer,
      other.roles.admin,
    ];
    const res = await t.http().post('/graphql').send({ query: getIntrospectionQuery() }).expect(200);
    schema = buildClientSchema(res.body.data as IntrospectionQuery);
  }, 120_000);
  afterAll(() => t.close());

  /** Every row of the other workspace: its own, the rows naming it, its owner's account and tokens. */
  async function otherTenant(): Promise<string> {
    const tables = (await t.dataSource.query(
      `SELECT table_name FROM information_schema.columns WHERE column_name = 'workspace_id' AND table_schema = current_schema() ORDER BY table_name`,
    )) as Array<{ table_name: string }>;
    const rows: Record<string, unknown> = {};
    for (const { table_name: table } of tables) {
      rows[table] = await t.dataSource.query(`SELECT to_jsonb(x)::text AS row FROM "${table}" x WHERE workspace_id = $1 ORDER BY 1`, [
        other.id,
      ]);
    }
    rows.workspace = await t.dataSource.query(`SELECT to_jsonb(w)::text AS row FROM workspaces w WHERE id = $1`, [other.id]);
    rows.owner = await t.dataSource.query(`SELECT to_jsonb(u)::text AS row FROM users u WHERE id = $1`, [other.owner.id]);
    rows.tokens = await t.dataSource.query(
      `SELECT to_jsonb(k)::text AS row FROM tokens k
        WHERE k.user_id = $1 OR k.api_user_id IN (SELECT id FROM api_users WHERE workspace_id = $2) ORDER BY 1`,
      [other.owner.id, other.id],
    );
    return JSON.stringify(rows);
  }

  function valueOf(type: GraphQLInputType, depth = 0): fc.Arbitrary<unknown> {
    if (isNonNullType(type)) return valueOf(type.ofType, depth);
    const nullable = <T>(arb: fc.Arbitrary<T>) => fc.oneof({ weight: 9, arbitrary: arb }, { weight: 1, arbitrary: fc.constant(null) });
    if (isListType(type)) return nullable(fc.array(valueOf(type.ofType, depth + 1), { maxLength: depth > 1 ? 2 : 5 }));
    if (isEnumType(type)) return nullable(fc.oneof(fc.constantFrom(...type.getValues().map((v) => v.name)), junkString));
    if (isInputObjectType(type)) {
      const fields = Object.values(type.getFields());
      return nullable(fc.record(Object.fromEntries(fields.map((f) => [f.name, valueOf(f.type, depth + 1)])), { requiredKeys: [] }));
    }
    if (isScalarType(type)) {
      switch (type.name) {
        case 'ID':
          return fc.oneof(fc.constantFrom(...ids), fc.uuid(), junkString);
        case 'Int':
          return fc.oneof(fc.integer({ min: -5, max: 300 }), fc.integer(), fc.constantFrom(0, -1, 2 ** 31 - 1));
        case 'Float':
          return fc.double();
        case 'Boolean':
          return fc.boolean();
        case 'DateTime':
          return fc.oneof(
            fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
            junkString,
          );
        case 'JSONObject':
          return fc.oneof(fc.object({ maxDepth: 2 }), fc.constant({ ['k'.repeat(300)]: 'v'.repeat(3000) }), junkString);
        default:
          return junkString;
      }
    }
    return fc.constant(null);
  }

  /** `<op>($a: T, …) { field(a: $a, …) { __typename } }`, leaves asked for by __typename only. */
  function documentFor(operation: 'query' | 'mutation', field: GraphQLField<unknown, unknown>): string {
    const declared = field.args.map((a: GraphQLArgument) => `$${a.name}: ${a.type.toString()}`).join(', ');
    const passed = field.args.map((a: GraphQLArgument) => `${a.name}: $${a.name}`).join(', ');
    const named = getNamedType(field.type);
    const selection = isScalarType(named) || isEnumType(named) ? '' : ' { __typename }';
    return `${operation}${declared ? `(${declared})` : ''} { ${field.name}${passed ? `(${passed})` : ''}${selection} }`;
  }

  /** Answers that got past the input checks: a result, or a refusal by the rules or the services. */
  let pastValidation = 0;

  async function sweep(operation: 'query' | 'mutation', token: () => string): Promise<number> {
    const root = operation === 'query' ? schema.getQueryType() : schema.getMutationType();
    // Those that may end the caller's workspace go last, so the others keep reaching a live one.
    const last = (name: string) => (['deleteWorkspace', 'leaveWorkspace'].includes(name) ? 1 : 0);
    const fields = Object.values(root?.getFields() ?? {})
      .filter((f) => f.args.length > 0 && !f.name.includes('_'))
      .sort((a, b) => last(a.name) - last(b.name));
    let sent = 0;
    for (const field of fields) {
      const document = documentFor(operation, field);
      const variables = fc.record(Object.fromEntries(field.args.map((a) => [a.name, valueOf(a.type)])), { requiredKeys: [] });
      await fc.assert(
        fc.asyncProperty(variables, async (vars) => {
          const res = await gql(t, token(), document, vars as Record<string, unknown>);
          sent++;
          const text = JSON.stringify(res.body);
          const codes = (res.errors ?? []).map((e) => String(e.extensions?.code ?? res.body.code));
          if (res.status >= 500 || codes.some((c) => !ALLOWED.test(c)) || LEAK.test(text)) {
            throw new Error(`${field.name}: ${res.status} ${text.slice(0, 400)}`);
          }
          if (!codes.some((c) => /^(BAD_USER_INPUT|GRAPHQL_VALIDATION_FAILED)$/.test(c))) pastValidation++;
          if (res.status >= 400 && !res.errors) expect(String(res.body.code)).toMatch(/^[a-z_]+$/);
        }),
        { numRuns: RUNS_PER_FIELD, seed: 17 },
      );
    }
    return sent;
  }

  it('answers every mutation with a client error or a result, and another tenant is untouched', async () => {
    // The other owner's uses in beforeAll are still in memory: written now, not by a periodic flush
    // in the middle of the sweep (a slow machine's sweep outlasts the flush interval).
    await t.app.get(LastUsedRecorder).flush();
    const before = await otherTenant();
    // The owner of `own` may do anything there, so the drawn arguments reach the services, not only the guard.
    const sent = await sweep('mutation', () => own.owner.personalToken);
    expect(sent).toBeGreaterThan(20 * RUNS_PER_FIELD);
    // Enough drawn arguments were valid to reach the rules and the services, not only the validation.
    expect(pastValidation).toBeGreaterThan(sent / 4);
    expect(await otherTenant()).toEqual(before);
  }, 300_000);

  it('answers every root query with arguments the same way, with or without a token', async () => {
    let calls = 0;
    // Every other request with a token that is not one: the public fields answer, the rest TOKEN_INVALID.
    const sent = await sweep('query', () => (calls++ % 2 === 0 ? own.owner.personalToken : 'lkp_not-a-token'));
    expect(sent).toBeGreaterThan(3 * RUNS_PER_FIELD);
  }, 300_000);
});
