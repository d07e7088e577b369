import { Body, Controller, Delete, Get, HttpCode, Patch, Query } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../audit/audit-log';
import { CurrentActor } from '../audit/current-actor';
import { Authenticated } from '../auth/access.decorators';
import { CurrentWorkspace } from '../authorization/current-workspace';
import type { WorkspaceCaller } from '../authorization/workspace-caller';
import { type Page, PageOf, PageQueryDto } from '../common/pagination';
import { UuidParam } from '../common/uuid-param';
import { NoBody } from '../common/validation';
import { ApiProblems } from '../openapi/problems';
import { MembersService } from './members.service';
import { MemberView } from './workspace.views';
import { UpdateMemberDto } from './workspaces.dto';

@ApiTags('members')
@Controller('workspaces/:wid/members')
export class MembersController {
  constructor(private readonly members: MembersService) {}

  @Get()
  @Authenticated({ permission: 'members:read' })
  @ApiOkResponse({ type: PageOf(MemberView), description: 'A page of the members, newest first' })
  list(@CurrentWorkspace() caller: WorkspaceCaller, @Query() query: PageQueryDto): Promise<Page<MemberView>> {
    return this.members.list(caller, query);
  }

  @Get(':userId')
  @Authenticated({ permission: 'members:read' })
  @ApiOkResponse({ type: MemberView, description: 'The member' })
  get(@CurrentWorkspace() caller: WorkspaceCaller, @UuidParam('userId') userId: string): Promise<MemberView> {
    return this.members.get(caller, userId);
  }

  @Patch(':userId')
  @Authenticated({ permission: 'members:manage' })
  @ApiOkResponse({ type: MemberView, description: 'The member as changed' })
  @ApiProblems(409)
  update(
    @CurrentWorkspace() caller: WorkspaceCaller,
    @CurrentActor() actor: Actor,
    @UuidParam('userId') userId: string,
    @Body() dto: UpdateMemberDto,
  ): Promise<MemberView> {
    return this.members.update(caller, actor, userId, dto);
  }

  @Delete(':userId')
  @HttpCode(204)
  @Authenticated({ permission: 'members:manage' })
  @ApiNoContentResponse({ description: 'Removed from the workspace' })
  @ApiProblems(409)
  async remove(
    @CurrentWorkspace() caller: WorkspaceCaller,
    @CurrentActor() actor: Actor,
    @UuidParam('userId') userId: string,
    @NoBody() _body: unknown,
  ): Promise<void> {
    await this.members.remove(caller, actor, userId);
  }
}
