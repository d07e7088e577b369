import { Controller, Get, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Authenticated } from '../auth/access.decorators';
import { CurrentUser } from '../auth/current-user';
import type { UserPrincipal } from '../auth/principal';
import { CurrentWorkspace } from '../authorization/current-workspace';
import type { WorkspaceCaller } from '../authorization/workspace-caller';
import { AuditQueryDto } from './audit.dto';
import { AuditLog } from './audit-log';

@ApiTags('audit')
@Controller()
export class AuditController {
  constructor(private readonly audit: AuditLog) {}

  @Get('workspaces/:wid/audit-events')
  @Authenticated({ permission: 'audit:read' })
  workspaceEvents(@CurrentWorkspace() caller: WorkspaceCaller, @Query() query: AuditQueryDto) {
    return this.audit.listForWorkspace(caller.workspaceId, query);
  }

  @Get('me/audit-events')
  @Authenticated({ scope: 'account:read' })
  accountEvents(@CurrentUser() user: UserPrincipal, @Query() query: AuditQueryDto) {
    return this.audit.listForAccount(user.id, query);
  }
}
