import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Put, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../audit/audit-log';
import { CurrentActor } from '../audit/current-actor';
import { Authenticated } from '../auth/access.decorators';
import { CurrentUser } from '../auth/current-user';
import { CurrentPrincipal, type Principal, type UserPrincipal } from '../auth/principal';
import { CurrentWorkspace } from '../authorization/current-workspace';
import type { WorkspaceCaller } from '../authorization/workspace-caller';
import { type Page, PageOf, PageQueryDto } from '../common/pagination';
import { NoBody } from '../common/validation';
import { ApiProblems } from '../openapi/problems';
import { toCallerAccessView } from './caller-access.view';
import { TokenPolicyView, WorkspaceView, WorkspaceWithAccessView } from './workspace.views';
import { CreateWorkspaceDto, TokenPolicyDto, UpdateWorkspaceDto } from './workspaces.dto';
import { WorkspacesService } from './workspaces.service';

@ApiTags('workspaces')
@Controller('workspaces')
export class WorkspacesController {
  constructor(private readonly workspaces: WorkspacesService) {}

  @Get()
  // An API user sees its one workspace: the same item as a user's, its roles there and nothing of others.
  @Authenticated({ scope: 'workspace:read', allowApiUsers: true })
  @ApiOperation({
    summary: "The caller's workspaces",
    description:
      'For a user: the workspaces it is a member of (only those its token is restricted to, if it is), newest membership first. For an API user: its one workspace. Each with the roles the caller holds there.',
  })
  @ApiOkResponse({ type: PageOf(WorkspaceView), description: "A page of the caller's workspaces" })
  list(@CurrentPrincipal() principal: Principal, @Query() query: PageQueryDto): Promise<Page<WorkspaceView>> {
    return this.workspaces.listMine(principal, query);
  }

  @Post()
  @Authenticated({ scope: 'account:manage' })
  @ApiCreatedResponse({ type: WorkspaceView, description: 'The new workspace; the caller is its owner' })
  @ApiProblems(409)
  create(@CurrentUser() user: UserPrincipal, @CurrentActor() actor: Actor, @Body() dto: CreateWorkspaceDto): Promise<WorkspaceView> {
    return this.workspaces.create(user, actor, dto);
  }

  @Get(':wid')
  @Authenticated({ permission: 'workspace:read' })
  @ApiOkResponse({
    type: WorkspaceWithAccessView,
    description: 'The workspace, its tokenPolicy, the roles the caller holds, and `access`: what the caller may do here',
  })
  async get(@CurrentWorkspace() caller: WorkspaceCaller): Promise<WorkspaceWithAccessView> {
    return { ...(await this.workspaces.get(caller)), access: toCallerAccessView(caller) };
  }

  @Patch(':wid')
  @Authenticated({ permission: 'workspace:update' })
  @ApiOkResponse({ type: WorkspaceView, description: 'The workspace as changed' })
  @ApiProblems(409)
  update(
    @CurrentWorkspace() caller: WorkspaceCaller,
    @CurrentActor() actor: Actor,
    @Body() dto: UpdateWorkspaceDto,
  ): Promise<WorkspaceView> {
    return this.workspaces.update(caller, actor, dto);
  }

  @Delete(':wid')
  @HttpCode(204)
  @Authenticated({ permission: 'workspace:delete', ownerOnly: true })
  @ApiNoContentResponse({ description: 'Deleted, with everything in it' })
  async delete(@CurrentWorkspace() caller: WorkspaceCaller, @CurrentActor() actor: Actor, @NoBody() _body: unknown): Promise<void> {
    await this.workspaces.delete(caller, actor);
  }

  @Post(':wid/leave')
  @HttpCode(204)
  // Leaving changes the account's memberships, as accepting or declining an invitation does: it takes
  // account:manage, not any token of the user (a token scoped to measurements:read must not end the
  // membership). A token restricted to this workspace may still leave it.
  @Authenticated({ workspaceMember: true, scope: 'account:manage', allowRestrictedTokens: true })
  @ApiNoContentResponse({ description: 'The caller is no longer a member' })
  @ApiProblems(409)
  async leave(@CurrentWorkspace() caller: WorkspaceCaller, @CurrentActor() actor: Actor, @NoBody() _body: unknown): Promise<void> {
    await this.workspaces.leave(caller, actor);
  }

  @Get(':wid/token-policy')
  @Authenticated({ permission: 'workspace:read' })
  @ApiOkResponse({ type: TokenPolicyView, description: "The workspace's token policy" })
  policy(@CurrentWorkspace() caller: WorkspaceCaller): Promise<TokenPolicyView> {
    return this.workspaces.getPolicy(caller);
  }

  @Put(':wid/token-policy')
  @Authenticated({ permission: 'workspace:update', ownerOnly: true })
  @ApiOkResponse({ type: TokenPolicyView, description: 'The policy as set' })
  putPolicy(
    @CurrentWorkspace() caller: WorkspaceCaller,
    @CurrentActor() actor: Actor,
    @Body() dto: TokenPolicyDto,
  ): Promise<TokenPolicyView> {
    return this.workspaces.putPolicy(caller, actor, dto);
  }
}
