// The lists and items of one workspace, as fields of Workspace. Each field admits the caller with the
// rule of the REST route that answers the same list, whatever path led to the workspace.
import { Args, Context, ID, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { ApiUsersController } from '../api-users/api-users.controller';
import { ApiUsersService } from '../api-users/api-users.service';
import { AuditController } from '../audit/audit.controller';
import { AuditLog } from '../audit/audit-log';
import { DevicesController } from '../devices/devices.controller';
import { DevicesService } from '../devices/devices.service';
import { WorkspaceTokensController } from '../tokens/workspace-tokens.controller';
import { WorkspaceTokensService } from '../tokens/workspace-tokens.service';
import { InvitationsController } from '../workspaces/invitations.controller';
import { InvitationsService } from '../workspaces/invitations.service';
import { MembersController } from '../workspaces/members.controller';
import { MembersService } from '../workspaces/members.service';
import { RolesController } from '../workspaces/roles.controller';
import { RolesService } from '../workspaces/roles.service';
import { toCallerAccessView } from '../workspaces/caller-access.view';
import { WorkspacesController } from '../workspaces/workspaces.controller';
import { WorkspacesService } from '../workspaces/workspaces.service';
import { GraphqlAccess, uuidArg } from './graphql-access';
import type { GraphqlContext } from './graphql-context';
import { AuditPageArgs, DevicePageArgs, PageArgs, TokenUsageArgs, UnusedTokensArgs } from './graphql-inputs';
import {
  ApiUserType,
  AuditEventType,
  CallerAccessType,
  DeviceType,
  InvitationType,
  MemberType,
  RoleType,
  TokenPolicyType,
  TokenUsageType,
  WorkspaceTokenType,
  WorkspaceType,
} from './graphql-types';
import { PageOf } from './pages';
import { workspaceRuleOf } from './same-rule';

export const MemberPage = PageOf(MemberType, 'Member');
export const DevicePage = PageOf(DeviceType, 'Device');
export const ApiUserPage = PageOf(ApiUserType, 'ApiUser');
export const WorkspaceTokenPage = PageOf(WorkspaceTokenType, 'WorkspaceToken');
export const AuditEventPage = PageOf(AuditEventType, 'AuditEvent');
const InvitationPage = PageOf(InvitationType, 'Invitation');

const RULES = {
  workspace: workspaceRuleOf(WorkspacesController, 'get'),
  policy: workspaceRuleOf(WorkspacesController, 'policy'),
  members: workspaceRuleOf(MembersController, 'list'),
  member: workspaceRuleOf(MembersController, 'get'),
  roles: workspaceRuleOf(RolesController, 'list'),
  role: workspaceRuleOf(RolesController, 'get'),
  devices: workspaceRuleOf(DevicesController, 'list'),
  device: workspaceRuleOf(DevicesController, 'get'),
  apiUsers: workspaceRuleOf(ApiUsersController, 'list'),
  apiUser: workspaceRuleOf(ApiUsersController, 'get'),
  invitations: workspaceRuleOf(InvitationsController, 'list'),
  tokens: workspaceRuleOf(WorkspaceTokensController, 'list'),
  unusedTokens: workspaceRuleOf(WorkspaceTokensController, 'unused'),
  tokenUsage: workspaceRuleOf(WorkspaceTokensController, 'usage'),
  audit: workspaceRuleOf(AuditController, 'workspaceEvents'),
};

@Resolver(() => WorkspaceType)
export class WorkspaceResolver {
  constructor(
    private readonly graphqlAccess: GraphqlAccess,
    private readonly workspacesService: WorkspacesService,
    private readonly membersService: MembersService,
    private readonly rolesService: RolesService,
    private readonly devicesService: DevicesService,
    private readonly apiUsersService: ApiUsersService,
    private readonly invitationsService: InvitationsService,
    private readonly tokensService: WorkspaceTokensService,
    private readonly audit: AuditLog,
  ) {}

  @ResolveField(() => CallerAccessType, { description: 'What the caller may do here (as GET /v1/workspaces/{wid} answers it)' })
  async access(@Context() ctx: GraphqlContext, @Parent() workspace: WorkspaceType) {
    return toCallerAccessView(await this.graphqlAccess.admit(ctx, workspace.id, RULES.workspace));
  }

  @ResolveField(() => TokenPolicyType)
  async tokenPolicy(@Context() ctx: GraphqlContext, @Parent() workspace: WorkspaceType) {
    return this.workspacesService.getPolicy(await this.graphqlAccess.admit(ctx, workspace.id, RULES.policy));
  }

  @ResolveField(() => MemberPage)
  async members(@Context() ctx: GraphqlContext, @Parent() workspace: WorkspaceType, @Args() page: PageArgs) {
    return this.membersService.list(await this.graphqlAccess.admit(ctx, workspace.id, RULES.members), page);
  }

  @ResolveField(() => MemberType)
  async member(@Context() ctx: GraphqlContext, @Parent() workspace: WorkspaceType, @Args('userId', { type: () => ID }) userId: string) {
    return this.membersService.get(await this.graphqlAccess.admit(ctx, workspace.id, RULES.member), uuidArg('userId', userId));
  }

  @ResolveField('roles', () => [RoleType], { description: "The workspace's roles, built-in ones included" })
  async workspaceRoles(@Context() ctx: GraphqlContext, @Parent() workspace: WorkspaceType) {
    return (await this.rolesService.list(await this.graphqlAccess.admit(ctx, workspace.id, RULES.roles))).items;
  }

  @ResolveField(() => RoleType)
  async role(@Context() ctx: GraphqlContext, @Parent() workspace: WorkspaceType, @Args('id', { type: () => ID }) id: string) {
    return this.rolesService.get(await this.graphqlAccess.admit(ctx, workspace.id, RULES.role), uuidArg('id', id));
  }

  @ResolveField(() => DevicePage, { description: 'Devices within the caller’s device access' })
  async devices(@Context() ctx: GraphqlContext, @Parent() workspace: WorkspaceType, @Args() page: DevicePageArgs) {
    return this.devicesService.list(await this.graphqlAccess.admit(ctx, workspace.id, RULES.devices), page);
  }

  @ResolveField(() => DeviceType)
  async device(@Context() ctx: GraphqlContext, @Parent() workspace: WorkspaceType, @Args('id', { type: () => ID }) id: string) {
    return this.devicesService.get(await this.graphqlAccess.admit(ctx, workspace.id, RULES.device), uuidArg('id', id));
  }

  @ResolveField(() => ApiUserPage)
  async apiUsers(@Context() ctx: GraphqlContext, @Parent() workspace: WorkspaceType, @Args() page: PageArgs) {
    return this.apiUsersService.list(await this.graphqlAccess.admit(ctx, workspace.id, RULES.apiUsers), page);
  }

  @ResolveField(() => ApiUserType)
  async apiUser(@Context() ctx: GraphqlContext, @Parent() workspace: WorkspaceType, @Args('id', { type: () => ID }) id: string) {
    return this.apiUsersService.get(await this.graphqlAccess.admit(ctx, workspace.id, RULES.apiUser), uuidArg('id', id));
  }

  @ResolveField(() => InvitationPage)
  async invitations(@Context() ctx: GraphqlContext, @Parent() workspace: WorkspaceType, @Args() page: PageArgs) {
    return this.invitationsService.list(await this.graphqlAccess.admit(ctx, workspace.id, RULES.invitations), page);
  }

  @ResolveField(() => WorkspaceTokenPage, { description: 'Every token that can reach the workspace (governance: tokens:read)' })
  async tokens(@Context() ctx: GraphqlContext, @Parent() workspace: WorkspaceType, @Args() page: PageArgs) {
    return this.tokensService.list(await this.graphqlAccess.admit(ctx, workspace.id, RULES.tokens), page);
  }

  @ResolveField(() => WorkspaceTokenPage, {
    description: 'Tokens of this workspace alone unused for `days` (30 or 90) days (as GET …/tokens/unused; tokens:read)',
  })
  async unusedTokens(@Context() ctx: GraphqlContext, @Parent() workspace: WorkspaceType, @Args() args: UnusedTokensArgs) {
    return this.tokensService.unused(await this.graphqlAccess.admit(ctx, workspace.id, RULES.unusedTokens), args);
  }

  @ResolveField(() => TokenUsageType, {
    description: 'The hourly usage of a token of this workspace alone (as GET …/tokens/{tokenId}/usage; tokens:read)',
  })
  async tokenUsage(@Context() ctx: GraphqlContext, @Parent() workspace: WorkspaceType, @Args() args: TokenUsageArgs) {
    const caller = await this.graphqlAccess.admit(ctx, workspace.id, RULES.tokenUsage);
    return this.tokensService.usage(caller, uuidArg('tokenId', args.tokenId), args);
  }

  @ResolveField(() => AuditEventPage)
  async auditEvents(@Context() ctx: GraphqlContext, @Parent() workspace: WorkspaceType, @Args() page: AuditPageArgs) {
    const caller = await this.graphqlAccess.admit(ctx, workspace.id, RULES.audit);
    return this.audit.listForWorkspace(caller.workspaceId, page);
  }
}
