import { Controller, Delete, Get, HttpCode, Query } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../audit/audit-log';
import { CurrentActor } from '../audit/current-actor';
import { Authenticated } from '../auth/access.decorators';
import { CurrentWorkspace } from '../authorization/current-workspace';
import type { WorkspaceCaller } from '../authorization/workspace-caller';
import { PageOf, PageQueryDto } from '../common/pagination';
import { UuidParam } from '../common/uuid-param';
import { NoBody } from '../common/validation';
import { WorkspaceTokenView } from './token.view';
import { WorkspaceTokensService } from './workspace-tokens.service';
import { TOKEN_USAGE_DESCRIPTION, TokenUsageQueryDto, TokenUsageView, UnusedTokensListQueryDto } from './token-usage.view';

@ApiTags('tokens')
@Controller('workspaces/:wid/tokens')
export class WorkspaceTokensController {
  constructor(private readonly tokens: WorkspaceTokensService) {}

  @Get()
  @Authenticated({ permission: 'tokens:read' })
  @ApiOkResponse({
    type: PageOf(WorkspaceTokenView),
    description:
      "A page of the live tokens that reach the workspace, newest first; each with its `owner` and `policy`, the workspace's token policy's verdict on it",
  })
  list(@CurrentWorkspace() caller: WorkspaceCaller, @Query() query: PageQueryDto) {
    return this.tokens.list(caller, query);
  }

  @Get('unused')
  @Authenticated({ permission: 'tokens:read' })
  @ApiOkResponse({
    type: PageOf(WorkspaceTokenView),
    description:
      "A page of the live tokens of this workspace alone (API-user tokens, and members' tokens restricted to this workspace only) " +
      'not used for `days` days (never used: made that long ago), newest first. Sessions are not listed',
  })
  unused(@CurrentWorkspace() caller: WorkspaceCaller, @Query() query: UnusedTokensListQueryDto) {
    return this.tokens.unused(caller, query);
  }

  @Get(':tokenId/usage')
  @Authenticated({ permission: 'tokens:read' })
  @ApiOkResponse({
    type: TokenUsageView,
    description: `${TOKEN_USAGE_DESCRIPTION}. A member's token that also reaches other workspaces is answered hidden, without hours: its use elsewhere is not this workspace's business`,
  })
  usage(@CurrentWorkspace() caller: WorkspaceCaller, @UuidParam('tokenId') tokenId: string, @Query() query: TokenUsageQueryDto) {
    return this.tokens.usage(caller, tokenId, query);
  }

  @Delete(':tokenId')
  @HttpCode(204)
  @ApiNoContentResponse({
    description: "Revoked (an API user's token, or one restricted to this workspace), or cut off from this workspace only",
  })
  @Authenticated({ permission: 'tokens:manage' })
  async revoke(
    @CurrentWorkspace() caller: WorkspaceCaller,
    @CurrentActor() actor: Actor,
    @UuidParam('tokenId') tokenId: string,
    @NoBody() _body: unknown,
  ): Promise<void> {
    await this.tokens.revoke(caller, actor, tokenId);
  }
}
