// Workload identity federation's trust rules through GraphQL: a field of ApiUser, and create/delete
// mutations under the rules of the REST routes they mirror (src/federation/trust-rules.controller.ts),
// through the same service. The exchange itself stays REST (POST /v1/auth/token), as OAuth endpoints are.
import {
  Args,
  Context,
  Field,
  GraphQLISODateTime,
  ID,
  InputType,
  Int,
  Mutation,
  ObjectType,
  Parent,
  ResolveField,
  Resolver,
} from '@nestjs/graphql';
import DataLoader from 'dataloader';
import type { WorkspaceCaller } from '../authorization/workspace-caller';
import { CreateTrustRuleDto, type TrustRuleView } from '../federation/trust-rules.dto';
import { TrustRulesController } from '../federation/trust-rules.controller';
import { TrustRulesService } from '../federation/trust-rules.service';
import { GraphqlAccess, uuidArg } from './graphql-access';
import type { GraphqlContext } from './graphql-context';
import { ApiUserType, DeletedType } from './graphql-types';
import { JSONObjectScalar } from './json-scalar';
import { SameRuleAs, workspaceRuleOf } from './same-rule';

const ID_ARG = { type: () => ID };

@ObjectType('TrustRule', { description: 'OIDC tokens of an issuer that may sign the API user in (as GET …/api-users/{id}/trust-rules)' })
export class TrustRuleType {
  @Field(() => ID) id: string;
  @Field(() => ID) apiUserId: string;
  @Field() description: string;
  @Field() issuer: string;
  @Field() audience: string;
  @Field(() => String, { nullable: true, description: "The token's sub, exactly" }) subject: string | null;
  @Field(() => JSONObjectScalar, { description: 'Claim name -> exact value or glob (`*` within one /-separated part)' })
  claims: Record<string, string>;
  @Field(() => [String]) scopes: string[];
  @Field(() => Int) maxSessionSeconds: number;
  @Field(() => GraphQLISODateTime) createdAt: Date;
}

@InputType()
export class CreateTrustRuleInput extends CreateTrustRuleDto {
  @Field() override issuer: string;
  @Field() override audience: string;
  @Field(() => String, { nullable: true }) override subject?: string | null;
  @Field(() => JSONObjectScalar, { nullable: true }) override claims?: Record<string, string>;
  @Field(() => [String], { nullable: true }) override scopes?: string[];
  @Field(() => Int, { nullable: true }) override maxSessionSeconds?: number;
  @Field({ nullable: true }) override description?: string;
}

const LIST = workspaceRuleOf(TrustRulesController, 'list');

/** The rules of every API user of one workspace a query lists, loaded at once. */
function trustRulesOf(ctx: GraphqlContext, service: TrustRulesService, caller: WorkspaceCaller): DataLoader<string, TrustRuleView[]> {
  const key = `trust-rules|${caller.workspaceId}`;
  let loader = ctx.loaders.get(key) as DataLoader<string, TrustRuleView[]> | undefined;
  if (!loader) {
    loader = new DataLoader(async (ids: readonly string[]) => {
      const rules = await service.listForApiUsers(caller, ids);
      return ids.map((id) => rules.get(id) ?? []);
    });
    ctx.loaders.set(key, loader);
  }
  return loader;
}

@Resolver(() => ApiUserType)
export class ApiUserTrustRulesResolver {
  constructor(
    private readonly access: GraphqlAccess,
    private readonly service: TrustRulesService,
  ) {}

  @ResolveField(() => [TrustRuleType], { description: 'Its trust rules (workload identity federation), oldest first' })
  async trustRules(@Context() ctx: GraphqlContext, @Parent() apiUser: ApiUserType) {
    const caller = await this.access.admit(ctx, apiUser.workspaceId, LIST);
    return trustRulesOf(ctx, this.service, caller).load(apiUser.id);
  }
}

@Resolver()
export class TrustRuleMutationResolver {
  constructor(
    private readonly access: GraphqlAccess,
    private readonly service: TrustRulesService,
  ) {}

  @Mutation(() => TrustRuleType, { description: "Trust an issuer's OIDC tokens that meet these conditions to sign the API user in" })
  @SameRuleAs(TrustRulesController, 'create')
  async createTrustRule(
    @Context() ctx: GraphqlContext,
    @Args('workspaceId', ID_ARG) workspaceId: string,
    @Args('apiUserId', ID_ARG) apiUserId: string,
    @Args('input') input: CreateTrustRuleInput,
  ) {
    const caller = await this.access.admit(ctx, workspaceId, workspaceRuleOf(TrustRulesController, 'create'));
    return this.service.create(caller, this.access.actor(ctx), uuidArg('apiUserId', apiUserId), input);
  }

  @Mutation(() => DeletedType, { description: 'Deletes the trust rule; answers its id' })
  @SameRuleAs(TrustRulesController, 'delete')
  async deleteTrustRule(
    @Context() ctx: GraphqlContext,
    @Args('workspaceId', ID_ARG) workspaceId: string,
    @Args('apiUserId', ID_ARG) apiUserId: string,
    @Args('id', ID_ARG) id: string,
  ) {
    const caller = await this.access.admit(ctx, workspaceId, workspaceRuleOf(TrustRulesController, 'delete'));
    const ruleId = uuidArg('id', id);
    await this.service.delete(caller, this.access.actor(ctx), uuidArg('apiUserId', apiUserId), ruleId);
    return { id: ruleId };
  }
}
