import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Put, Query } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiOperation, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { Actor } from '../audit/audit-log';
import { CurrentActor } from '../audit/current-actor';
import { Authenticated } from '../auth/access.decorators';
import { CurrentUser } from '../auth/current-user';
import { CurrentPrincipal, type Principal, type UserPrincipal } from '../auth/principal';
import { CurrentWorkspace } from '../authorization/current-workspace';
import type { WorkspaceCaller } from '../authorization/workspace-caller';
import { PageQueryDto } from '../common/pagination';
import { NoBody } from '../common/validation';
import { CallerAccessView, toCallerAccessView } from './caller-access.view';
import { CreateWorkspaceDto, TokenPolicyDto, UpdateWorkspaceDto, WorkspaceListView } from './workspaces.dto';
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
  @ApiOkResponse({ type: WorkspaceListView })
  list(@CurrentPrincipal() principal: Principal, @Query() query: PageQueryDto) {
    return this.workspaces.listMine(principal, query);
  }

  @Post()
  @Authenticated({ scope: 'account:manage' })
  create(@CurrentUser() user: UserPrincipal, @CurrentActor() actor: Actor, @Body() dto: CreateWorkspaceDto) {
    return this.workspaces.create(user, actor, dto);
  }

  @Get(':wid')
  @Authenticated({ permission: 'workspace:read' })
  @ApiExtraModels(CallerAccessView)
  @ApiOkResponse({
    description: 'The workspace, its tokenPolicy, the roles the caller holds, and `access`: what the caller may do here',
    schema: { type: 'object', properties: { access: { $ref: getSchemaPath(CallerAccessView) } } },
  })
  async get(@CurrentWorkspace() caller: WorkspaceCaller) {
    return { ...(await this.workspaces.get(caller)), access: toCallerAccessView(caller) };
  }

  @Patch(':wid')
  @Authenticated({ permission: 'workspace:update' })
  update(@CurrentWorkspace() caller: WorkspaceCaller, @CurrentActor() actor: Actor, @Body() dto: UpdateWorkspaceDto) {
    return this.workspaces.update(caller, actor, dto);
  }

  @Delete(':wid')
  @HttpCode(204)
  @Authenticated({ permission: 'workspace:delete', ownerOnly: true })
  async delete(@CurrentWorkspace() caller: WorkspaceCaller, @CurrentActor() actor: Actor, @NoBody() _body: unknown): Promise<void> {
    await this.workspaces.delete(caller, actor);
  }

  @Post(':wid/leave')
  @HttpCode(204)
  @Authenticated({ workspaceMember: true })
  async leave(@CurrentWorkspace() caller: WorkspaceCaller, @CurrentActor() actor: Actor, @NoBody() _body: unknown): Promise<void> {
    await this.workspaces.leave(caller, actor);
  }

  @Get(':wid/token-policy')
  @Authenticated({ permission: 'workspace:read' })
  policy(@CurrentWorkspace() caller: WorkspaceCaller) {
    return this.workspaces.getPolicy(caller);
  }

  @Put(':wid/token-policy')
  @Authenticated({ permission: 'workspace:update', ownerOnly: true })
  putPolicy(@CurrentWorkspace() caller: WorkspaceCaller, @CurrentActor() actor: Actor, @Body() dto: TokenPolicyDto) {
    return this.workspaces.putPolicy(caller, actor, dto);
  }
}
