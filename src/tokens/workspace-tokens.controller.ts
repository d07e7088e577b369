import { Controller, Delete, Get, HttpCode, Query } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { Actor } from '../audit/audit-log';
import { CurrentActor } from '../audit/current-actor';
import { Authenticated } from '../auth/access.decorators';
import { CurrentWorkspace } from '../authorization/current-workspace';
import type { WorkspaceCaller } from '../authorization/workspace-caller';
import { PageQueryDto } from '../common/pagination';
import { UuidParam } from '../common/uuid-param';
import { NoBody } from '../common/validation';
import { TokenPolicyVerdictView } from './token-policy-verdict';
import { WorkspaceTokensService } from './workspace-tokens.service';

@ApiTags('tokens')
@Controller('workspaces/:wid/tokens')
export class WorkspaceTokensController {
  constructor(private readonly tokens: WorkspaceTokensService) {}

  @Get()
  @Authenticated({ permission: 'tokens:read' })
  @ApiExtraModels(TokenPolicyVerdictView)
  @ApiOkResponse({
    description:
      "A page of the tokens that reach the workspace; each with `owner` and `policy`, the workspace's token policy's verdict on it",
    schema: {
      type: 'object',
      properties: {
        items: { type: 'array', items: { type: 'object', properties: { policy: { $ref: getSchemaPath(TokenPolicyVerdictView) } } } },
        nextCursor: { type: 'string', nullable: true },
      },
    },
  })
  list(@CurrentWorkspace() caller: WorkspaceCaller, @Query() query: PageQueryDto) {
    return this.tokens.list(caller, query);
  }

  @Delete(':tokenId')
  @HttpCode(204)
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
