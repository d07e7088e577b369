import { Body, Controller, Delete, Get, HttpCode, Patch, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Actor } from '../audit/audit-log';
import { CurrentActor } from '../audit/current-actor';
import { Authenticated } from '../auth/access.decorators';
import { CurrentWorkspace } from '../authorization/current-workspace';
import type { WorkspaceCaller } from '../authorization/workspace-caller';
import { UuidParam } from '../common/uuid-param';
import { NoBody } from '../common/validation';
import { RolesService } from './roles.service';
import { CreateRoleDto, UpdateRoleDto } from './workspaces.dto';

@ApiTags('roles')
@Controller('workspaces/:wid/roles')
export class RolesController {
  constructor(private readonly roles: RolesService) {}

  @Get()
  @Authenticated({ permission: 'roles:read' })
  list(@CurrentWorkspace() caller: WorkspaceCaller) {
    return this.roles.list(caller);
  }

  @Post()
  @Authenticated({ permission: 'roles:manage' })
  create(@CurrentWorkspace() caller: WorkspaceCaller, @CurrentActor() actor: Actor, @Body() dto: CreateRoleDto) {
    return this.roles.create(caller, actor, dto);
  }

  @Get(':roleId')
  @Authenticated({ permission: 'roles:read' })
  get(@CurrentWorkspace() caller: WorkspaceCaller, @UuidParam('roleId') roleId: string) {
    return this.roles.get(caller, roleId);
  }

  @Patch(':roleId')
  @Authenticated({ permission: 'roles:manage' })
  update(
    @CurrentWorkspace() caller: WorkspaceCaller,
    @CurrentActor() actor: Actor,
    @UuidParam('roleId') roleId: string,
    @Body() dto: UpdateRoleDto,
  ) {
    return this.roles.update(caller, actor, roleId, dto);
  }

  @Delete(':roleId')
  @HttpCode(204)
  @Authenticated({ permission: 'roles:manage' })
  async delete(
    @CurrentWorkspace() caller: WorkspaceCaller,
    @CurrentActor() actor: Actor,
    @UuidParam('roleId') roleId: string,
    @NoBody() _body: unknown,
  ): Promise<void> {
    await this.roles.delete(caller, actor, roleId);
  }
}
