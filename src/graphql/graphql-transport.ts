// Authentication of a /graphql request as a whole, by the REST guard itself: a request with a token
// is admitted as a route declaring @Authenticated({ allowApiUsers: true }) is (Bearer or Token header,
// 401 with WWW-Authenticate for a bad token, the per-token rate limit, Latchkey-Token-Expires-At), and
// one without a token as a @Public() route is (the per-address rate limit). Fields then hold the
// principal to their own rules (AccessGuard, GraphqlAccess).
import { Injectable } from '@nestjs/common';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyError, FastifyReply, FastifyRequest, onSendHookHandler, preHandlerAsyncHookHandler } from 'fastify';
import { GraphQLError } from 'graphql';
import { Authenticated, Public } from '../auth/access.decorators';
import { AccessGuard } from '../auth/access.guard';
import type { Principal } from '../auth/principal';
import { DomainError, ErrorCode, validationFailed } from '../common/errors';
import { ProblemDetailsFilter, sendProblem } from '../common/problem-details.filter';
import { Database } from '../database/database';
import { MetricsService } from '../metrics/metrics.service';
import { CONTENT_SECURITY_POLICY, securityHeaders } from '../common/security-headers';
import { formatGraphqlErrors } from './graphql-errors';

export const GRAPHQL_PATH = '/graphql';
/** A query document of more than 32 KiB is not an integration's query; the whole body may hold 256 KiB of variables. */
export const MAX_QUERY_BYTES = 32 * 1024;
export const GRAPHQL_BODY_LIMIT_BYTES = 256 * 1024;

const GRAPHIQL_ORIGIN = 'https://unpkg.com';
const GRAPHIQL_CONTENT_SECURITY_POLICY = {
  ...CONTENT_SECURITY_POLICY,
  scriptSrc: ["'self'", GRAPHIQL_ORIGIN],
  styleSrc: ["'self'", "'unsafe-inline'", GRAPHIQL_ORIGIN],
  connectSrc: ["'self'", GRAPHIQL_ORIGIN],
};

/** The two rules a /graphql request is admitted under, declared as any route's are. */
class GraphqlEndpoint {
  @Public()
  anonymous(): void {}

  @Authenticated({ allowApiUsers: true })
  authenticated(): void {}
}

type GraphqlRequest = FastifyRequest & { user?: Principal };

@Injectable()
export class GraphqlTransport {
  /** REST's answer to a failure (problem+json; a database outage 503, logged and counted), for /graphql's own refusals. */
  private readonly problems: ProblemDetailsFilter;

  // The guard is stateless but for the rules it has read; this instance serves /graphql alone.
  constructor(
    private readonly guard: AccessGuard,
    database: Database,
    metrics: MetricsService,
  ) {
    this.problems = new ProblemDetailsFilter(database, metrics);
  }

  /** Answers a failure of the transport (a bad token, a limit, the database down while authenticating) as REST does. */
  refuse(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
    this.problems.catch(error, new ExecutionContextHost([request, reply]));
  }

  /** The principal of the request, or null without a token; a DomainError for a bad token or a limit. */
  async authenticate(request: GraphqlRequest, reply: FastifyReply): Promise<Principal | null> {
    const header = request.headers.authorization;
    const anonymous = header === undefined || header.trim() === '';
    const handler = anonymous ? GraphqlEndpoint.prototype.anonymous : GraphqlEndpoint.prototype.authenticated;
    await this.guard.canActivate(new ExecutionContextHost([request, reply], GraphqlEndpoint, handler));
    return anonymous ? null : (request.user ?? null);
  }
}

function queryText(request: FastifyRequest): unknown {
  const source = request.method === 'GET' ? request.query : request.body;
  return source && typeof source === 'object' ? (source as Record<string, unknown>).query : undefined;
}

/**
 * Hooks /graphql (and GraphiQL's assets, which need nothing) into Fastify before Mercurius registers
 * it: a tighter body limit, the query size limit, and authentication answered in problem+json (401,
 * 429) before any GraphQL is parsed.
 */
export function installGraphqlTransport(app: NestFastifyApplication): void {
  const fastify = app.getHttpAdapter().getInstance();
  // GraphiQL (only with LATCHKEY_GRAPHQL_IDE=true) loads React and GraphiQL from unpkg: its pages alone allow that origin.
  const ideHeaders = securityHeaders({ contentSecurityPolicy: { directives: GRAPHIQL_CONTENT_SECURITY_POLICY } });
  const allowIdeOrigin: onSendHookHandler = async (_request, reply) => {
    reply.headers(ideHeaders);
  };
  const authenticate: preHandlerAsyncHookHandler = async (request, reply) => {
    try {
      // Fastify gives GET /graphql a HEAD twin, and Mercurius refuses a mutation over GET only: HEAD
      // would run one and answer nothing (security review).
      if (request.method === 'HEAD') throw new DomainError(ErrorCode.MethodNotAllowed, 'Use GET or POST for /graphql.');
      const query = queryText(request);
      if (typeof query === 'string' && Buffer.byteLength(query, 'utf8') > MAX_QUERY_BYTES) {
        throw validationFailed('query', `is longer than ${MAX_QUERY_BYTES / 1024} KiB`);
      }
      (request as GraphqlRequest & { graphqlPrincipal?: Principal | null }).graphqlPrincipal = await app
        .get(GraphqlTransport)
        .authenticate(request, reply);
    } catch (error) {
      app.get(GraphqlTransport).refuse(error, request, reply);
      return reply;
    }
  };
  // On these routes only, as Mercurius adds them: REST's hot path runs no hook of GraphQL's.
  fastify.addHook('onRoute', (route) => {
    if (route.url === GRAPHQL_PATH) {
      route.bodyLimit = GRAPHQL_BODY_LIMIT_BYTES;
      route.preHandler = [...hooks(route.preHandler), authenticate];
      route.errorHandler = graphqlErrorHandler;
    } else if (route.url.startsWith('/graphiql')) {
      route.onSend = [...hooks(route.onSend), allowIdeOrigin];
    }
  });
}

function hooks<T>(existing: T | T[] | undefined): T[] {
  return existing === undefined ? [] : Array.isArray(existing) ? existing : [existing];
}

/**
 * The principal the transport found for this request, or null: without a token, and for a request
 * refused before the hook ran (a body too large: nothing of it runs), which leaves only public fields.
 */
export function principalOf(request: FastifyRequest): Principal | null {
  return (request as FastifyRequest & { graphqlPrincipal?: Principal | null }).graphqlPrincipal ?? null;
}

/** What Fastify refuses before the body is read or parsed, as REST answers it (problem+json). */
function transportProblem(error: FastifyError): DomainError | null {
  if (error instanceof DomainError) return error;
  if (error.statusCode === 413) {
    return new DomainError(
      ErrorCode.PayloadTooLarge,
      `The request body is larger than ${GRAPHQL_BODY_LIMIT_BYTES / 1024} KiB, the most /graphql accepts.`,
    );
  }
  if (error.statusCode === 415) return new DomainError(ErrorCode.UnsupportedMediaType, 'Send the body as application/json.');
  if (typeof error.code === 'string' && error.code.startsWith('FST_')) return validationFailed('body', 'could not be read');
  return null;
}

/**
 * Mercurius' error handler for /graphql: a refusal of the HTTP request itself answers problem+json as
 * on any route; a refusal of the GraphQL operation (a document that does not validate, a mutation over
 * GET) answers a GraphQL body with the codes of graphql-errors.ts.
 */
export function graphqlErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const problem = transportProblem(error);
  if (problem) return sendProblem(reply, String(request.id), problem);
  const { statusCode, response } = formatGraphqlErrors({ errors: [new GraphQLError(error.message, { originalError: error })] }, { reply });
  reply.code(statusCode).send(response);
}
