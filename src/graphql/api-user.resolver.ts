// An API user's tokens, as GET /v1/workspaces/:wid/api-users/:id/tokens answers them; the first pages
// of a whole list of API users load in one batch (loaders.ts).
import { Args, Context, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { ApiUsersController } from '../api-users/api-users.controller';
import { ApiUsersService } from '../api-users/api-users.service';
import { GraphqlAccess, uuidArg } from './graphql-access';
import type { GraphqlContext } from './graphql-context';
import { PageArgs, TokenUsageArgs } from './graphql-inputs';
import { ApiUserType, TokenUsageType } from './graphql-types';
import { apiUserTokenPages } from './loaders';
import { TokenPage } from './query.resolver';
import { workspaceRuleOf } from './same-rule';

const LIST_TOKENS = workspaceRuleOf(ApiUsersController, 'tokens');
const TOKEN_USAGE = workspaceRuleOf(ApiUsersController, 'tokenUsage');

@Resolver(() => ApiUserType)
export class ApiUserResolver {
  constructor(
    private readonly access: GraphqlAccess,
    private readonly apiUsers: ApiUsersService,
  ) {}

  @ResolveField(() => TokenPage, { description: 'Its live tokens, newest first' })
  async tokens(@Context() ctx: GraphqlContext, @Parent() apiUser: ApiUserType, @Args() page: PageArgs) {
    const caller = await this.access.admit(ctx, apiUser.workspaceId, LIST_TOKENS);
    if (page.cursor !== undefined) return this.apiUsers.listTokens(caller, apiUser.id, page);
    return apiUserTokenPages(ctx, this.apiUsers, caller, page.limit).load(apiUser.id);
  }

  @ResolveField(() => TokenUsageType, { description: "One of its tokens' hourly usage (as GET …/api-users/{id}/tokens/{tokenId}/usage)" })
  async tokenUsage(@Context() ctx: GraphqlContext, @Parent() apiUser: ApiUserType, @Args() args: TokenUsageArgs) {
    const caller = await this.access.admit(ctx, apiUser.workspaceId, TOKEN_USAGE);
    return this.apiUsers.tokenUsage(caller, apiUser.id, uuidArg('tokenId', args.tokenId), args);
  }
}
