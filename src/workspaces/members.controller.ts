import { Body, Controller, Delete, Get, HttpCode, Patch, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Actor } from '../audit/audit-log';
import { CurrentActor } from '../audit/current-actor';
import { Authenticated } from '../auth/access.decorators';
import { CurrentWorkspace } from '../authorization/current-workspace';
import type { WorkspaceAccess } from '../authorization/workspace-access';
import { PageQueryDto } from '../common/pagination';
import { UuidParam } from '../common/uuid-param';
import { NoBody } from '../common/validation';
import { MembersService } from './members.service';
import { UpdateMemberDto } from './workspaces.dto';

@ApiTags('members')
@Controller('workspaces/:wid/members')
export class MembersController {
  constructor(private readonly members: MembersService) {}

  @Get()
  @Authenticated({ permission: 'members:read' })
  list(@CurrentWorkspace() access: WorkspaceAccess, @Query() query: PageQueryDto) {
    return this.members.list(access, query);
  }

  @Get(':userId')
  @Authenticated({ permission: 'members:read' })
  get(@CurrentWorkspace() access: WorkspaceAccess, @UuidParam('userId') userId: string) {
    return this.members.get(access, userId);
  }

  @Patch(':userId')
  @Authenticated({ permission: 'members:manage' })
  update(@CurrentWorkspace() access: WorkspaceAccess, @CurrentActor() actor: Actor, @UuidParam('userId') userId: string, @Body() dto: UpdateMemberDto) {
    return this.members.update(access, actor, userId, dto);
  }

  @Delete(':userId')
  @HttpCode(204)
  @Authenticated({ permission: 'members:manage' })
  async remove(@CurrentWorkspace() access: WorkspaceAccess, @CurrentActor() actor: Actor, @UuidParam('userId') userId: string, @NoBody() _body: unknown): Promise<void> {
    await this.members.remove(access, actor, userId);
  }
}
