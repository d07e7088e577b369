// GraphQL beside REST at /graphql: @nestjs/graphql code-first on Mercurius (Fastify's own GraphQL
// server, so the request passes the same Fastify hooks, body parser and limits as REST's).
import type { MercuriusDriverConfig } from '@nestjs/mercurius';
import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { GraphQLModule } from '@nestjs/graphql';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import { GraphQLError, Kind, NoSchemaIntrospectionCustomRule, type ValidationRule } from 'graphql';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AccountsModule } from '../accounts/accounts.module';
import { UsersModule } from '../accounts/users.module';
import { ApiUsersModule } from '../api-users/api-users.module';
import { AuditModule } from '../audit/audit.module';
import { AccessGuard } from '../auth/access.guard';
import { AuthorizationModule } from '../authorization/authorization.module';
import { ChecksModule } from '../checks/checks.module';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { DevicesModule } from '../devices/devices.module';
import { FederationModule } from '../federation/federation.module';
import { MetricsModule } from '../metrics/metrics.module';
import { RateLimitsModule } from '../rate-limits/rate-limits.module';
import { TokensModule } from '../tokens/tokens.module';
import { WhoamiModule } from '../whoami/whoami.module';
import { TeamsModule } from '../teams/teams.module';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { AccountResolver } from './account.resolver';
import { ApiUserResolver } from './api-user.resolver';
import { GraphqlAccess } from './graphql-access';
import type { GraphqlContext } from './graphql-context';
import { formatGraphqlErrors } from './graphql-errors';
import { DeferredMercuriusDriver } from './mercurius-driver';
import { GRAPHQL_PATH, GraphqlTransport, principalOf } from './graphql-transport';
import { MutationResolver } from './mutation.resolver';
import { queryCostRule, MAX_QUERY_COST } from './query-cost';
import { QueryResolver } from './query.resolver';
import { TeamMutationResolver, WorkspaceTeamsResolver } from './team.resolver';
import { ApiUserTrustRulesResolver, TrustRuleMutationResolver } from './trust-rule.resolver';
import { WebhookEndpointResolver, WebhookMutationResolver, WorkspaceWebhooksResolver } from './webhook.resolver';
import { GraphqlWorkspaceAdmission } from './workspace-admission.guard';
import { WorkspaceResolver } from './workspace.resolver';

/** The limits every operation is validated against before it runs (docs/graphql.md). */
export const GRAPHQL_LIMITS = {
  depth: 10,
  aliases: 15,
  directives: 10,
  /** The rows a query may read, priced before it runs (query-cost.ts). */
  cost: MAX_QUERY_COST,
} as const;

/** What a request is validated with: the fixed rules, and its cost, which depends on its variables. */
export function graphqlValidationRules(config: AppConfig): (request: GraphqlRequestText) => ValidationRule[] {
  const fixed: ValidationRule[] = [
    maxDepthRule({ n: GRAPHQL_LIMITS.depth, ignoreIntrospection: true, exposeLimits: true }),
    maxAliasesRule({ n: GRAPHQL_LIMITS.aliases, exposeLimits: true }),
    maxDirectivesRule({ n: GRAPHQL_LIMITS.directives, exposeLimits: true }),
  ] as ValidationRule[];
  if (!config.graphql.introspection) fixed.push(NoSchemaIntrospectionCustomRule);
  fixed.push(OneMutationPerRequest, OneSchemaPerRequest);
  return ({ variables, operationName }) => [...fixed, queryCostRule(variables, operationName)];
}

interface GraphqlRequestText {
  variables?: Record<string, unknown>;
  operationName?: string;
}

/**
 * One mutation field per request. A request is authenticated once: a second mutation would run on a
 * token the first may have revoked, cut off or replaced, and every mutation would share one count of
 * the rate limit (security review). REST makes one change per request; so does this.
 */
export const OneMutationPerRequest: ValidationRule = (context) => ({
  OperationDefinition(node) {
    if (node.operation !== 'mutation') return;
    const fields = node.selectionSet.selections.filter((s) => s.kind !== Kind.FIELD || !s.name.value.startsWith('__'));
    if (fields.length > 1 || fields.some((s) => s.kind !== Kind.FIELD)) {
      context.reportError(new GraphQLError('One mutation per request: send each change as its own request.', { nodes: [node] }));
    }
  },
});

/**
 * One `__schema` per request. Introspection is exempt from the depth limit and priced 0 (query-cost.ts),
 * and is served without a token: 15 aliases of the whole schema answered 1.4 MB for 0.7 s of the
 * server's time per anonymous request (independent review). A client's introspection query asks once.
 */
export const OneSchemaPerRequest: ValidationRule = (context) => {
  let seen = 0;
  return {
    Field(node) {
      if (node.name.value !== '__schema') return;
      seen += 1;
      if (seen === 2) {
        context.reportError(new GraphQLError('One __schema per request: ask for the schema once.', { nodes: [node] }));
      }
    },
  };
};

@Module({
  imports: [
    GraphQLModule.forRootAsync<MercuriusDriverConfig>({
      driver: DeferredMercuriusDriver,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        path: GRAPHQL_PATH,
        autoSchemaFile: true,
        sortSchema: true,
        graphiql: config.graphql.ide,
        // One operation per request: an array of them is refused (no batching).
        allowBatchedQueries: false,
        // Errors of nested fields go through ProblemDetailsFilter too, for the same codes as REST.
        fieldResolverEnhancers: ['filters'],
        validationRules: graphqlValidationRules(config) as never,
        // Mercurius caches a document with its validation; the cost depends on the variables too
        // (a `limit: $n`), so each request is validated afresh (query-cost.ts).
        cache: false,
        errorFormatter: formatGraphqlErrors as never,
        // Mercurius would set its error handler on the root Fastify instance, REST's routes included;
        // /graphql gets it as a route option instead (graphql-transport.ts).
        errorHandler: false,
        context: (request: FastifyRequest, reply: FastifyReply): GraphqlContext => ({
          req: request,
          reply,
          principal: principalOf(request),
          admitted: new Map(),
          loaders: new Map(),
        }),
      }),
    }),
    AuthorizationModule,
    RateLimitsModule,
    AccountsModule,
    UsersModule,
    ApiUsersModule,
    AuditModule,
    ChecksModule,
    DevicesModule,
    TokensModule,
    WhoamiModule,
    WorkspacesModule,
    WebhooksModule,
    TeamsModule,
    FederationModule,
    MetricsModule,
  ],
  providers: [
    AccessGuard,
    GraphqlTransport,
    GraphqlAccess,
    // Global, and after AuthModule's AccessGuard: a root field with a workspace rule is admitted before it runs.
    { provide: APP_GUARD, useClass: GraphqlWorkspaceAdmission },
    QueryResolver,
    AccountResolver,
    WorkspaceResolver,
    ApiUserResolver,
    MutationResolver,
    WorkspaceWebhooksResolver,
    WebhookEndpointResolver,
    WebhookMutationResolver,
    WorkspaceTeamsResolver,
    TeamMutationResolver,
    ApiUserTrustRulesResolver,
    TrustRuleMutationResolver,
  ],
})
export class GraphqlModule {}
