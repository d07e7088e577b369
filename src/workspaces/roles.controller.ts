import { Body, Controller, Delete, Get, HttpCode, Patch, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Actor } from '../audit/audit-log';
import { CurrentActor } from '../audit/current-actor';
import { Authenticated } from '../auth/access.decorators';
import { CurrentWorkspace } from '../authorization/current-workspace';
import type { WorkspaceAccess } from '../authorization/workspace-access';
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
  list(@CurrentWorkspace() access: WorkspaceAccess) {
    return this.roles.list(access);
  }

  @Post()
  @Authenticated({ permission: 'roles:manage' })
  create(@CurrentWorkspace() access: WorkspaceAccess, @CurrentActor() actor: Actor, @Body() dto: CreateRoleDto) {
    return this.roles.create(access, actor, dto);
  }

  @Get(':roleId')
  @Authenticated({ permission: 'roles:read' })
  get(@CurrentWorkspace() access: WorkspaceAccess, @UuidParam('roleId') roleId: string) {
    return this.roles.get(access, roleId);
  }

  @Patch(':roleId')
  @Authenticated({ permission: 'roles:manage' })
  update(@CurrentWorkspace() access: WorkspaceAccess, @CurrentActor() actor: Actor, @UuidParam('roleId') roleId: string, @Body() dto: UpdateRoleDto) {
    return this.roles.update(access, actor, roleId, dto);
  }

  @Delete(':roleId')
  @HttpCode(204)
  @Authenticated({ permission: 'roles:manage' })
  async delete(@CurrentWorkspace() access: WorkspaceAccess, @CurrentActor() actor: Actor, @UuidParam('roleId') roleId: string, @NoBody() _body: unknown): Promise<void> {
    await this.roles.delete(access, actor, roleId);
  }
}
