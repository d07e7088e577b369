// Deny by default for the root fields that act in a workspace. A query or mutation whose rule (its REST
// route's, same-rule.ts) names a workspace is admitted there before its resolver runs, from its
// `workspaceId` argument (or `id`, for the fields about the workspace itself): 404 for a workspace not
// the caller's, then the rest of the rule, as the route's guard does. A resolver that forgot to admit
// its caller is still held to the rule; one that names no workspace argument fails loudly.
import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { GqlExecutionContext } from '@nestjs/graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { ACCESS_RULE, type AccessRule } from '../auth/access.decorators';
import { namesWorkspace } from '../authorization/permissions';
import { GraphqlAccess } from './graphql-access';
import type { GraphqlContext } from './graphql-context';

/** The argument that names the workspace, in the order they are looked for. */
const WORKSPACE_ARGUMENTS = ['workspaceId', 'id'] as const;

@Injectable()
export class GraphqlWorkspaceAdmission implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly access: GraphqlAccess,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType<string>() !== 'graphql') return true;
    const rule = this.reflector.get<AccessRule | undefined>(ACCESS_RULE, context.getHandler());
    if (!rule || rule.kind !== 'authenticated' || !namesWorkspace(rule)) return true;
    const graphql = GqlExecutionContext.create(context);
    const info = graphql.getInfo<GraphQLResolveInfo>();
    const args = graphql.getArgs<Record<string, unknown>>();
    const field = WORKSPACE_ARGUMENTS.find((name) => typeof args[name] === 'string');
    if (!field) throw new Error(`${info.parentType.name}.${info.fieldName} has a workspace rule but no workspaceId or id argument`);
    const ctx = graphql.getContext<GraphqlContext>();
    const workspaceId = args[field] as string;
    if (info.operation.operation === 'mutation') await this.access.admitForChange(ctx, workspaceId, rule, field);
    else await this.access.admit(ctx, workspaceId, rule, field);
    return true;
  }
}
