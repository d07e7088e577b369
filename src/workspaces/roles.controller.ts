import { Body, Controller, Delete, Get, HttpCode, Patch, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../audit/audit-log';
import { CurrentActor } from '../audit/current-actor';
import { Authenticated } from '../auth/access.decorators';
import { CurrentWorkspace } from '../authorization/current-workspace';
import type { WorkspaceCaller } from '../authorization/workspace-caller';
import { type Page, PageOf } from '../common/pagination';
import { UuidParam } from '../common/uuid-param';
import { NoBody } from '../common/validation';
import { ApiProblems } from '../openapi/problems';
import { RolesService } from './roles.service';
import { RoleView } from './workspace.views';
import { CreateRoleDto, UpdateRoleDto } from './workspaces.dto';

@ApiTags('roles')
@Controller('workspaces/:wid/roles')
export class RolesController {
  constructor(private readonly roles: RolesService) {}

  @Get()
  @Authenticated({ permission: 'roles:read' })
  @ApiOkResponse({
    type: PageOf(RoleView),
    description: 'Every role of the workspace on one page (nextCursor is always null): the built-in ones first, then custom ones by name',
  })
  list(@CurrentWorkspace() caller: WorkspaceCaller): Promise<Page<RoleView>> {
    return this.roles.list(caller);
  }

  @Post()
  @Authenticated({ permission: 'roles:manage' })
  @ApiCreatedResponse({ type: RoleView, description: 'The new custom role' })
  @ApiProblems(409)
  create(@CurrentWorkspace() caller: WorkspaceCaller, @CurrentActor() actor: Actor, @Body() dto: CreateRoleDto): Promise<RoleView> {
    return this.roles.create(caller, actor, dto);
  }

  @Get(':roleId')
  @Authenticated({ permission: 'roles:read' })
  @ApiOkResponse({ type: RoleView, description: 'The role' })
  get(@CurrentWorkspace() caller: WorkspaceCaller, @UuidParam('roleId') roleId: string): Promise<RoleView> {
    return this.roles.get(caller, roleId);
  }

  @Patch(':roleId')
  @Authenticated({ permission: 'roles:manage' })
  @ApiOkResponse({ type: RoleView, description: 'The role as changed' })
  @ApiProblems(409)
  update(
    @CurrentWorkspace() caller: WorkspaceCaller,
    @CurrentActor() actor: Actor,
    @UuidParam('roleId') roleId: string,
    @Body() dto: UpdateRoleDto,
  ): Promise<RoleView> {
    return this.roles.update(caller, actor, roleId, dto);
  }

  @Delete(':roleId')
  @HttpCode(204)
  @Authenticated({ permission: 'roles:manage' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiProblems(409)
  async delete(
    @CurrentWorkspace() caller: WorkspaceCaller,
    @CurrentActor() actor: Actor,
    @UuidParam('roleId') roleId: string,
    @NoBody() _body: unknown,
  ): Promise<void> {
    await this.roles.delete(caller, actor, roleId);
  }
}
