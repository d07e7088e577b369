import { Controller, Delete, Get, HttpCode, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Actor } from '../audit/audit-log';
import { CurrentActor } from '../audit/current-actor';
import { Authenticated } from '../auth/access.decorators';
import { CurrentWorkspace } from '../authorization/current-workspace';
import type { WorkspaceCaller } from '../authorization/workspace-caller';
import { PageQueryDto } from '../common/pagination';
import { UuidParam } from '../common/uuid-param';
import { NoBody } from '../common/validation';
import { WorkspaceTokensService } from './workspace-tokens.service';

@ApiTags('tokens')
@Controller('workspaces/:wid/tokens')
export class WorkspaceTokensController {
  constructor(private readonly tokens: WorkspaceTokensService) {}

  @Get()
  @Authenticated({ permission: 'tokens:read' })
  list(@CurrentWorkspace() caller: WorkspaceCaller, @Query() query: PageQueryDto) {
    return this.tokens.list(caller, query);
  }

  @Delete(':tokenId')
  @HttpCode(204)
  @Authenticated({ permission: 'tokens:manage' })
  async revoke(@CurrentWorkspace() caller: WorkspaceCaller, @CurrentActor() actor: Actor, @UuidParam('tokenId') tokenId: string, @NoBody() _body: unknown): Promise<void> {
    await this.tokens.revoke(caller, actor, tokenId);
  }
}
