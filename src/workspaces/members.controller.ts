import { Body, Controller, Delete, Get, HttpCode, Patch, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Actor } from '../audit/audit-log';
import { CurrentActor } from '../audit/current-actor';
import { Authenticated } from '../auth/access.decorators';
import { CurrentWorkspace } from '../authorization/current-workspace';
import type { WorkspaceCaller } from '../authorization/workspace-caller';
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
  list(@CurrentWorkspace() caller: WorkspaceCaller, @Query() query: PageQueryDto) {
    return this.members.list(caller, query);
  }

  @Get(':userId')
  @Authenticated({ permission: 'members:read' })
  get(@CurrentWorkspace() caller: WorkspaceCaller, @UuidParam('userId') userId: string) {
    return this.members.get(caller, userId);
  }

  @Patch(':userId')
  @Authenticated({ permission: 'members:manage' })
  update(
    @CurrentWorkspace() caller: WorkspaceCaller,
    @CurrentActor() actor: Actor,
    @UuidParam('userId') userId: string,
    @Body() dto: UpdateMemberDto,
  ) {
    return this.members.update(caller, actor, userId, dto);
  }

  @Delete(':userId')
  @HttpCode(204)
  @Authenticated({ permission: 'members:manage' })
  async remove(
    @CurrentWorkspace() caller: WorkspaceCaller,
    @CurrentActor() actor: Actor,
    @UuidParam('userId') userId: string,
    @NoBody() _body: unknown,
  ): Promise<void> {
    await this.members.remove(caller, actor, userId);
  }
}
