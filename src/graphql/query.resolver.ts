// The root queries: who is calling, the catalog, the caller's workspaces, tokens and invitations, one
// workspace by id (its lists are fields of Workspace: workspace.resolver.ts), and the authorize question.
import { Args, Context, ID, Query, Resolver } from '@nestjs/graphql';
import { WorkspacesController } from '../workspaces/workspaces.controller';
import { MeTokensController } from '../tokens/me-tokens.controller';
import { InvitationsController } from '../workspaces/invitations.controller';
import { ChecksController } from '../checks/checks.controller';
import { WhoamiController } from '../whoami/whoami.controller';
import { PermissionsController } from '../authorization/permissions.controller';
import { isPermission } from '../authorization/permissions';
import { ChecksService } from '../checks/checks.service';
import { DomainError, statusFor, validationFailed } from '../common/errors';
import { TokensService } from '../tokens/tokens.service';
import { WhoamiService } from '../whoami/whoami.service';
import { InvitationChangesService } from '../workspaces/invitation-changes.service';
import { InvitationsService } from '../workspaces/invitations.service';
import { TokenPolicyPreviewController } from '../tokens/token-policy-preview.controller';
import { WorkspaceTokensService } from '../tokens/workspace-tokens.service';
import { WorkspacesService } from '../workspaces/workspaces.service';
import { GraphqlAccess, uuidArg } from './graphql-access';
import type { GraphqlContext } from './graphql-context';
import { MyTokensArgs, PageArgs, PreviewInvitationInput, TokenPolicyInput, TokenUsageArgs } from './graphql-inputs';
import { TokenUsageService } from '../tokens/token-usage.service';
import { TokenUsageType } from './graphql-types';
import {
  AuthorizationType,
  CallerUnion,
  InvitationPreviewType,
  InvitationType,
  PermissionCatalogType,
  TokenPolicyPreviewType,
  TokenType,
  WorkspaceType,
  type ApiUserType,
  type UserType,
} from './graphql-types';
import { PageOf } from './pages';
import { SameRuleAs, workspaceRuleOf } from './same-rule';

export const WorkspacePage = PageOf(WorkspaceType, 'Workspace');
export const TokenPage = PageOf(TokenType, 'Token');
export const InvitationPage = PageOf(InvitationType, 'Invitation');

const READ_WORKSPACE = workspaceRuleOf(WorkspacesController, 'get');

@Resolver()
export class QueryResolver {
  constructor(
    private readonly access: GraphqlAccess,
    private readonly whoami: WhoamiService,
    private readonly workspacesService: WorkspacesService,
    private readonly tokensService: TokensService,
    private readonly invitationsService: InvitationsService,
    private readonly invitationChanges: InvitationChangesService,
    private readonly workspaceTokens: WorkspaceTokensService,
    private readonly checks: ChecksService,
    private readonly tokenUsageReader: TokenUsageService,
  ) {}

  @Query(() => PermissionCatalogType, { description: 'The permission catalog (public)' })
  @SameRuleAs(PermissionsController, 'catalog')
  permissions(): PermissionCatalogType {
    return PermissionsController.prototype.catalog();
  }

  @Query(() => CallerUnion, { description: 'The caller: a User or an ApiUser, with the calling token (as GET /v1/whoami)' })
  @SameRuleAs(WhoamiController, 'get')
  async me(@Context() ctx: GraphqlContext): Promise<UserType | ApiUserType> {
    const view = await this.whoami.whoami(this.access.principal(ctx));
    if (view.type === 'user') return { ...(view.user as UserType), token: view.token };
    const apiUser = view.apiUser as { id: string; name: string };
    const workspace = view.workspace as { id: string; name: string };
    return {
      ...apiUser,
      workspaceId: workspace.id,
      workspace,
      roles: view.roles ?? [],
      deviceAccess: view.deviceAccess ?? { mode: 'selected' },
      token: view.token,
    };
  }

  @Query(() => WorkspacePage, { description: "The caller's workspaces (an API user: its one workspace)" })
  @SameRuleAs(WorkspacesController, 'list')
  workspaces(@Context() ctx: GraphqlContext, @Args() page: PageArgs) {
    return this.workspacesService.listMine(this.access.principal(ctx), page);
  }

  @Query(() => WorkspaceType, { description: 'A workspace of the caller; NOT_FOUND for any other id' })
  @SameRuleAs(WorkspacesController, 'get')
  async workspace(@Context() ctx: GraphqlContext, @Args('id', { type: () => ID }) id: string) {
    const caller = await this.access.admit(ctx, id, READ_WORKSPACE, 'id');
    return this.workspacesService.get(caller);
  }

  @Query(() => TokenPage, { description: "The calling user's own tokens (as GET /v1/me/tokens)" })
  @SameRuleAs(MeTokensController, 'list')
  tokens(@Context() ctx: GraphqlContext, @Args() args: MyTokensArgs) {
    return this.tokensService.list(this.access.user(ctx), args);
  }

  @Query(() => TokenUsageType, { description: "One of the calling user's tokens' hourly usage (as GET /v1/me/tokens/{tokenId}/usage)" })
  @SameRuleAs(MeTokensController, 'usage')
  tokenUsage(@Context() ctx: GraphqlContext, @Args() args: TokenUsageArgs) {
    return this.tokenUsageReader.ofOwnToken(this.access.user(ctx), uuidArg('tokenId', args.tokenId), args);
  }

  @Query(() => InvitationPage, { description: "Invitations to the calling user's verified email (as GET /v1/me/invitations)" })
  @SameRuleAs(InvitationsController, 'mine')
  invitations(@Context() ctx: GraphqlContext) {
    return this.invitationsService.mine(this.access.user(ctx));
  }

  @Query(() => InvitationPreviewType, {
    description:
      "What an invitation offers, for the holder of its link (public; send the secret as a variable): NOT_FOUND for any secret that is not a pending invitation's",
  })
  @SameRuleAs(InvitationsController, 'preview')
  invitationPreview(@Args('input') input: PreviewInvitationInput) {
    return this.invitationChanges.preview(input);
  }

  @Query(() => TokenPolicyPreviewType, { description: 'What saving this token policy would refuse (owners; nothing is saved)' })
  @SameRuleAs(TokenPolicyPreviewController, 'preview')
  async tokenPolicyPreview(
    @Context() ctx: GraphqlContext,
    @Args('workspaceId', { type: () => ID }) workspaceId: string,
    @Args('input') input: TokenPolicyInput,
  ) {
    const caller = await this.access.admit(ctx, workspaceId, workspaceRuleOf(TokenPolicyPreviewController, 'preview'));
    return this.workspaceTokens.previewPolicy(caller, input);
  }

  @Query(() => AuthorizationType, {
    description: 'May the calling token do `permission` in the workspace (on the device)? As /v1/authorize, answered as a value',
  })
  @SameRuleAs(ChecksController, 'authorize')
  async authorize(
    @Context() ctx: GraphqlContext,
    @Args('workspaceId', { type: () => ID }) workspaceId: string,
    @Args('permission') permission: string,
    @Args('deviceId', { type: () => ID, nullable: true }) deviceId?: string,
  ): Promise<AuthorizationType> {
    const principal = this.access.principal(ctx);
    if (!isPermission(permission)) throw validationFailed('permission', 'is not a permission of the catalog');
    const question = {
      workspaceId: uuidArg('workspaceId', workspaceId),
      permission,
      deviceId: deviceId === undefined || deviceId === null ? null : uuidArg('deviceId', deviceId),
    };
    try {
      await this.checks.authorize(principal, question);
      return { allowed: true, principalId: principal.id, principalType: principal.type };
    } catch (error) {
      // A "no" (403) is the answer; anything else (a token cut off: 401, bad input) is an error, as in REST.
      if (error instanceof DomainError && statusFor(error.code) === 403) return { allowed: false, code: error.code, reason: error.detail };
      throw error;
    }
  }
}
