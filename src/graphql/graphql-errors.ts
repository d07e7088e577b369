// GraphQL errors carry the domain's codes (extensions.code: NOT_FOUND, FORBIDDEN, INSUFFICIENT_SCOPE,
// TOKEN_POLICY, BAD_USER_INPUT with field errors, CONFLICT, RATE_LIMITED, UNAVAILABLE…), as REST's
// problem+json does. Resolvers' errors arrive already mapped by ProblemDetailsFilter; anything else is
// INTERNAL with the request id, never its message, stack or SQL.
import { Logger } from '@nestjs/common';
import { GraphQLError, type ExecutionResult } from 'graphql';
import { DomainError, ErrorCode } from '../common/errors';

/** The extensions.code of a domain error: its code upper-cased, validation failures as GraphQL clients know them. */
export function graphqlCode(code: ErrorCode): string {
  return code === ErrorCode.ValidationFailed ? 'BAD_USER_INPUT' : code.toUpperCase();
}

/** graphql-js's own messages (syntax, unknown fields, variable coercion) name the query, not our data; still, kept short. */
const MAX_MESSAGE_LENGTH = 500;
const logger = new Logger('GraphQL');

function codeOfRequestError(error: GraphQLError): string {
  if (/limit of \d+ exceeded/i.test(error.message)) return 'GRAPHQL_VALIDATION_FAILED';
  if (error.message.startsWith('Syntax Error')) return 'GRAPHQL_PARSE_FAILED';
  if (/^Variable "\$[^"]*" (got invalid value|of required type|of non-null type)/.test(error.message)) return 'BAD_USER_INPUT';
  return 'GRAPHQL_VALIDATION_FAILED';
}

/** Mercurius' own refusals of a request (MER_ERR_*): what the client sent is not a runnable operation. */
const MERCURIUS_CODES: Record<string, string> = {
  MER_ERR_GQL_VALIDATION: 'GRAPHQL_VALIDATION_FAILED',
  MER_ERR_METHOD_NOT_ALLOWED: 'METHOD_NOT_ALLOWED',
};

function mercuriusCode(error: unknown): string | null {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && code.startsWith('MER_ERR_') ? code : null;
}

/**
 * Kept short, and without graphql-js's "Did you mean …?": with introspection off, its suggestions
 * would spell the schema out field by field (security review). The schema is public where introspection is.
 */
function shortened(message: string): string {
  const plain = message.replace(/ Did you mean [^?]*\?$/s, '');
  return plain.length > MAX_MESSAGE_LENGTH ? `${plain.slice(0, MAX_MESSAGE_LENGTH - 1)}…` : plain;
}

/** The errors an error stands for: Mercurius wraps a document's validation errors in one. */
function unwrapped(error: GraphQLError): GraphQLError[] {
  const inner = (error.originalError as { errors?: unknown } | undefined)?.errors;
  if (!Array.isArray(inner) || inner.length === 0) return [error];
  return inner.map((e) => (e instanceof GraphQLError ? e : new GraphQLError(String((e as Error)?.message ?? 'Invalid request.'))));
}

export function formatGraphqlError(error: GraphQLError, requestId: string): GraphQLError {
  const original = error.originalError;
  const at = { locations: error.locations, path: error.path };
  if (original instanceof DomainError) {
    const extensions: Record<string, unknown> = { code: graphqlCode(original.code), requestId };
    if (original.extras.errors) extensions.fieldErrors = original.extras.errors;
    if (original.extras.retryAfterSeconds !== undefined) extensions.retryAfterSeconds = original.extras.retryAfterSeconds;
    return new GraphQLError(original.detail, { ...at, extensions });
  }
  const mercurius = mercuriusCode(original);
  if (mercurius) {
    return new GraphQLError(shortened(error.message), {
      ...at,
      extensions: { code: MERCURIUS_CODES[mercurius] ?? 'BAD_REQUEST', requestId },
    });
  }
  // No original error: graphql-js refused the request itself (or a limit's validation rule did).
  if (!original || original instanceof GraphQLError) {
    return new GraphQLError(shortened(error.message), { ...at, extensions: { code: codeOfRequestError(error), requestId } });
  }
  logger.error({ requestId, type: original.constructor?.name ?? 'Error' }, 'unhandled GraphQL error');
  return new GraphQLError('An unexpected error occurred.', { ...at, extensions: { code: 'INTERNAL', requestId } });
}

const REQUEST_ERRORS = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'METHOD_NOT_ALLOWED',
]);

/**
 * Mercurius' errorFormatter: the errors mapped. An operation that ran answers 200, its errors beside
 * its data; one refused before it ran answers 400 (405 for a mutation sent with GET), as REST would.
 */
export function formatGraphqlErrors(
  execution: ExecutionResult & Required<Pick<ExecutionResult, 'errors'>> & { statusCode?: number },
  context: { reply?: { request?: { id?: unknown } } } | undefined,
): { statusCode: number; response: ExecutionResult } {
  const requestId = String(context?.reply?.request?.id ?? '');
  const errors = execution.errors.flatMap(unwrapped).map((e) => formatGraphqlError(e, requestId));
  let statusCode = 200;
  if (!execution.data) {
    const refusedStatus = (execution.errors[0]?.originalError as { statusCode?: unknown } | undefined)?.statusCode;
    if (errors.some((e) => e.extensions.code === 'INTERNAL')) statusCode = 500;
    else if (errors.every((e) => REQUEST_ERRORS.has(String(e.extensions.code))))
      statusCode = typeof refusedStatus === 'number' && refusedStatus >= 400 && refusedStatus < 500 ? refusedStatus : 400;
  }
  return { statusCode, response: { data: execution.data ?? null, errors } };
}
