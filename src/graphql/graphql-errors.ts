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
  if (error.message.startsWith('Syntax Error')) return 'GRAPHQL_PARSE_FAILED';
  if (/^Variable "\$[^"]*" (got invalid value|of required type|of non-null type)/.test(error.message)) return 'BAD_USER_INPUT';
  return 'GRAPHQL_VALIDATION_FAILED';
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
  // No original error: graphql-js refused the request itself (or a limit's validation rule did).
  if (!original || original instanceof GraphQLError) {
    const message = error.message.length > MAX_MESSAGE_LENGTH ? `${error.message.slice(0, MAX_MESSAGE_LENGTH - 1)}…` : error.message;
    return new GraphQLError(message, { ...at, extensions: { code: codeOfRequestError(error), requestId } });
  }
  logger.error({ requestId, type: original.constructor?.name ?? 'Error' }, 'unhandled GraphQL error');
  return new GraphQLError('An unexpected error occurred.', { ...at, extensions: { code: 'INTERNAL', requestId } });
}

/** Mercurius' errorFormatter: the errors mapped; 400 when the request was refused before it ran, else 200. */
export function formatGraphqlErrors(
  execution: ExecutionResult & Required<Pick<ExecutionResult, 'errors'>>,
  context: { reply?: { request?: { id?: unknown } } } | undefined,
): { statusCode: number; response: ExecutionResult } {
  const requestId = String(context?.reply?.request?.id ?? '');
  const errors = execution.errors.map((e) => formatGraphqlError(e, requestId));
  const refused = execution.data === undefined || execution.data === null;
  const requestErrors = errors.every((e) => String(e.extensions.code).startsWith('GRAPHQL_') || e.extensions.code === 'BAD_USER_INPUT');
  return { statusCode: refused && requestErrors && !execution.data ? 400 : 200, response: { data: execution.data ?? null, errors } };
}
