// Property-based tests over every route of the route table and three inputs a caller controls: the
// JSON body, the query string and the path ids. Whatever arrives: never a 5xx; every 4xx is a
// problem+json with a code and a request id and no stack or SQL; a 4xx changes no row; a read
// changes no row whatever it answers; a 2xx only for input that may be valid. Sent as the owner of
// the workspace with a valid token, with real ids in the other path parameters, so the mutated
// part is the one that is judged.
//
// Failures print the seed and the counterexample (fast-check). PROPERTY_SEED=<n> picks another
// seed, PROPERTY_RUNS=<factor> multiplies the runs, for a longer hunt.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { generateToken } from '../../src/auth/token-format';
import {
  bearer,
  builtInRoles,
  createNamedToken,
  createWorkspace,
  inviteAndAccept,
  markEmailVerified,
  PASSWORD,
  registerUser,
} from '../support/api';
import { fillPath, IdKind, pathParams, routeTable } from '../support/route-table';
import { TableWatch } from '../support/table-contents';
import { ADMIN_EMAIL, startTestApp, TestApp, listenOnLoopback } from '../support/test-app';

const SEED = Number(process.env.PROPERTY_SEED ?? 611);
const RUNS_FACTOR = Number(process.env.PROPERTY_RUNS ?? 1);
const runs = (n: number) => Math.max(1, Math.round(n * RUNS_FACTOR));

// ---------------------------------------------------------------------------------------------
// The routes, with what openapi.json says about their body and query.

interface SchemaObject {
  type?: string;
  nullable?: boolean;
  properties?: Record<string, SchemaObject>;
  required?: string[];
  $ref?: string;
  items?: SchemaObject;
}
interface OpenApiOperation {
  parameters?: Array<{ in: string; name: string }>;
  requestBody?: { content: Record<string, { schema: SchemaObject }> };
}
const openapi: { paths: Record<string, Record<string, OpenApiOperation>>; components: { schemas: Record<string, SchemaObject> } } =
  JSON.parse(readFileSync(join(__dirname, '../..', 'openapi.json'), 'utf8'));
const resolve = (schema: SchemaObject): SchemaObject =>
  schema.$ref ? openapi.components.schemas[schema.$ref.split('/').pop() as string] : schema;

interface BodySchema {
  properties: Record<string, SchemaObject>;
  required: string[];
}

interface Route {
  /** e.g. "PATCH /v1/workspaces/:wid"; ALL routes are sent as GET. */
  key: string;
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
  body: BodySchema | null;
  /** Declared query parameters; null when the route reads no query DTO (unknown keys are then ignored). */
  query: string[] | null;
  /** A check (authorize) or a read: no row may change, whatever the answer. */
  readOnly: boolean;
  /** GET, and /authorize under any method: a body is not read. */
  bodyIgnored: boolean;
}

function describeRoute(method: string, path: string): Route {
  const verb = (method === 'ALL' ? 'get' : method.toLowerCase()) as Route['method'];
  const isAuthorize = path.startsWith('/v1/authorize');
  const operation = openapi.paths[path.replace(/:(\w+)/g, '{$1}').replace(/\/\*$/, '/{path}')]?.[verb];
  if (!operation) throw new Error(`${method} ${path} is not in openapi.json (npm run openapi)`);
  const bodyRef = operation.requestBody?.content['application/json']?.schema;
  const bodySchema = bodyRef ? resolve(bodyRef) : null;
  const queryNames = (operation.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
  return {
    key: `${method} ${path}`,
    method: verb,
    path,
    body: bodySchema ? { properties: bodySchema.properties ?? {}, required: bodySchema.required ?? [] } : null,
    query: queryNames.length > 0 && !isAuthorize ? queryNames : null,
    readOnly: verb === 'get' || isAuthorize || path === '/v1/introspect',
    bodyIgnored: verb === 'get' || isAuthorize,
  };
}

// ---------------------------------------------------------------------------------------------
// Valid bodies. openapi.json gives the fields; this table gives each field's JSON type (openapi
// says "object" for `number | null`), and VALID_BODIES a body that passes validation.

type JsonType = 'string' | 'integer' | 'boolean' | 'array' | 'object';
const FIELD_TYPES: Record<string, JsonType> = {
  email: 'string',
  password: 'string',
  currentPassword: 'string',
  newPassword: 'string',
  name: 'string',
  description: 'string',
  slug: 'string',
  serial: 'string',
  status: 'string',
  token: 'string',
  token_type_hint: 'string',
  expiresInSeconds: 'integer',
  expiresInDays: 'integer',
  graceSeconds: 'integer',
  maxLifetimeDays: 'integer',
  revokeUnusedAfterDays: 'integer',
  allowPersonalTokens: 'boolean',
  scopes: 'array',
  permissions: 'array',
  roleIds: 'array',
  workspaceIds: 'array',
  deviceAccess: 'object',
  metadata: 'object',
  url: 'string',
  events: 'array',
  enabled: 'boolean',
  overlapSeconds: 'integer',
  rateLimit: 'object',
  tokens: 'array',
  source: 'string',
  deviceIds: 'array',
  devices: 'array',
  allowedCidrs: 'array',
  issuer: 'string',
  audience: 'string',
  subject: 'string',
  claims: 'object',
  maxSessionSeconds: 'integer',
};
/** Objects that take any keys: an unknown key inside them is not a mutation. */
const FREE_FORM = new Set(['metadata', 'claims']);
const DEVICE_ACCESS_FIELDS = ['mode', 'deviceIds'];
const RATE_LIMIT_FIELDS = ['limit', 'windowSeconds'];

type Ids = Record<IdKind, string>;
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

let counter = 0;
const unique = () => `${process.pid}-${++counter}`;

function validBodies(
  ids: Ids,
  roles: Record<'owner' | 'admin' | 'member' | 'viewer', string>,
  invitationSecret: string,
): Record<string, () => Record<string, Json>> {
  return {
    'POST /v1/auth/register': () => ({ email: `prop-${unique()}@example.com`, password: PASSWORD, name: 'Prop User' }),
    // An address nobody has: a failed login for a real account writes login.failed to its audit log.
    'POST /v1/auth/login': () => ({ email: 'nobody@example.com', password: PASSWORD }),
    'POST /v1/auth/token': () => ({ expiresInSeconds: 3600 }),
    // Well-formed secrets nobody issued: 404 after validation, nothing changed.
    'POST /v1/auth/verify-email': () => ({ token: generateToken('lkv_') }),
    'POST /v1/auth/password-reset/confirm': () => ({ token: generateToken('lkr_'), newPassword: 'a new long passphrase' }),
    // An address nobody has: the same 202 as for an account, and one outbox row.
    'POST /v1/auth/password-reset': () => ({ email: 'nobody@example.com' }),
    'PATCH /v1/me': () => ({ name: 'Owner' }),
    'POST /v1/me/tokens': () => ({
      name: 'prop',
      scopes: ['devices:read'],
      workspaceIds: [ids.workspace],
      expiresInDays: 30,
      rateLimit: { limit: 100, windowSeconds: 60 },
    }),
    'POST /v1/me/tokens/:tokenId/rotate': () => ({ graceSeconds: 60 }),
    'PATCH /v1/me/tokens/:tokenId': () => ({
      description: 'prop',
      metadata: { prop: true },
      enabled: true,
      rateLimit: { limit: 100, windowSeconds: 60 },
    }),
    // Regeneration with a token that is not a login session needs the current password (H4).
    'POST /v1/me/personal-token/regenerate': () => ({ currentPassword: PASSWORD }),
    'POST /v1/introspect': () => ({ token: 'lkp_notatoken', token_type_hint: 'access_token' }),
    'POST /v1/tokens/report': () => ({ tokens: [generateToken('lkp_')], url: 'https://paste.example/1', source: 'paste' }),
    // GitHub's body is an array of matches; unsigned (as every request here) it is refused before it is read.
    'POST /v1/secret-scanning/github': () => [{ token: generateToken('lkp_'), type: 'latchkey_token' }] as unknown as Record<string, Json>,
    // A real secret, of an invitation to someone else: refused after validation.
    'POST /v1/invitations/accept': () => ({ token: invitationSecret }),
    // The same secret for another invitation id: refused after validation (404), nothing declined.
    'POST /v1/invitations/:id/decline': () => ({ token: invitationSecret }),
    // The pending invitation's landing page: a read, whatever the body.
    'POST /v1/invitations/preview': () => ({ token: invitationSecret }),
    'POST /v1/workspaces': () => ({ name: 'Prop', slug: `prop-${unique()}` }),
    'PATCH /v1/workspaces/:wid': () => ({ name: 'Props', slug: 'props' }),
    'PUT /v1/workspaces/:wid/token-policy': () => ({ maxLifetimeDays: null, allowPersonalTokens: true }),
    'POST /v1/workspaces/:wid/token-policy/preview': () => ({ maxLifetimeDays: 30, allowPersonalTokens: false }),
    'POST /v1/workspaces/:wid/roles': () => ({ name: `Role ${unique()}`, description: 'd', permissions: ['devices:read'] }),
    'PATCH /v1/workspaces/:wid/roles/:roleId': () => ({ name: 'Custom', description: null, permissions: ['devices:read'] }),
    'PATCH /v1/workspaces/:wid/members/:userId': () => ({ roleIds: [roles.member], deviceAccess: { mode: 'all' } }),
    'POST /v1/workspaces/:wid/invitations': () => ({
      email: `invitee-${unique()}@example.com`,
      roleIds: [roles.viewer],
      deviceAccess: { mode: 'selected', deviceIds: [ids.device] },
      expiresInDays: 7,
    }),
    'POST /v1/workspaces/:wid/invitations/:id/resend': () => ({ expiresInDays: 7 }),
    'PATCH /v1/workspaces/:wid/invitations/:id': () => ({
      roleIds: [roles.viewer],
      deviceAccess: { mode: 'selected', deviceIds: [ids.device] },
    }),
    'POST /v1/workspaces/:wid/devices': () => ({ name: 'Sensor', serial: `P-${unique()}`, metadata: { room: 'lab' } }),
    'POST /v1/workspaces/:wid/devices/bulk': () => ({
      devices: [{ name: 'Sensor', serial: `B-${unique()}`, metadata: { room: 'lab' } }],
    }),
    'PATCH /v1/workspaces/:wid/devices/:deviceId': () => ({ name: 'Sensor', serial: 'P-1', metadata: {} }),
    'POST /v1/workspaces/:wid/api-users': () => ({
      name: 'Bot',
      roleIds: [roles.viewer],
      deviceAccess: { mode: 'all' },
      rateLimit: { limit: 100, windowSeconds: 60 },
    }),
    'PATCH /v1/workspaces/:wid/api-users/:id': () => ({
      name: 'Bot',
      roleIds: [roles.viewer],
      deviceAccess: { mode: 'all' },
      status: 'active',
      rateLimit: { limit: 100, windowSeconds: 60 },
    }),
    'POST /v1/workspaces/:wid/api-users/:id/tokens': () => ({
      name: 'bot token',
      scopes: ['devices:read'],
      expiresInDays: 30,
      rateLimit: { limit: 100, windowSeconds: 60 },
    }),
    'POST /v1/workspaces/:wid/api-users/:id/trust-rules': () => ({
      issuer: 'https://token.actions.githubusercontent.com',
      audience: 'https://latchkey.example.com',
      subject: `repo:acme/${unique()}:ref:refs/heads/main`,
      claims: { repository: 'acme/deploy', ref: 'refs/heads/*' },
      scopes: ['devices:read'],
      maxSessionSeconds: 900,
      description: 'prop rule',
    }),
    'POST /v1/workspaces/:wid/api-users/:id/tokens/:tokenId/rotate': () => ({ graceSeconds: 60 }),
    'PATCH /v1/workspaces/:wid/api-users/:id/tokens/:tokenId': () => ({
      description: 'prop',
      metadata: { prop: true },
      enabled: true,
      rateLimit: { limit: 100, windowSeconds: 60 },
    }),
    // A public name: nothing drains the outbox here, so nothing is ever sent to it.
    'POST /v1/workspaces/:wid/webhooks': () => ({ url: 'https://hooks.example.com/p', events: ['device.created'], description: 'd' }),
    'PATCH /v1/workspaces/:wid/webhooks/:id': () => ({
      url: 'https://hooks.example.com/p',
      events: ['device.created'],
      description: 'd',
      enabled: true,
    }),
    'POST /v1/workspaces/:wid/webhooks/:id/rotate-secret': () => ({ overlapSeconds: 60 }),
    'POST /v1/workspaces/:wid/teams': () => ({
      name: `Team ${unique()}`,
      description: 'd',
      roleIds: [roles.viewer],
      deviceAccess: { mode: 'all' },
    }),
    'PATCH /v1/workspaces/:wid/teams/:teamId': () => ({
      name: 'Props',
      description: 'd',
      roleIds: [roles.viewer],
      deviceAccess: { mode: 'all' },
    }),
  };
}

// ---------------------------------------------------------------------------------------------
// Requests are generated as small recipes (so a counterexample prints short, even for a 300 KB
// string) and turned into bytes when sent.

type Verdict = 'invalid' | 'unknown';

interface Sent {
  method: Route['method'];
  url: string;
  /** Raw body text and its content type; undefined: no body. */
  body?: { text: string; contentType: string };
}

const BAD_STRINGS = ['a\u0000b', '\u0000', '\ud800', 'x\udfffy', '\udbff\udbff'];
const ODD_STRINGS = [
  '\u202egnp.exe',
  '\u200b',
  '👩‍👩‍👧‍👦',
  'Ä',
  'ﬀ',
  'İı',
  '\uffff',
  '\ufeffBOM',
  ' ',
  '\t\n\r',
  'ℌ𝔢𝔩𝔩𝔬',
  'مرحبا',
  '日本語',
  "'; DROP TABLE users; --",
  '%s%n',
  '${7*7}',
  '{{7*7}}',
];
const unicodeString = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }) },
  { weight: 2, arbitrary: fc.constantFrom(...ODD_STRINGS) },
  { weight: 1, arbitrary: fc.constantFrom(...BAD_STRINGS) },
);
// NUL and lone surrogates are the very characters looked for.
// eslint-disable-next-line no-control-regex
const hasBadCharacters = (s: string) => /[\u0000\p{Cs}]/u.test(s);
const hugeSize = fc.integer({ min: 20_000, max: 300_000 });
const hugeChar = fc.constantFrom('x', 'é', '😀', ' ', '\\');
const numberish = fc.constantFrom(
  '5',
  '0',
  '-1',
  'NaN',
  'Infinity',
  '-Infinity',
  '1e3',
  '1e999',
  '0x10',
  ' 5',
  '5 ',
  '',
  'null',
  'true',
  '[]',
  '{}',
);
const otherJson: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(null, true, false, 0, 1, -1, 1.5, 1e308, -1e308, 2 ** 53 + 2, '', 'x', [], [1], ['x'], {}, { a: 1 }, [[[]]]),
  numberish,
);
const typeOf = (v: Json): JsonType | 'null' | 'number' =>
  v === null
    ? 'null'
    : Array.isArray(v)
      ? 'array'
      : typeof v === 'number'
        ? Number.isInteger(v)
          ? 'integer'
          : 'number'
        : (typeof v as JsonType);

/** Bytes of a string as a URL component; lone surrogates come out as U+FFFD, as any client sends them. */
function percentEncode(s: string): string {
  return [...Buffer.from(s, 'utf8')]
    .map((b) =>
      /[A-Za-z0-9\-._~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`,
    )
    .join('');
}

/** Inserts a raw `"key": value` pair first into the JSON object text (JSON.stringify would drop or mangle __proto__). */
function injectPair(objectText: string, key: string, valueText: string): string {
  const pair = `${JSON.stringify(key)}:${valueText}`;
  return objectText === '{}' ? `{${pair}}` : `{${pair},${objectText.slice(1)}`;
}

const PROTO_PAIRS: Array<[string, string]> = [
  ['__proto__', '{"polluted":"yes"}'],
  ['__proto__', 'null'],
  ['__proto__', '[]'],
  ['constructor', '{"prototype":{"polluted":"yes"}}'],
  ['constructor', '{"polluted":"yes"}'],
  ['prototype', '{"polluted":"yes"}'],
];

// Bodies of any shape, for any route.
type JunkBody =
  | { kind: 'json'; value: Json }
  | { kind: 'huge'; key: string | null; size: number; char: string }
  | { kind: 'deep'; key: string | null; depth: number; shape: 'array' | 'object' }
  | { kind: 'raw'; text: string; contentType: string }
  | { kind: 'form'; pairs: Array<[string, string]> };

const RAW_JSON = [
  '{"__proto__":{"polluted":"yes"}}',
  '{"constructor":{"prototype":{"polluted":"yes"}}}',
  '{"prototype":{"polluted":"yes"}}',
  '{"a":{"__proto__":{"polluted":"yes"}}}',
  '[{"__proto__":{"polluted":"yes"}}]',
  '{"\\u005f_proto__":{"polluted":"yes"}}',
  '{"constructor":{"\\u0070rototype":{"polluted":"yes"}}}',
  '{"__proto__":{"__proto__":{"polluted":"yes"}}}',
  'NaN',
  'Infinity',
  '-0',
  '1e999',
  '0x10',
  '.5',
  '+1',
  'undefined',
  "{'a':1}",
  '{"a":1,}',
  '{"a":1}{"b":2}',
  '\ufeff{}',
  '{',
  '"\\ud800"',
  '{"a":"\\u0000"}',
  '{"a":"\\udc00"}',
  '[]',
  '""',
  'true',
  '{"a":-0}',
  '{"a":1e999}',
  '   ',
  '\u0000',
];

function junkBody(route: Route): fc.Arbitrary<JunkBody> {
  const keys = fc.oneof(
    // An array body (GitHub's secret scanning report) has no fields of its own: junk keys go in as 'x'.
    fc.constantFrom(...(route.body && Object.keys(route.body.properties).length > 0 ? Object.keys(route.body.properties) : ['x'])),
    fc.string({ unit: 'binary', maxLength: 10 }),
  );
  return fc.oneof(
    {
      weight: 5,
      arbitrary: fc.jsonValue({ stringUnit: 'binary', maxDepth: 4 }).map((value) => ({ kind: 'json' as const, value: value as Json })),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('huge' as const), key: fc.option(keys), size: hugeSize, char: hugeChar }) },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('deep' as const),
        key: fc.option(keys),
        depth: fc.integer({ min: 20, max: 50_000 }),
        shape: fc.constantFrom('array' as const, 'object' as const),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('raw' as const),
        text: fc.constantFrom(...RAW_JSON),
        contentType: fc.constant('application/json'),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('raw' as const),
        text: fc.string({ unit: 'binary', maxLength: 30 }),
        contentType: fc.constantFrom(
          'application/json',
          'text/plain',
          'application/octet-stream',
          'application/json; charset=latin1',
          'application/x-www-form-urlencoded',
        ),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({ kind: fc.constant('form' as const), pairs: fc.array(fc.tuple(keys, unicodeString), { maxLength: 4 }) }),
    },
  );
}

function nest(depth: number, shape: 'array' | 'object'): string {
  return shape === 'array' ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

function materializeJunk(junk: JunkBody): { text: string; contentType: string } {
  switch (junk.kind) {
    case 'json':
      return { text: JSON.stringify(junk.value), contentType: 'application/json' };
    case 'huge': {
      const value = junk.char.repeat(Math.ceil(junk.size / junk.char.length));
      return { text: JSON.stringify(junk.key === null ? value : { [junk.key]: value }), contentType: 'application/json' };
    }
    case 'deep': {
      const inner = nest(junk.depth, junk.shape);
      return { text: junk.key === null ? inner : `{${JSON.stringify(junk.key)}:${inner}}`, contentType: 'application/json' };
    }
    case 'raw':
      return { text: junk.text, contentType: junk.contentType };
    case 'form':
      return {
        text: junk.pairs.map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`).join('&'),
        contentType: 'application/x-www-form-urlencoded',
      };
  }
}

/** What the server reads the body as, as far as its keys go; `unreadable`: it answers 400 or 415 before any route. */
function readAs(text: string, contentType: string): { value: unknown } | 'unreadable' {
  if (contentType.startsWith('application/json')) {
    // An empty body reads as no body at all (app.setup.ts), which a DTO of optional fields accepts.
    if (text === '') return { value: {} };
    try {
      // The parser skips a byte-order mark, as RFC 8259 lets it.
      return { value: JSON.parse(text.replace(/^\ufeff/, '')) };
    } catch {
      return 'unreadable';
    }
  }
  if (contentType === 'text/plain') return { value: text };
  if (contentType === 'application/x-www-form-urlencoded') return { value: Object.fromEntries(new URLSearchParams(text)) };
  return 'unreadable';
}

/** Could a body that parses to `parsed` be valid for the route? A 2xx is only allowed then. */
function bodyMayBeValid(route: Route, parsed: unknown): boolean {
  if (route.bodyIgnored) return true;
  // A JSON null reads as no body, as {} does (NoBody, and ValidationPipe for a DTO).
  if (parsed === null) return true;
  const isObject = typeof parsed === 'object' && !Array.isArray(parsed);
  if (!route.body) return isObject && Object.keys(parsed as object).length === 0;
  return isObject && Object.keys(parsed as object).every((k) => Object.hasOwn(route.body!.properties, k));
}

// Near-valid bodies: the route's valid body with one thing wrong.
type Mutation =
  | { kind: 'wrongType'; field: string; value: Json }
  | { kind: 'huge'; field: string; size: number; char: string }
  | { kind: 'unicode'; field: string; value: string }
  | { kind: 'negative'; field: string; value: number }
  | { kind: 'missing'; field: string }
  | { kind: 'extraKey'; inside: string | null; key: string; value: Json }
  | { kind: 'protoKey'; inside: string | null; pair: [string, string] };

const MASS_ASSIGNMENT_KEYS = [
  'id',
  'workspaceId',
  'userId',
  'ownerId',
  'isAdmin',
  'admin',
  'role',
  'builtIn',
  'createdAt',
  'secret',
  'tokenHash',
  'passwordHash',
  'password_hash',
  'kind',
  '$where',
  '',
  ' ',
  'Name',
  'NAME',
];

function mutations(route: Route, body: BodySchema): fc.Arbitrary<Mutation> {
  const fields = Object.keys(body.properties);
  const typed = (type: JsonType) => fields.filter((f) => FIELD_TYPES[f] === type);
  const objectFields = typed('object');
  const choices: Array<fc.Arbitrary<Mutation>> = [
    fc.record({ kind: fc.constant('wrongType' as const), field: fc.constantFrom(...fields), value: otherJson }),
    fc.record({
      kind: fc.constant('extraKey' as const),
      inside: fc.constantFrom(null, ...objectFields.filter((f) => !FREE_FORM.has(f))),
      key: fc.oneof(fc.constantFrom(...MASS_ASSIGNMENT_KEYS), fc.string({ unit: 'binary', maxLength: 12 })),
      value: otherJson,
    }),
    fc.record({
      kind: fc.constant('protoKey' as const),
      inside: fc.constantFrom(null, ...objectFields),
      pair: fc.constantFrom(...PROTO_PAIRS),
    }),
    fc.record({ kind: fc.constant('huge' as const), field: fc.constantFrom(...fields), size: hugeSize, char: hugeChar }),
  ];
  if (typed('string').length > 0)
    choices.push(fc.record({ kind: fc.constant('unicode' as const), field: fc.constantFrom(...typed('string')), value: unicodeString }));
  if (typed('integer').length > 0) {
    choices.push(
      fc.record({
        kind: fc.constant('negative' as const),
        field: fc.constantFrom(...typed('integer')),
        value: fc.oneof(fc.constantFrom(-1, -1e9, -0.5), fc.integer({ max: -1 })),
      }),
    );
  }
  if (body.required.length > 0)
    choices.push(fc.record({ kind: fc.constant('missing' as const), field: fc.constantFrom(...body.required) }));
  return fc.oneof(...choices);
}

const uuids = (n: number) => Array.from({ length: n }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);

function hugeValue(type: JsonType, size: number, char: string): Json {
  const text = char.repeat(Math.ceil(size / char.length));
  switch (type) {
    case 'string':
      return text;
    case 'integer':
      return 1e308;
    case 'boolean':
      return text;
    // Just over the largest array any DTO takes (1000 device ids): enough to be refused, cheap to validate.
    case 'array':
      return uuids(1001 + (size % 1000));
    case 'object':
      return { mode: 'selected', deviceIds: uuids(1001), big: text };
  }
}

/** The mutated body as raw JSON text, and whether it is certainly invalid. */
function applyMutation(route: Route, valid: Record<string, Json>, m: Mutation): { text: string; verdict: Verdict } {
  const body: Record<string, Json> = { ...valid };
  const schema = route.body!;
  switch (m.kind) {
    case 'wrongType': {
      const type = FIELD_TYPES[m.field];
      const actual = typeOf(m.value);
      const sameType = actual === type;
      body[m.field] = m.value;
      // A nullable object is a oneOf of its schema and null (nullableRef, src/common/view-fields.ts).
      const property = schema.properties[m.field] as SchemaObject & { oneOf?: SchemaObject[] };
      const nullAllowed = actual === 'null' && (property.nullable === true || (property.oneOf ?? []).some((s) => s.nullable === true));
      return { text: JSON.stringify(body), verdict: sameType || nullAllowed ? 'unknown' : 'invalid' };
    }
    case 'huge':
      body[m.field] = hugeValue(FIELD_TYPES[m.field], m.size, m.char);
      return { text: JSON.stringify(body), verdict: 'invalid' };
    case 'unicode':
      body[m.field] = m.value;
      return { text: JSON.stringify(body), verdict: hasBadCharacters(m.value) ? 'invalid' : 'unknown' };
    case 'negative':
      body[m.field] = m.value;
      return { text: JSON.stringify(body), verdict: 'invalid' };
    case 'missing':
      delete body[m.field];
      return { text: JSON.stringify(body), verdict: 'invalid' };
    case 'extraKey': {
      const known =
        m.inside === null ? Object.keys(schema.properties) : m.inside === 'rateLimit' ? RATE_LIMIT_FIELDS : DEVICE_ACCESS_FIELDS;
      // defineProperty: an assignment to "__proto__" would set the prototype, not add a key.
      const target = m.inside === null ? body : (body[m.inside] = { ...((body[m.inside] as Record<string, Json>) ?? { mode: 'all' }) });
      Object.defineProperty(target, m.key, { value: m.value, enumerable: true, configurable: true, writable: true });
      return { text: JSON.stringify(body), verdict: known.includes(m.key) ? 'unknown' : 'invalid' };
    }
    case 'protoKey': {
      const [key, valueText] = m.pair;
      if (m.inside === null) return { text: injectPair(JSON.stringify(body), key, valueText), verdict: 'invalid' };
      const marker = '__PROPERTY_TEST_MARKER__';
      const inner = injectPair(JSON.stringify(body[m.inside] ?? {}), key, valueText);
      return { text: JSON.stringify({ ...body, [m.inside]: marker }).replace(JSON.stringify(marker), inner), verdict: 'invalid' };
    }
  }
}

// Query strings.
interface QueryRecipe {
  pairs: Array<[QueryText, QueryText]>;
}
type QueryText =
  | { kind: 'text'; value: string }
  | { kind: 'raw'; value: string }
  | { kind: 'huge'; size: number; char: string }
  | { kind: 'cursor'; value: string };

const encodeCursor = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const RAW_QUERY = [
  '%',
  '%zz',
  '%E0%A4%A',
  '%ED%A0%80',
  '%C0%AE',
  '%FF',
  '%00',
  '+',
  '&&',
  '==',
  '[',
  ']',
  '[]',
  'a[b]=c',
  'a[]=1&a[]=2',
  '%5B%5D',
  ';',
  '%26',
  '%3D',
];

function queryRecipe(route: Route, ids: Ids): fc.Arbitrary<QueryRecipe> {
  const declared = route.query ?? [];
  const realIds = Object.values(ids);
  const cursor = fc.oneof(
    fc.uint8Array({ maxLength: 60 }).map((bytes) => Buffer.from(bytes).toString('base64url')),
    fc.jsonValue({ maxDepth: 2 }).map(encodeCursor),
    fc
      .tuple(
        fc.constantFrom(
          '2020-01-01T00:00:00.000Z',
          '0000-01-01',
          '+275760-09-13T00:00:00.000Z',
          '-000001-01-01T00:00:00Z',
          '2020-13-45',
          'now',
          '',
          'Infinity',
          '1999-12-31',
          '9999-12-31T23:59:59.999Z',
          '10000-01-01',
        ),
        fc.oneof(fc.uuid(), fc.constantFrom('not-a-uuid', '', null, 1), fc.constantFrom(...realIds)),
      )
      .map(encodeCursor),
    fc.constantFrom(
      '!!!',
      '====',
      'a',
      '_-',
      'eyJ',
      'W10',
      'WyJhIiwiYiJd',
      encodeCursor('["2020-01-01T00:00:00.000Z"]'),
      encodeCursor('{"__proto__":{"polluted":1}}'),
    ),
  );
  const text = fc.oneof(
    {
      weight: 3,
      arbitrary: fc
        .oneof(
          numberish,
          fc.constantFrom(
            'personal',
            'named',
            'session',
            'api_user',
            'devices:read',
            'token.revoked',
            'x:y',
            'true',
            'false',
            '1',
            '200',
            '201',
          ),
        )
        .map((value) => ({ kind: 'text' as const, value })),
    },
    { weight: 2, arbitrary: unicodeString.map((value) => ({ kind: 'text' as const, value })) },
    {
      weight: 2,
      arbitrary: fc
        .oneof(
          fc.uuid(),
          fc.uuid().map((u) => u.toUpperCase()),
          fc.constantFrom(...realIds),
        )
        .map((value) => ({ kind: 'text' as const, value })),
    },
    { weight: 2, arbitrary: cursor.map((value) => ({ kind: 'cursor' as const, value })) },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('huge' as const),
        size: fc.integer({ min: 201, max: 6000 }),
        char: fc.constantFrom('A', 'é', '%'),
      }),
    },
    { weight: 1, arbitrary: fc.constantFrom(...RAW_QUERY).map((value) => ({ kind: 'raw' as const, value })) },
  );
  const key = fc.oneof(
    {
      weight: 4,
      arbitrary: fc
        .constantFrom(...(declared.length > 0 ? declared : ['limit', 'cursor']))
        .map((value) => ({ kind: 'text' as const, value })),
    },
    {
      weight: 2,
      arbitrary: fc
        .constantFrom(
          '__proto__',
          'constructor',
          'prototype',
          'toString',
          'hasOwnProperty',
          'limit[]',
          'limit[0]',
          'cursor[a]',
          '__proto__[polluted]',
          'constructor[prototype][polluted]',
          'a.b',
          'LIMIT',
          'workspaceId',
          'permission',
        )
        .map((value) => ({ kind: 'text' as const, value })),
    },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }).map((value) => ({ kind: 'text' as const, value })) },
    { weight: 1, arbitrary: fc.constantFrom(...RAW_QUERY).map((value) => ({ kind: 'raw' as const, value })) },
  );
  return fc.record({ pairs: fc.array(fc.tuple(key, text), { minLength: 1, maxLength: 5 }) });
}

function queryPartText(part: QueryText): string {
  switch (part.kind) {
    case 'text':
    case 'cursor':
      return percentEncode(part.value);
    case 'raw':
      return part.value;
    case 'huge':
      // At most about 6 KB once encoded: a request head over 16 KB is refused by Node's parser (431) before Fastify.
      return percentEncode(part.char.repeat(Math.floor(part.size / percentEncode(part.char).length)));
  }
}

/** The keys the server sees, when the test can tell (no raw parts), else null. */
function queryKeys(recipe: QueryRecipe): string[] | null {
  if (recipe.pairs.some(([k, v]) => k.kind === 'raw' || v.kind === 'raw')) return null;
  // A key the server decodes differs from ours when its bytes are not valid UTF-8 (lone surrogates).
  if (recipe.pairs.some(([k]) => k.kind === 'text' && hasBadCharacters(k.value))) return null;
  return recipe.pairs.map(([k]) => (k.kind === 'text' ? k.value : ''));
}

// Path ids.
type PathJunk = { kind: 'segment'; segment: string; note: string };

function pathJunk(ids: Ids, kind: IdKind): fc.Arbitrary<PathJunk> {
  // Ids of other kinds, never the one of this kind (a member's id is also a user's), and for a token
  // slot no other token (DELETE /workspaces/:wid/tokens/:id rightly revokes any token that reaches the workspace).
  const tokenKinds: IdKind[] = ['myToken', 'mySession', 'workspaceToken', 'apiUserToken'];
  const otherIds = Object.entries(ids)
    .filter(([k, v]) => v !== ids[kind] && !(tokenKinds.includes(kind) && tokenKinds.includes(k as IdKind)))
    .map(([, v]) => v);
  const seg = (note: string) => (segment: string) => ({ kind: 'segment' as const, segment, note });
  const uuidish = fc
    .tuple(
      fc.uuid(),
      fc.integer({ min: 0, max: 35 }),
      fc.constantFrom('drop', 'g', 'Z', 'dash', 'extra', 'nodash', 'braces', 'urn', 'space', 'nul'),
    )
    .map(([u, i, how]) => {
      switch (how) {
        case 'drop':
          return u.slice(0, i) + u.slice(i + 1);
        case 'g':
          return u.slice(0, i) + 'g' + u.slice(i + 1);
        case 'Z':
          return u.slice(0, i) + 'Z' + u.slice(i + 1);
        case 'dash':
          return u.slice(0, i) + '-' + u.slice(i + 1);
        case 'extra':
          return u + '0';
        case 'nodash':
          return u.replace(/-/g, '');
        case 'braces':
          return `{${u}}`;
        case 'urn':
          return `urn:uuid:${u}`;
        case 'space':
          return ` ${u}`;
        case 'nul':
          return `${u}\u0000`;
      }
      return u;
    });
  return fc.oneof(
    { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }).map((s) => seg('text')(percentEncode(s))) },
    { weight: 2, arbitrary: uuidish.map((u) => seg('uuid-like')(percentEncode(u))) },
    { weight: 1, arbitrary: fc.uuid().map((u) => seg('unknown upper-case uuid')(u.toUpperCase())) },
    { weight: 2, arbitrary: fc.uuid().map(seg('unknown uuid')) },
    { weight: 1, arbitrary: fc.constant('00000000-0000-0000-0000-000000000000').map(seg('nil uuid')) },
    { weight: 1, arbitrary: fc.constantFrom(...otherIds).map(seg('id of another kind')) },
    {
      weight: 2,
      arbitrary: fc
        .constantFrom(
          '..',
          '.',
          '%2e%2e',
          '%2E',
          '%2F',
          '..%2F..%2Fme',
          '%00',
          '%',
          '%zz',
          '%E0%A4%A',
          '%ED%A0%80',
          '%C0%AE',
          '%FF',
          'null',
          'undefined',
          '0',
          '-1',
          'NaN',
          '%20',
          '~',
          'me',
          '*',
          ':id',
          '%3Awid',
          '%F0%9F%98%80',
        )
        .map(seg('special')),
    },
    // Up to about 6 KB encoded: a request head over 16 KB is refused by Node's parser (431) before Fastify.
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.integer({ min: 101, max: 6000 }), fc.constantFrom('a', '0', 'é', '-'))
        .map(([n, c]) => seg('long')(percentEncode(c.repeat(Math.max(101, Math.floor(n / percentEncode(c).length)))))),
    },
    { weight: 1, arbitrary: unicodeString.map((s) => seg('unicode')(percentEncode(s))) },
  );
}

// ---------------------------------------------------------------------------------------------

describe('properties of every route under hostile input', () => {
  let t: TestApp;
  let auth: string;
  let ids: Ids;
  let routes: Route[];
  let valid: Record<string, () => Record<string, Json>>;
  let tables: TableWatch;
  const prototypeNames = () =>
    [Object.prototype, Array.prototype, Function.prototype, String.prototype].map((p) => Object.getOwnPropertyNames(p).sort().join(','));
  const prototypesBefore = prototypeNames();
  /** 2xx answers to input the test could not judge, by route and recipe kind: reported, not failed. */
  const accepted = new Map<string, number>();

  beforeAll(async () => {
    t = await startTestApp();
    // One connection per request would cost a listen() each; a listening server is reused by supertest.
    await listenOnLoopback(t);
    // A platform admin, so the admin routes get past authentication and the rule too.
    const owner = await registerUser(t, ADMIN_EMAIL);
    // Listed by email, so an admin once the address is verified; verified, it also sees and declines its invitations.
    await markEmailVerified(t, owner.id);
    // A named token with scope *: logout (sessions only) answers 403 to it, and regenerating the
    // personal token does not end it.
    auth = (await createNamedToken(t, owner.personalToken, { scopes: ['*'], expiresInDays: null })).secret;
    const spare = await createNamedToken(t, auth, { scopes: ['account:read'], expiresInDays: 30 });
    // A sign-in of the owner, for DELETE /v1/me/sessions/:sessionId.
    const session = await t.http().post('/v1/auth/login').send({ email: ADMIN_EMAIL, password: PASSWORD }).expect(200);
    const ws = await createWorkspace(t, auth, 'Props');
    const roles = await builtInRoles(t, auth, ws.id);
    const role = await t
      .http()
      .post(`/v1/workspaces/${ws.id}/roles`)
      .set(bearer(auth))
      .send({ name: 'Custom', permissions: ['devices:read'] })
      .expect(201);
    const device = await t.http().post(`/v1/workspaces/${ws.id}/devices`).set(bearer(auth)).send({ name: 'd', serial: 'P-1' }).expect(201);
    const member = await registerUser(t);
    await inviteAndAccept(t, auth, ws.id, member, [roles.member]);
    const pending = await t
      .http()
      .post(`/v1/workspaces/${ws.id}/invitations`)
      .set(bearer(auth))
      .send({ email: 'pending@example.com', roleIds: [roles.viewer], deviceAccess: { mode: 'all' } })
      .expect(201);
    const bot = await t
      .http()
      .post(`/v1/workspaces/${ws.id}/api-users`)
      .set(bearer(auth))
      .send({ name: 'Bot', roleIds: [roles.viewer], deviceAccess: { mode: 'all' } })
      .expect(201);
    // An invitation to the owner from elsewhere, for POST /invitations/:id/decline.
    const other = await registerUser(t);
    const otherWs = await createWorkspace(t, other.personalToken, 'Elsewhere');
    const otherRoles = await builtInRoles(t, other.personalToken, otherWs.id);
    const inbound = await t
      .http()
      .post(`/v1/workspaces/${otherWs.id}/invitations`)
      .set(bearer(other.personalToken))
      .send({ email: owner.email, roleIds: [otherRoles.viewer], deviceAccess: { mode: 'all' } })
      .expect(201);
    const hook = await t
      .http()
      .post(`/v1/workspaces/${ws.id}/webhooks`)
      .set(bearer(auth))
      .send({ url: 'https://hooks.example.com/props', events: ['device.created'] })
      .expect(201);
    const delivery = await t.http().post(`/v1/workspaces/${ws.id}/webhooks/${hook.body.endpoint.id}/test`).set(bearer(auth)).expect(202);
    const team = await t
      .http()
      .post(`/v1/workspaces/${ws.id}/teams`)
      .set(bearer(auth))
      .send({ name: 'Props', roleIds: [roles.viewer], deviceAccess: { mode: 'all' } })
      .expect(201);
    const trustRule = await t
      .http()
      .post(`/v1/workspaces/${ws.id}/api-users/${bot.body.apiUser.id}/trust-rules`)
      .set(bearer(auth))
      .send({
        issuer: 'https://token.actions.githubusercontent.com',
        audience: 'https://latchkey.example.com',
        claims: { repository: 'acme/x' },
      })
      .expect(201);
    ids = {
      workspace: ws.id,
      role: role.body.id,
      member: member.id,
      invitation: pending.body.invitation.id,
      device: device.body.id,
      apiUser: bot.body.apiUser.id,
      apiUserToken: bot.body.token.id,
      workspaceToken: member.personalTokenId,
      myToken: spare.id,
      mySession: session.body.token.id,
      myInvitation: inbound.body.invitation.id,
      user: member.id,
      webhook: hook.body.endpoint.id,
      webhookDelivery: delivery.body.id,
      team: team.body.id,
      trustRule: trustRule.body.id,
    };
    valid = validBodies(ids, roles, pending.body.secret);
    routes = routeTable(t.app).map((r) => describeRoute(r.method, r.path));
    tables = await TableWatch.start(t.dataSource);
  });

  afterAll(async () => {
    const summary = [...accepted].map(([k, n]) => `${n}× ${k}`).sort();
    if (summary.length > 0)
      console.log(`2xx answers to input the properties could not judge (allowed, listed for review):\n${summary.join('\n')}`);
    await t?.close();
  });

  function send(request: Sent) {
    let r = t.http()[request.method](request.url).set(bearer(auth));
    if (request.body) r = r.set('Content-Type', request.body.contentType).send(request.body.text);
    return r;
  }

  /**
   * Sends one request and checks what must hold for every answer. `verdict` says whether the input
   * is certainly invalid (a 2xx is then a failure) or may be valid (a 2xx is recorded).
   */
  async function judge(route: Route, request: Sent, verdict: Verdict, label: string): Promise<void> {
    const res = await send(request);
    const changed = await tables.changes();
    const what = `${request.method.toUpperCase()} ${request.url.slice(0, 200)} body=${JSON.stringify(request.body?.text.slice(0, 200) ?? null)} → ${res.status} ${res.text.slice(0, 300)}`;
    if (res.status >= 500) throw new Error(`a 5xx: ${what}`);
    if (res.status >= 400) {
      if (!/^application\/problem\+json/.test(res.headers['content-type'] ?? ''))
        throw new Error(`a 4xx that is not problem+json: ${what}`);
      if (typeof res.body?.code !== 'string' || typeof res.body?.requestId !== 'string')
        throw new Error(`a problem without code or requestId: ${what}`);
      if (/ {4}at |SELECT |INSERT |UPDATE |QueryFailedError|node_modules/.test(res.text))
        throw new Error(`a problem that leaks internals: ${what}`);
      if (changed.length > 0) throw new Error(`a ${res.status} that changed ${changed.join(', ')}: ${what}`);
    } else {
      if (route.readOnly && changed.length > 0) throw new Error(`a read that changed ${changed.join(', ')}: ${what}`);
      if (verdict === 'invalid') throw new Error(`a ${res.status} to input that is not valid: ${what}`);
      accepted.set(`${route.key} ${label}`, (accepted.get(`${route.key} ${label}`) ?? 0) + 1);
    }
  }

  /** Runs one property per route and reports every route that fails, not only the first. */
  async function forEveryRoute(selected: Route[], property: (route: Route, index: number) => Promise<void>): Promise<void> {
    const failures: string[] = [];
    for (const [index, route] of selected.entries()) {
      try {
        await property(route, index);
      } catch (error) {
        failures.push(`${route.key}\n${(error as Error).message}`);
      }
    }
    expect(failures).toEqual([]);
  }

  /** A fixed seed per route and surface (fast-check prints it with the counterexample), and the error in the report. */
  const options = (surface: number, index: number, numRuns: number) => ({
    seed: SEED + surface * 1000 + index,
    numRuns,
    includeErrorInReport: true,
  });
  const authorizeQuery = () => `workspaceId=${ids.workspace}&permission=devices:read`;
  const validBodyFor = (route: Route): Sent['body'] => {
    if (!route.body) return undefined;
    const make = valid[route.key];
    if (!make) throw new Error(`No valid body for ${route.key}: add one to validBodies()`);
    return { text: JSON.stringify(make()), contentType: 'application/json' };
  };

  it('knows every route and every body field', () => {
    expect(routes.length).toBeGreaterThanOrEqual(67);
    const bodyRoutes = routes.filter((r) => r.body);
    expect(bodyRoutes.map((r) => r.key).filter((k) => !valid[k])).toEqual([]);
    expect(bodyRoutes.flatMap((r) => Object.keys(r.body!.properties)).filter((f) => !FIELD_TYPES[f])).toEqual([]);
  });

  it('passes validation with every valid body (so a mutation of it tests one thing)', async () => {
    const rejected: string[] = [];
    for (const route of routes.filter((r) => r.body)) {
      const request: Sent = { method: route.method, url: fillPath(route.path, ids), body: validBodyFor(route) };
      const res = await send(request);
      if (res.status === 400 || res.status >= 500) rejected.push(`${route.key}: ${res.status} ${res.text.slice(0, 300)}`);
    }
    expect(rejected).toEqual([]);
    await tables.changes();
  });

  it('reads the same resource through an upper-case spelling of its ids', async () => {
    const differences: string[] = [];
    for (const route of routes.filter((r) => r.method === 'get' && r.path.includes(':'))) {
      const lower = await send({ method: 'get', url: fillPath(route.path, ids) });
      const upper = await send({
        method: 'get',
        url: fillPath(route.path, Object.fromEntries(Object.entries(ids).map(([k, v]) => [k, v.toUpperCase()])) as Ids),
      });
      if (lower.status !== 200 || upper.status !== lower.status || JSON.stringify(upper.body) !== JSON.stringify(lower.body)) {
        differences.push(`${route.key}: ${lower.status} vs ${upper.status}`);
      }
    }
    expect(differences).toEqual([]);
  });

  it('answers any body without a 5xx, a change on a 4xx, or a 2xx to what cannot be valid', async () => {
    await forEveryRoute(routes, async (route, index) => {
      const url = fillPath(route.path.replace(/\/\*$/, '/x'), ids) + (route.path.startsWith('/v1/authorize') ? `?${authorizeQuery()}` : '');
      await fc.assert(
        fc.asyncProperty(junkBody(route), async (junk) => {
          const { text, contentType } = materializeJunk(junk);
          const read = readAs(text, contentType);
          const mayBeValid = read !== 'unreadable' && bodyMayBeValid(route, read.value);
          // An empty body on a route that takes none is the ordinary request (and on DELETE would delete the fixture).
          fc.pre(!(mayBeValid && !route.body && !route.bodyIgnored));
          await judge(
            route,
            { method: route.method, url, body: { text, contentType } },
            route.bodyIgnored || mayBeValid ? 'unknown' : 'invalid',
            `junk body ${junk.kind}`,
          );
        }),
        options(1, index, runs(route.body || !route.bodyIgnored ? 8 : 3)),
      );
    });
  }, 180_000);

  it('answers a valid body with one field wrong (type, size, unicode, sign, missing, unknown or prototype key) without a 5xx or a 2xx to what is invalid', async () => {
    await forEveryRoute(
      // A body of named fields: one is changed at a time (an array body has none; its route refuses it unsigned).
      routes.filter((r) => r.body && Object.keys(r.body.properties).length > 0),
      async (route, index) => {
        await fc.assert(
          fc.asyncProperty(mutations(route, route.body!), async (mutation) => {
            const { text, verdict } = applyMutation(route, valid[route.key](), mutation);
            await judge(
              route,
              { method: route.method, url: fillPath(route.path, ids), body: { text, contentType: 'application/json' } },
              verdict,
              `near-valid ${mutation.kind}`,
            );
          }),
          options(2, index, runs(16)),
        );
      },
    );
  }, 180_000);

  it('answers any query string without a 5xx, a change on a 4xx, or a 2xx to an unknown key', async () => {
    await forEveryRoute(routes, async (route, index) => {
      const isAuthorize = route.path.startsWith('/v1/authorize');
      // A DELETE with every id real would delete the fixture: its last id is unknown, so it answers 404 after validation.
      const params = pathParams(route.path);
      const last = params[params.length - 1];
      const path =
        route.method === 'delete' && last
          ? fillPath(route.path, ids, { index: last.index, segment: '7d8f6b8e-0000-4000-8000-000000000000' })
          : fillPath(route.path.replace(/\/\*$/, '/x'), ids);
      await fc.assert(
        fc.asyncProperty(queryRecipe(route, ids), async (recipe) => {
          const query = recipe.pairs.map(([k, v]) => `${queryPartText(k)}=${queryPartText(v)}`).join('&');
          const keys = queryKeys(recipe);
          // Routes with a query DTO refuse unknown keys; routes without one do not read the query.
          const unknownKey = route.query !== null && keys !== null && keys.some((k) => !route.query!.includes(k));
          const url = `${path}?${isAuthorize ? `${authorizeQuery()}&` : ''}${query}`;
          await judge(route, { method: route.method, url, body: validBodyFor(route) }, unknownKey ? 'invalid' : 'unknown', 'query');
        }),
        options(3, index, runs(route.query || isAuthorize ? 10 : 2)),
      );
    });
  }, 180_000);

  it('answers any path id with a 4xx and no change (authorize/* reads no id from its path)', async () => {
    const withIds = routes.filter((r) => r.path.includes(':') || r.path.endsWith('/*'));
    await forEveryRoute(withIds, async (route, index) => {
      const isAuthorize = route.path.startsWith('/v1/authorize');
      const slots = isAuthorize ? [{ index: route.path.split('/').length - 1, kind: 'workspace' as IdKind }] : pathParams(route.path);
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...slots).chain((slot) => pathJunk(ids, slot.kind).map((junk) => ({ slot: slot.index, junk }))),
          async ({ slot, junk }) => {
            const url =
              fillPath(route.path.replace(/\/\*$/, '/x'), ids, { index: slot, segment: junk.segment }) +
              (isAuthorize ? `?${authorizeQuery()}` : '');
            await judge(
              route,
              { method: route.method, url, body: validBodyFor(route) },
              isAuthorize ? 'unknown' : 'invalid',
              `path ${junk.note}`,
            );
          },
        ),
        options(4, index, runs(5 * slots.length)),
      );
    });
  }, 180_000);

  it('left Object.prototype and its kin as they were in the server process', () => {
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(([] as unknown as Record<string, unknown>).polluted).toBeUndefined();
    expect(prototypeNames()).toEqual(prototypesBefore);
  });
});
