import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Put, Query } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { Actor } from '../audit/audit-log';
import { CurrentActor } from '../audit/current-actor';
import { Authenticated } from '../auth/access.decorators';
import { CurrentUser } from '../auth/current-user';
import type { UserPrincipal } from '../auth/principal';
import { CurrentWorkspace } from '../authorization/current-workspace';
import type { WorkspaceAccess } from '../authorization/workspace-access';
import { PageQueryDto } from '../common/pagination';
import { NoBody } from '../common/validation';
import { CallerAccessView, toCallerAccessView } from './caller-access.view';
import { CreateWorkspaceDto, TokenPolicyDto, UpdateWorkspaceDto } from './workspaces.dto';
import { WorkspacesService } from './workspaces.service';

@ApiTags('workspaces')
@Controller('workspaces')
export class WorkspacesController {
  constructor(private readonly workspaces: WorkspacesService) {}

  @Get()
  @Authenticated({ scope: 'workspace:read' })
  list(@CurrentUser() user: UserPrincipal, @Query() query: PageQueryDto) {
    return this.workspaces.listMine(user, query);
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
  async get(@CurrentWorkspace() access: WorkspaceAccess) {
    return { ...(await this.workspaces.get(access)), access: toCallerAccessView(access) };
  }

  @Patch(':wid')
  @Authenticated({ permission: 'workspace:update' })
  update(@CurrentWorkspace() access: WorkspaceAccess, @CurrentActor() actor: Actor, @Body() dto: UpdateWorkspaceDto) {
    return this.workspaces.update(access, actor, dto);
  }

  @Delete(':wid')
  @HttpCode(204)
  @Authenticated({ permission: 'workspace:delete', ownerOnly: true })
  async delete(@CurrentWorkspace() access: WorkspaceAccess, @CurrentActor() actor: Actor, @NoBody() _body: unknown): Promise<void> {
    await this.workspaces.delete(access, actor);
  }

  @Post(':wid/leave')
  @HttpCode(204)
  @Authenticated({ workspaceMember: true })
  async leave(@CurrentWorkspace() access: WorkspaceAccess, @CurrentActor() actor: Actor, @NoBody() _body: unknown): Promise<void> {
    await this.workspaces.leave(access, actor);
  }

  @Get(':wid/token-policy')
  @Authenticated({ permission: 'workspace:read' })
  policy(@CurrentWorkspace() access: WorkspaceAccess) {
    return this.workspaces.getPolicy(access);
  }

  @Put(':wid/token-policy')
  @Authenticated({ permission: 'workspace:update', ownerOnly: true })
  putPolicy(@CurrentWorkspace() access: WorkspaceAccess, @CurrentActor() actor: Actor, @Body() dto: TokenPolicyDto) {
    return this.workspaces.putPolicy(access, actor, dto);
  }
}
