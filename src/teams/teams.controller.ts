import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Put, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../audit/audit-log';
import { CurrentActor } from '../audit/current-actor';
import { Authenticated } from '../auth/access.decorators';
import { CurrentWorkspace } from '../authorization/current-workspace';
import type { WorkspaceCaller } from '../authorization/workspace-caller';
import { Page, PageOf, PageQueryDto } from '../common/pagination';
import { UuidParam } from '../common/uuid-param';
import { NoBody } from '../common/validation';
import { ApiProblems } from '../openapi/problems';
import { CreateTeamDto, UpdateTeamDto } from './teams.dto';
import { TeamsService } from './teams.service';
import { TeamView } from './teams.views';

@ApiTags('teams')
@Controller('workspaces/:wid/teams')
export class TeamsController {
  constructor(private readonly teams: TeamsService) {}

  @Get()
  @Authenticated({ permission: 'teams:read' })
  @ApiOkResponse({ type: PageOf(TeamView), description: "A page of the workspace's teams, newest first" })
  list(@CurrentWorkspace() caller: WorkspaceCaller, @Query() query: PageQueryDto): Promise<Page<TeamView>> {
    return this.teams.list(caller, query);
  }

  @Post()
  @Authenticated({ permission: 'teams:manage' })
  @ApiCreatedResponse({ type: TeamView, description: 'The team, with no one in it yet' })
  @ApiProblems(409)
  create(@CurrentWorkspace() caller: WorkspaceCaller, @CurrentActor() actor: Actor, @Body() dto: CreateTeamDto): Promise<TeamView> {
    return this.teams.create(caller, actor, dto);
  }

  @Get(':teamId')
  @Authenticated({ permission: 'teams:read' })
  @ApiOkResponse({ type: TeamView, description: 'The team, with its members and API users' })
  get(@CurrentWorkspace() caller: WorkspaceCaller, @UuidParam('teamId') teamId: string): Promise<TeamView> {
    return this.teams.get(caller, teamId);
  }

  @Patch(':teamId')
  @Authenticated({ permission: 'teams:manage' })
  @ApiOkResponse({ type: TeamView, description: 'The team as changed; everyone in it holds the new grant at once' })
  @ApiProblems(409)
  update(
    @CurrentWorkspace() caller: WorkspaceCaller,
    @CurrentActor() actor: Actor,
    @UuidParam('teamId') teamId: string,
    @Body() dto: UpdateTeamDto,
  ): Promise<TeamView> {
    return this.teams.update(caller, actor, teamId, dto);
  }

  @Delete(':teamId')
  @HttpCode(204)
  @Authenticated({ permission: 'teams:manage' })
  @ApiNoContentResponse({ description: 'Deleted; everyone in it loses what it handed out' })
  async delete(
    @CurrentWorkspace() caller: WorkspaceCaller,
    @CurrentActor() actor: Actor,
    @UuidParam('teamId') teamId: string,
    @NoBody() _body: unknown,
  ): Promise<void> {
    await this.teams.delete(caller, actor, teamId);
  }

  @Put(':teamId/members/:userId')
  @Authenticated({ permission: 'teams:manage' })
  @ApiOkResponse({ type: TeamView, description: 'The team with the member in it (already in it: unchanged)' })
  @ApiProblems(409)
  addMember(
    @CurrentWorkspace() caller: WorkspaceCaller,
    @CurrentActor() actor: Actor,
    @UuidParam('teamId') teamId: string,
    @UuidParam('userId') userId: string,
    @NoBody() _body: unknown,
  ): Promise<TeamView> {
    return this.teams.addPrincipal(caller, actor, teamId, { type: 'user', id: userId });
  }

  @Delete(':teamId/members/:userId')
  @HttpCode(204)
  @Authenticated({ permission: 'teams:manage' })
  @ApiNoContentResponse({ description: 'The member is out of the team' })
  async removeMember(
    @CurrentWorkspace() caller: WorkspaceCaller,
    @CurrentActor() actor: Actor,
    @UuidParam('teamId') teamId: string,
    @UuidParam('userId') userId: string,
    @NoBody() _body: unknown,
  ): Promise<void> {
    await this.teams.removePrincipal(caller, actor, teamId, { type: 'user', id: userId });
  }

  @Put(':teamId/api-users/:apiUserId')
  @Authenticated({ permission: 'teams:manage' })
  @ApiOkResponse({ type: TeamView, description: 'The team with the API user in it (already in it: unchanged)' })
  @ApiProblems(409)
  addApiUser(
    @CurrentWorkspace() caller: WorkspaceCaller,
    @CurrentActor() actor: Actor,
    @UuidParam('teamId') teamId: string,
    @UuidParam('apiUserId') apiUserId: string,
    @NoBody() _body: unknown,
  ): Promise<TeamView> {
    return this.teams.addPrincipal(caller, actor, teamId, { type: 'api_user', id: apiUserId });
  }

  @Delete(':teamId/api-users/:apiUserId')
  @HttpCode(204)
  @Authenticated({ permission: 'teams:manage' })
  @ApiNoContentResponse({ description: 'The API user is out of the team' })
  async removeApiUser(
    @CurrentWorkspace() caller: WorkspaceCaller,
    @CurrentActor() actor: Actor,
    @UuidParam('teamId') teamId: string,
    @UuidParam('apiUserId') apiUserId: string,
    @NoBody() _body: unknown,
  ): Promise<void> {
    await this.teams.removePrincipal(caller, actor, teamId, { type: 'api_user', id: apiUserId });
  }
}
