import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Actor } from '../audit/audit-log';
import { CurrentActor } from '../audit/current-actor';
import { Authenticated } from '../auth/access.decorators';
import { CurrentWorkspace } from '../authorization/current-workspace';
import type { WorkspaceCaller } from '../authorization/workspace-caller';
import { PageQueryDto } from '../common/pagination';
import { UuidParam } from '../common/uuid-param';
import { NoBody } from '../common/validation';
import { RotateTokenDto } from '../tokens/token.dto';
import { CreateApiUserDto, CreateApiUserTokenDto, UpdateApiUserDto } from './api-users.dto';
import { ApiUsersService } from './api-users.service';

@ApiTags('api-users')
@Controller('workspaces/:wid/api-users')
export class ApiUsersController {
  constructor(private readonly apiUsers: ApiUsersService) {}

  @Get()
  @Authenticated({ permission: 'api_users:read' })
  list(@CurrentWorkspace() caller: WorkspaceCaller, @Query() query: PageQueryDto) {
    return this.apiUsers.list(caller, query);
  }

  @Post()
  @Authenticated({ permission: 'api_users:manage' })
  create(@CurrentWorkspace() caller: WorkspaceCaller, @CurrentActor() actor: Actor, @Body() dto: CreateApiUserDto) {
    return this.apiUsers.create(caller, actor, dto);
  }

  @Get(':id')
  @Authenticated({ permission: 'api_users:read' })
  get(@CurrentWorkspace() caller: WorkspaceCaller, @UuidParam('id') apiUserId: string) {
    return this.apiUsers.get(caller, apiUserId);
  }

  @Patch(':id')
  @Authenticated({ permission: 'api_users:manage' })
  update(
    @CurrentWorkspace() caller: WorkspaceCaller,
    @CurrentActor() actor: Actor,
    @UuidParam('id') apiUserId: string,
    @Body() dto: UpdateApiUserDto,
  ) {
    return this.apiUsers.update(caller, actor, apiUserId, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @Authenticated({ permission: 'api_users:manage' })
  async delete(
    @CurrentWorkspace() caller: WorkspaceCaller,
    @CurrentActor() actor: Actor,
    @UuidParam('id') apiUserId: string,
    @NoBody() _body: unknown,
  ): Promise<void> {
    await this.apiUsers.delete(caller, actor, apiUserId);
  }

  @Get(':id/tokens')
  @Authenticated({ permission: 'api_users:read' })
  tokens(@CurrentWorkspace() caller: WorkspaceCaller, @UuidParam('id') apiUserId: string, @Query() query: PageQueryDto) {
    return this.apiUsers.listTokens(caller, apiUserId, query);
  }

  @Post(':id/tokens')
  @Authenticated({ permission: 'api_users:manage' })
  createToken(
    @CurrentWorkspace() caller: WorkspaceCaller,
    @CurrentActor() actor: Actor,
    @UuidParam('id') apiUserId: string,
    @Body() dto: CreateApiUserTokenDto,
  ) {
    return this.apiUsers.createToken(caller, actor, apiUserId, dto);
  }

  @Delete(':id/tokens/:tokenId')
  @HttpCode(204)
  @Authenticated({ permission: 'api_users:manage' })
  async revokeToken(
    @CurrentWorkspace() caller: WorkspaceCaller,
    @CurrentActor() actor: Actor,
    @UuidParam('id') apiUserId: string,
    @UuidParam('tokenId') tokenId: string,
    @NoBody() _body: unknown,
  ): Promise<void> {
    await this.apiUsers.revokeToken(caller, actor, apiUserId, tokenId);
  }

  @Post(':id/tokens/:tokenId/rotate')
  @HttpCode(200)
  @Authenticated({ permission: 'api_users:manage' })
  rotateToken(
    @CurrentWorkspace() caller: WorkspaceCaller,
    @CurrentActor() actor: Actor,
    @UuidParam('id') apiUserId: string,
    @UuidParam('tokenId') tokenId: string,
    @Body() dto: RotateTokenDto,
  ) {
    return this.apiUsers.rotateToken(caller, actor, apiUserId, tokenId, dto);
  }
}
