// The price of a query, counted before it runs as the rows it could read: a list costs its page size
// times what each of its items costs, so `apiUsers(limit: 200) { items { tokens(limit: 200) … } }`
// is priced at the 40,000 tokens it may return, not at its few fields (graphql-armor's cost did not
// multiply, docs/graphql.md). The limit's value comes from the request's variables too, so the rule
// is made per request (graphqlValidationRules in graphql.module.ts).
import {
  GraphQLError,
  Kind,
  getNamedType,
  isListType,
  isNonNullType,
  isObjectType,
  type GraphQLOutputType,
  type ValidationRule,
} from 'graphql';
import { createComplexityRule, simpleEstimator, type ComplexityEstimator } from 'graphql-query-complexity';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../common/pagination';
import { MAX_TEAM_PRINCIPALS } from '../teams/teams.dto';
import { MAX_ROLES_PER_GRANT, MAX_ROLES_PER_WORKSPACE } from '../workspaces/workspace.limits';
import { USAGE_RETENTION_DAYS } from '../tokens/token-usage.recorder';

/**
 * The most a request may cost. The dashboard of docs/graphql.md (a workspace's 200 members with their
 * roles and device access, 200 devices, 50 API users with their default 50 tokens each) costs about
 * 19,000; four of them are refused.
 */
export const MAX_QUERY_COST = 50_000;

/**
 * Introspection is bounded by its own rules (graphql-js's introspection depth, and the schema's
 * size), and served without a token; its lists have no page size to price.
 */
const introspection: ComplexityEstimator = ({ type, field }) => (type.name.startsWith('__') || field.name.startsWith('__') ? 0 : undefined);

/**
 * What one item of a list costs, at least 1: the resolver reads the row whatever is selected of it. A
 * selection of `__typename` alone (priced 0) made `tokens(limit: 200) { __typename }` cost 1 for the
 * 200 rows it read, and 15 aliases of `apiUsers(limit: 200) { items { tokens(limit: 200) { __typename } } }`
 * read 600,000 rows for a cost of about 6,000 (independent review, test/security/review-gql-cost.e2e-spec.ts).
 */
const perItem = (childComplexity: number): number => Math.max(childComplexity, 1);

/** A paged list (it takes `limit`) costs each of the items it may answer. */
const pagedList: ComplexityEstimator = ({ field, args, childComplexity }) => {
  if (!field.args.some((arg) => arg.name === 'limit')) return undefined;
  // A limit out of range is refused by the list's own validation, with a clearer message than a cost.
  const requested = typeof args.limit === 'number' ? args.limit : DEFAULT_PAGE_SIZE;
  return 1 + Math.min(Math.max(requested, 1), MAX_PAGE_SIZE) * perItem(childComplexity);
};

/**
 * A list of objects without `limit` is one of the short lists of a grant (at most 20 roles) or the
 * catalog; a page's `items` are priced by the page's own `limit` (above), so they count once here.
 */
const unpagedList: ComplexityEstimator = ({ field, childComplexity }) => {
  if (field.name === 'items' || !isObjectList(field.type)) return undefined;
  return 1 + MAX_ROLES_PER_GRANT * perItem(childComplexity);
};

function isObjectList(type: GraphQLOutputType): boolean {
  const unwrapped = isNonNullType(type) ? type.ofType : type;
  return isListType(unwrapped) && isObjectType(getNamedType(unwrapped));
}

/**
 * Fields that read without a page: `tokenPolicyPreview` reads every token that reaches the workspace
 * (in batches of 500) whatever it answers, and was priced at its few fields, so 15 aliases scanned the
 * workspace's tokens 15 times for one request and one unit of the rate limit (independent review).
 * Priced at more than half the limit: one per request, as REST's POST …/token-policy/preview.
 */
export const ONE_PER_REQUEST_COST = Math.floor(MAX_QUERY_COST / 2) + 1;
const SCANS: ReadonlySet<string> = new Set(['Query.tokenPolicyPreview']);
const scans: ComplexityEstimator = ({ type, field, childComplexity }) =>
  SCANS.has(`${type.name}.${field.name}`) ? ONE_PER_REQUEST_COST + childComplexity : undefined;

/**
 * Unpaged lists longer than a grant's 20 roles, priced at what they may answer: a team's members and
 * API users (MAX_TEAM_PRINCIPALS each), so a page of teams with their members asks a small limit, and a
 * workspace's roles (MAX_ROLES_PER_WORKSPACE: 15 aliases of 3,000 roles priced as 20 answered 16 MB,
 * review 16b).
 */
const LONG_LISTS: ReadonlyMap<string, number> = new Map([
  ['Team.members', MAX_TEAM_PRINCIPALS],
  ['Team.apiUsers', MAX_TEAM_PRINCIPALS],
  ['Workspace.roles', MAX_ROLES_PER_WORKSPACE],
]);
const longLists: ComplexityEstimator = ({ type, field, childComplexity }) => {
  const items = LONG_LISTS.get(`${type.name}.${field.name}`);
  return items === undefined ? undefined : 1 + items * perItem(childComplexity);
};

/**
 * Fields read with a statement of their own for each parent, not batched with their siblings: in a
 * list of 200 API users, 15 aliases of `tokenUsage` or of `tokens(cursor: …)` made 3,000 statements and
 * emptied the pool for every tenant (review 16b). Each is priced at a hundredth of the limit on top of
 * what it answers, so a request makes at most about a hundred of them; `tokens` without a cursor is
 * read in one batch for the whole page (apiUserTokenPages) and priced as a page only. An endpoint's
 * `deliveries` are read the same way, one statement each, but a workspace holds at most
 * LATCHKEY_WEBHOOK_MAX_ENDPOINTS endpoints (20 by default): priced as a page only.
 */
const PER_PARENT_STATEMENT_COST = MAX_QUERY_COST / 100;
const perParentStatement: ComplexityEstimator = (options) => {
  const key = `${options.type.name}.${options.field.name}`;
  const unbatched = key === 'ApiUser.tokenUsage' || (key === 'ApiUser.tokens' && options.args.cursor != null);
  if (!unbatched) return undefined;
  return PER_PARENT_STATEMENT_COST + (pagedList(options) ?? 1 + options.childComplexity);
};

/**
 * A token's usage reads up to an hourly row per day asked for (30 days: 720 rows), with no page: priced
 * at the rows it may answer, so aliasing it is priced like asking for pages of 720.
 */
const USAGE_BUCKETS_MAX = USAGE_RETENTION_DAYS * 24;
const usageBuckets: ComplexityEstimator = ({ type, field, childComplexity }) =>
  type.name === 'TokenUsage' && field.name === 'buckets' ? 1 + USAGE_BUCKETS_MAX * perItem(childComplexity) : undefined;

/** How each field is priced, first answer wins. */
export const QUERY_COST_ESTIMATORS: ComplexityEstimator[] = [
  introspection,
  scans,
  perParentStatement,
  longLists,
  usageBuckets,
  pagedList,
  unpagedList,
  simpleEstimator({ defaultComplexity: 1 }),
];

export function queryCostRule(variables: Record<string, unknown> | undefined, operationName: string | undefined): ValidationRule {
  return (context) => costRule(variables, pricedOperation(context.getDocument().definitions, operationName))(context);
}

/**
 * The operation name to price by, or undefined to price every operation of the document (the most the
 * request may cost). graphql-query-complexity reads `operation.name.value` of every operation when given
 * a name, and threw a TypeError (HTTP 500) for `{ … }` sent with any `operationName` (independent review);
 * an anonymous operation is alone in a valid document, and it is the one that runs, or none does.
 */
function pricedOperation(definitions: readonly { kind: string; name?: { value: string } }[], operationName: unknown): string | undefined {
  if (typeof operationName !== 'string') return undefined;
  const operations = definitions.filter((definition) => definition.kind === Kind.OPERATION_DEFINITION);
  return operations.every((operation) => operation.name !== undefined) ? operationName : undefined;
}

function costRule(variables: Record<string, unknown> | undefined, operationName: string | undefined): ValidationRule {
  return createComplexityRule({
    maximumComplexity: MAX_QUERY_COST,
    variables: variables ?? {},
    operationName,
    estimators: QUERY_COST_ESTIMATORS,
    createError: (max, actual) =>
      new GraphQLError(`The query costs ${actual}, more than the ${max} a request may: ask for smaller pages or fewer lists.`, {
        extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
      }),
  });
}
