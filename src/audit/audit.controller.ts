import { Controller, Get, Query } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Authenticated } from '../auth/access.decorators';
import { CurrentUser } from '../auth/current-user';
import type { UserPrincipal } from '../auth/principal';
import { CurrentWorkspace } from '../authorization/current-workspace';
import { Page, PageOf } from '../common/pagination';
import type { WorkspaceCaller } from '../authorization/workspace-caller';
import { AuditQueryDto } from './audit.dto';
import { AuditLog } from './audit-log';
import { AuditEventView, AuditTargetView } from './audit.views';

@ApiTags('audit')
@ApiExtraModels(AuditTargetView)
@Controller()
export class AuditController {
  constructor(private readonly audit: AuditLog) {}

  @Get('workspaces/:wid/audit-events')
  @Authenticated({ permission: 'audit:read' })
  @ApiOkResponse({ type: PageOf(AuditEventView), description: "The workspace's events, newest first" })
  workspaceEvents(@CurrentWorkspace() caller: WorkspaceCaller, @Query() query: AuditQueryDto): Promise<Page<AuditEventView>> {
    return this.audit.listForWorkspace(caller.workspaceId, query);
  }

  @Get('me/audit-events')
  @Authenticated({ scope: 'account:read' })
  @ApiOkResponse({ type: PageOf(AuditEventView), description: "The caller's account events, newest first" })
  accountEvents(@CurrentUser() user: UserPrincipal, @Query() query: AuditQueryDto): Promise<Page<AuditEventView>> {
    return this.audit.listForAccount(user.id, query);
  }
}
