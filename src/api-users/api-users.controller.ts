import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Actor } from '../audit/audit-log';
import { CurrentActor } from '../audit/current-actor';
import { Authenticated } from '../auth/access.decorators';
import { CurrentWorkspace } from '../authorization/current-workspace';
import type { WorkspaceAccess } from '../authorization/workspace-access';
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
  list(@CurrentWorkspace() access: WorkspaceAccess, @Query() query: PageQueryDto) {
    return this.apiUsers.list(access, query);
  }

  @Post()
  @Authenticated({ permission: 'api_users:manage' })
  create(@CurrentWorkspace() access: WorkspaceAccess, @CurrentActor() actor: Actor, @Body() dto: CreateApiUserDto) {
    return this.apiUsers.create(access, actor, dto);
  }

  @Get(':id')
  @Authenticated({ permission: 'api_users:read' })
  get(@CurrentWorkspace() access: WorkspaceAccess, @UuidParam('id') apiUserId: string) {
    return this.apiUsers.get(access, apiUserId);
  }

  @Patch(':id')
  @Authenticated({ permission: 'api_users:manage' })
  update(@CurrentWorkspace() access: WorkspaceAccess, @CurrentActor() actor: Actor, @UuidParam('id') apiUserId: string, @Body() dto: UpdateApiUserDto) {
    return this.apiUsers.update(access, actor, apiUserId, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @Authenticated({ permission: 'api_users:manage' })
  async delete(@CurrentWorkspace() access: WorkspaceAccess, @CurrentActor() actor: Actor, @UuidParam('id') apiUserId: string, @NoBody() _body: unknown): Promise<void> {
    await this.apiUsers.delete(access, actor, apiUserId);
  }

  @Get(':id/tokens')
  @Authenticated({ permission: 'api_users:read' })
  tokens(@CurrentWorkspace() access: WorkspaceAccess, @UuidParam('id') apiUserId: string, @Query() query: PageQueryDto) {
    return this.apiUsers.listTokens(access, apiUserId, query);
  }

  @Post(':id/tokens')
  @Authenticated({ permission: 'api_users:manage' })
  createToken(@CurrentWorkspace() access: WorkspaceAccess, @CurrentActor() actor: Actor, @UuidParam('id') apiUserId: string, @Body() dto: CreateApiUserTokenDto) {
    return this.apiUsers.createToken(access, actor, apiUserId, dto);
  }

  @Delete(':id/tokens/:tokenId')
  @HttpCode(204)
  @Authenticated({ permission: 'api_users:manage' })
  async revokeToken(@CurrentWorkspace() access: WorkspaceAccess, @CurrentActor() actor: Actor, @UuidParam('id') apiUserId: string, @UuidParam('tokenId') tokenId: string, @NoBody() _body: unknown): Promise<void> {
    await this.apiUsers.revokeToken(access, actor, apiUserId, tokenId);
  }

  @Post(':id/tokens/:tokenId/rotate')
  @HttpCode(200)
  @Authenticated({ permission: 'api_users:manage' })
  rotateToken(
    @CurrentWorkspace() access: WorkspaceAccess,
    @CurrentActor() actor: Actor,
    @UuidParam('id') apiUserId: string,
    @UuidParam('tokenId') tokenId: string,
    @Body() dto: RotateTokenDto,
  ) {
    return this.apiUsers.rotateToken(access, actor, apiUserId, tokenId, dto);
  }
}
