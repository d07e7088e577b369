import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
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
import { RotateTokenDto, UpdateTokenDto } from '../tokens/token.dto';
import { TOKEN_USAGE_DESCRIPTION, TokenUsageQueryDto, TokenUsageView } from '../tokens/token-usage.view';
import { IssuedTokenView, TokenView } from '../tokens/token.view';
import { CreateApiUserDto, CreateApiUserTokenDto, UpdateApiUserDto } from './api-users.dto';
import { ApiUsersService } from './api-users.service';
import { ApiUserDetailView, ApiUserView, CreatedApiUserView } from './api-users.views';

@ApiTags('api-users')
@Controller('workspaces/:wid/api-users')
export class ApiUsersController {
  constructor(private readonly apiUsers: ApiUsersService) {}

  @Get()
  @Authenticated({ permission: 'api_users:read' })
  @ApiOkResponse({ type: PageOf(ApiUserView), description: "A page of the workspace's API users, newest first" })
  list(@CurrentWorkspace() caller: WorkspaceCaller, @Query() query: PageQueryDto): Promise<Page<ApiUserView>> {
    return this.apiUsers.list(caller, query);
  }

  @Post()
  @Authenticated({ permission: 'api_users:manage' })
  @ApiCreatedResponse({ type: CreatedApiUserView, description: 'The API user and its first token, with the secret shown this once' })
  @ApiProblems(409)
  create(
    @CurrentWorkspace() caller: WorkspaceCaller,
    @CurrentActor() actor: Actor,
    @Body() dto: CreateApiUserDto,
  ): Promise<CreatedApiUserView> {
    return this.apiUsers.create(caller, actor, dto);
  }

  @Get(':id')
  @Authenticated({ permission: 'api_users:read' })
  @ApiOkResponse({ type: ApiUserDetailView, description: 'The API user, with the scopes its token form may offer' })
  get(@CurrentWorkspace() caller: WorkspaceCaller, @UuidParam('id') apiUserId: string): Promise<ApiUserDetailView> {
    return this.apiUsers.get(caller, apiUserId);
  }

  @Patch(':id')
  @Authenticated({ permission: 'api_users:manage' })
  @ApiOkResponse({ type: ApiUserView, description: 'The API user as changed' })
  @ApiProblems(409)
  update(
    @CurrentWorkspace() caller: WorkspaceCaller,
    @CurrentActor() actor: Actor,
    @UuidParam('id') apiUserId: string,
    @Body() dto: UpdateApiUserDto,
  ): Promise<ApiUserView> {
    return this.apiUsers.update(caller, actor, apiUserId, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @Authenticated({ permission: 'api_users:manage' })
  @ApiNoContentResponse({ description: 'Deleted, with its tokens' })
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
  @ApiOkResponse({ type: PageOf(TokenView), description: "A page of the API user's live tokens and sessions, newest first" })
  tokens(
    @CurrentWorkspace() caller: WorkspaceCaller,
    @UuidParam('id') apiUserId: string,
    @Query() query: PageQueryDto,
  ): Promise<Page<TokenView>> {
    return this.apiUsers.listTokens(caller, apiUserId, query);
  }

  @Post(':id/tokens')
  @Authenticated({ permission: 'api_users:manage' })
  @ApiCreatedResponse({ type: IssuedTokenView, description: 'The token, with its secret (shown this once)' })
  createToken(
    @CurrentWorkspace() caller: WorkspaceCaller,
    @CurrentActor() actor: Actor,
    @UuidParam('id') apiUserId: string,
    @Body() dto: CreateApiUserTokenDto,
  ): Promise<IssuedTokenView> {
    return this.apiUsers.createToken(caller, actor, apiUserId, dto);
  }

  @Patch(':id/tokens/:tokenId')
  @Authenticated({ permission: 'api_users:manage' })
  @ApiOkResponse({ type: TokenView, description: 'The token as changed' })
  @ApiProblems(409)
  updateToken(
    @CurrentWorkspace() caller: WorkspaceCaller,
    @CurrentActor() actor: Actor,
    @UuidParam('id') apiUserId: string,
    @UuidParam('tokenId') tokenId: string,
    @Body() dto: UpdateTokenDto,
  ): Promise<TokenView> {
    return this.apiUsers.updateToken(caller, actor, apiUserId, tokenId, dto);
  }

  @Delete(':id/tokens/:tokenId')
  @HttpCode(204)
  @Authenticated({ permission: 'api_users:manage' })
  @ApiNoContentResponse({ description: 'Revoked (or it was already revoked or expired)' })
  async revokeToken(
    @CurrentWorkspace() caller: WorkspaceCaller,
    @CurrentActor() actor: Actor,
    @UuidParam('id') apiUserId: string,
    @UuidParam('tokenId') tokenId: string,
    @NoBody() _body: unknown,
  ): Promise<void> {
    await this.apiUsers.revokeToken(caller, actor, apiUserId, tokenId);
  }

  @Get(':id/tokens/:tokenId/usage')
  @Authenticated({ permission: 'api_users:read' })
  @ApiOkResponse({ type: TokenUsageView, description: TOKEN_USAGE_DESCRIPTION })
  tokenUsage(
    @CurrentWorkspace() caller: WorkspaceCaller,
    @UuidParam('id') apiUserId: string,
    @UuidParam('tokenId') tokenId: string,
    @Query() query: TokenUsageQueryDto,
  ): Promise<TokenUsageView> {
    return this.apiUsers.tokenUsage(caller, apiUserId, tokenId, query);
  }

  @Post(':id/tokens/:tokenId/rotate')
  @HttpCode(200)
  @Authenticated({ permission: 'api_users:manage' })
  @ApiOkResponse({
    type: IssuedTokenView,
    description: 'The replacement, with its secret (shown this once); the old secret works until graceSeconds have passed',
  })
  @ApiProblems(409)
  rotateToken(
    @CurrentWorkspace() caller: WorkspaceCaller,
    @CurrentActor() actor: Actor,
    @UuidParam('id') apiUserId: string,
    @UuidParam('tokenId') tokenId: string,
    @Body() dto: RotateTokenDto,
  ): Promise<IssuedTokenView> {
    return this.apiUsers.rotateToken(caller, actor, apiUserId, tokenId, dto);
  }
}
