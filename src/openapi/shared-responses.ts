// What every operation's answers share, written once and added to each operation by openapi-document.ts:
// - the problem+json statuses a route answers by its nature: 400 for input, 401 for a token, 403 for a
//   rule, 404 for an id in the path, 413/415 for a body, 429 for a rate limit, 500 and 503 everywhere,
//   plus the route's own from @ApiProblems (problems.ts);
// - the RateLimit fields on every 2xx and 4xx answer a limit counted, Retry-After on 429 and 503,
//   WWW-Authenticate on 401, X-Request-Id on all.
// test/support/conformance.ts holds every answer of the test suite against this: a status answered
// and not declared here, or a required header missing, fails the test that provoked it.
import type { HeaderObject, OperationObject, ReferenceObject, ResponseObject, SchemaObject, SecuritySchemeObject } from '@nestjs/swagger';
import type { AccessRule } from '../auth/access.decorators';
import { TOKEN_EXPIRES_HEADER } from '../auth/access.guard';
import { ErrorCode, MAX_FIELD_ERRORS, MAX_FIELD_MESSAGE_LENGTH, MAX_FIELD_NAME_LENGTH } from '../common/errors';
import { MAX_REQUEST_ID_LENGTH } from '../common/problem-details.filter';
import { RATE_LIMIT_HEADER, RATE_LIMIT_POLICY_HEADER } from '../rate-limits/rate-limit-fields';
import type { ProblemStatus } from './problems';

export const PROBLEM_MEDIA_TYPE = 'application/problem+json';

/** Statuses and what each means, with the `code`s it carries (docs/api.md lists every code). */
const PROBLEM_DESCRIPTIONS: Record<ProblemStatus | 500, string> = {
  400: 'The request is not valid: `errors` names each field (validation_failed).',
  401: 'No token, or not a valid one (token_missing, token_invalid, token_expired; invalid_credentials at login).',
  403: 'The token or its holder may not do this here (insufficient_scope, forbidden, token_policy).',
  404: 'Not found, or not yours: the two read the same (not_found).',
  405: 'The method is not allowed on this path (method_not_allowed).',
  409: 'Conflicts with the current state, e.g. a name in use, or the last owner leaving (conflict, last_owner).',
  410: 'Gone.',
  413: 'The body is larger than the server accepts (payload_too_large).',
  415: 'The body is not JSON (unsupported_media_type).',
  422: 'The request is understood but cannot be carried out.',
  429: 'Too many requests: wait Retry-After seconds (rate_limited).',
  500: 'An unexpected error; `requestId` finds it in the logs (internal). No detail of it is answered.',
  503: 'The database cannot be reached or has no free connection; try again (unavailable).',
};

const ref = (name: string): ReferenceObject => ({ $ref: `#/components/headers/${name}` });

/** Response header components, by name. */
export const SHARED_HEADERS: Record<string, HeaderObject> = {
  [RATE_LIMIT_POLICY_HEADER]: {
    description:
      'The limit that counted this request (IETF RateLimit fields): `"<name>";q=<requests>;w=<seconds>`. Names: token, ip, failed-checks, register, password-change, invitation-mail-address, invitation-mail-workspace. Absent where no limit counted the request (the limit turned off, or refused before it was counted).',
    schema: { type: 'string', maxLength: 100, example: '"token";q=600;w=60' },
  },
  [RATE_LIMIT_HEADER]: {
    description: 'What is left of that limit: `"<name>";r=<requests left>;t=<seconds until the window ends>`.',
    schema: { type: 'string', maxLength: 100, example: '"token";r=599;t=42' },
  },
  'Retry-After': {
    description: 'Seconds to wait before trying again.',
    required: true,
    schema: { type: 'integer', minimum: 1, maximum: 86_400 },
  },
  'WWW-Authenticate': {
    required: true,
    description: 'The Bearer challenge (RFC 6750); `error="invalid_token"` when a token was sent and refused.',
    schema: { type: 'string', maxLength: 100, example: 'Bearer realm="latchkey", error="invalid_token"' },
  },
  'X-Request-Id': {
    required: true,
    description: "This request's id (the caller's own X-Request-Id when it is 1 to 128 of [A-Za-z0-9_.:-]); logs carry it.",
    schema: { type: 'string', maxLength: MAX_REQUEST_ID_LENGTH },
  },
  'Access-Control-Allow-Origin': {
    description: 'Only to a browser origin listed in LATCHKEY_CORS_ORIGINS; none is by default (CORS closed).',
    schema: { type: 'string', maxLength: 200, example: 'https://console.example.com' },
  },
  [TOKEN_EXPIRES_HEADER]: {
    description: 'When the calling token stops working, where it does (ISO 8601).',
    schema: { type: 'string', format: 'date-time', maxLength: 30 },
  },
};

/** The problem+json body (RFC 9457) every error answer has. */
export const PROBLEM_SCHEMA: SchemaObject = {
  type: 'object',
  description: 'An error (RFC 9457). `code` is stable and is what clients should branch on; `detail` is for people.',
  required: ['type', 'title', 'status', 'detail', 'code', 'requestId'],
  properties: {
    type: { type: 'string', format: 'uri', maxLength: 200, example: 'https://latchkey.dev/problems/not-found' },
    title: { type: 'string', maxLength: 100, example: 'Not found' },
    status: { type: 'integer', minimum: 400, maximum: 599 },
    detail: { type: 'string', maxLength: 1000 },
    code: { type: 'string', enum: Object.values(ErrorCode) },
    requestId: { type: 'string', maxLength: MAX_REQUEST_ID_LENGTH },
    error: {
      type: 'string',
      description: 'Token exchange errors only (POST /v1/auth/token with a form): the RFC 6749 error code, the same as `code`',
      enum: ['invalid_request', 'invalid_target', 'invalid_scope', 'unsupported_grant_type'],
    },
    error_description: { type: 'string', maxLength: 1000, description: 'Token exchange errors only: the same as `detail`' },
    errors: {
      type: 'array',
      maxItems: MAX_FIELD_ERRORS,
      description: 'With validation_failed: each field that is not valid',
      items: {
        type: 'object',
        required: ['field', 'message'],
        properties: {
          field: { type: 'string', maxLength: MAX_FIELD_NAME_LENGTH, example: 'roleIds' },
          message: { type: 'string', maxLength: MAX_FIELD_MESSAGE_LENGTH },
        },
      },
    },
  },
};

/** Platform admins' routes: the same token kinds, its own scheme so that it is never mistaken for an ordinary caller's. */
export const PLATFORM_ADMIN_SCHEME: SecuritySchemeObject = {
  type: 'http',
  scheme: 'bearer',
  bearerFormat: 'opaque',
  description: 'A token of scope `*` of an account listed in LATCHKEY_PLATFORM_ADMINS (Authorization: Bearer lkp_… or Token lkp_…)',
};

const BODYLESS_METHODS = new Set(['get', 'head', 'options']);

interface OperationFacts {
  method: string;
  path: string;
  rule: AccessRule | undefined;
  /** @ApiProblems of the route. */
  own: readonly ProblemStatus[];
  /** The route checks a key of its own (/metrics) though it takes no token. */
  keyed: boolean;
}

/** Whether a limit counts the route's requests (the guard: a token's, or a public route's address unless unlimited). */
function isRateLimited(rule: AccessRule | undefined): boolean {
  return rule?.kind === 'authenticated' || (rule?.kind === 'public' && !rule.unlimited);
}

/** The problem statuses an operation may answer, ascending. */
export function problemStatuses({ method, path, rule, own, keyed }: OperationFacts, hasParameters: boolean): number[] {
  const statuses = new Set<number>([500, ...own]);
  const authenticated = rule?.kind === 'authenticated';
  const takesBody = !BODYLESS_METHODS.has(method);
  if (hasParameters || takesBody) statuses.add(400);
  if (authenticated || keyed) statuses.add(401);
  if (authenticated) statuses.add(403);
  if (path.includes('{')) statuses.add(404);
  if (takesBody) [413, 415].forEach((s) => statuses.add(s));
  if (isRateLimited(rule)) statuses.add(429);
  // Every route but the liveness probe reaches the database (a token lookup, or its own work).
  if (!path.endsWith('/live')) statuses.add(503);
  return [...statuses].sort((a, b) => a - b);
}

/** Adds the shared problem answers and headers to one operation. */
export function addSharedResponses(operation: OperationObject, facts: OperationFacts): void {
  const responses = (operation.responses ??= {}) as Record<string, ResponseObject>;
  for (const status of problemStatuses(facts, Boolean(operation.parameters?.length))) {
    responses[status] ??= {
      description: PROBLEM_DESCRIPTIONS[status as ProblemStatus | 500] ?? 'An error.',
      content: { [PROBLEM_MEDIA_TYPE]: { schema: { $ref: '#/components/schemas/Problem' } } },
    };
  }
  const limited = isRateLimited(facts.rule);
  for (const [status, response] of Object.entries(responses)) {
    const headers: Record<string, ReferenceObject | HeaderObject> = {
      'X-Request-Id': ref('X-Request-Id'),
      'Access-Control-Allow-Origin': ref('Access-Control-Allow-Origin'),
    };
    if (limited && /^[24]/.test(status)) {
      headers[RATE_LIMIT_POLICY_HEADER] = ref(RATE_LIMIT_POLICY_HEADER);
      headers[RATE_LIMIT_HEADER] = ref(RATE_LIMIT_HEADER);
    }
    if (status === '429') headers['Retry-After'] = ref('Retry-After');
    // A busy pool says when to come back; an outage cannot know.
    if (status === '503') headers['Retry-After'] = { ...SHARED_HEADERS['Retry-After'], required: false };
    if (status === '401') headers['WWW-Authenticate'] = ref('WWW-Authenticate');
    if (facts.rule?.kind === 'authenticated' && status.startsWith('2')) headers[TOKEN_EXPIRES_HEADER] = ref(TOKEN_EXPIRES_HEADER);
    response.headers = { ...headers, ...response.headers };
  }
}
