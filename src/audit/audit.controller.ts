import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiProduces, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Authenticated } from '../auth/access.decorators';
import { CurrentUser } from '../auth/current-user';
import type { UserPrincipal } from '../auth/principal';
import { CurrentWorkspace } from '../authorization/current-workspace';
import { Page, PageOf } from '../common/pagination';
import type { WorkspaceCaller } from '../authorization/workspace-caller';
import { AuditExportQueryDto, AuditQueryDto } from './audit.dto';
import { AUDIT_EXPORT_MAX_EVENTS, AuditExportView, CSV_ROW_MAX_LENGTH, toAuditCsv } from './audit-export';
import { AuditLog } from './audit-log';
import { Clock } from '../common/clock';
import { AuditEventView, AuditTargetView } from './audit.views';

@ApiTags('audit')
@ApiExtraModels(AuditTargetView, AuditExportView)
@Controller()
export class AuditController {
  constructor(
    private readonly audit: AuditLog,
    private readonly clock: Clock,
  ) {}

  @Get('workspaces/:wid/audit-events')
  @Authenticated({ permission: 'audit:read' })
  @ApiOkResponse({ type: PageOf(AuditEventView), description: "The workspace's events, newest first" })
  workspaceEvents(@CurrentWorkspace() caller: WorkspaceCaller, @Query() query: AuditQueryDto): Promise<Page<AuditEventView>> {
    return this.audit.listForWorkspace(caller.workspaceId, query);
  }

  @Get('workspaces/:wid/audit-events/export')
  @Authenticated({ permission: 'audit:read' })
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({
    description: `The events the filters match, newest first, at most ${AUDIT_EXPORT_MAX_EVENTS}, as a file to save (Content-Disposition: attachment). Latchkey-Export-Truncated: true when more matched`,
    headers: {
      'Content-Disposition': {
        description: 'attachment; filename="audit-<workspace id>.<csv|json>"',
        schema: { type: 'string', maxLength: 80 },
      },
      'Latchkey-Export-Truncated': {
        description: `true when more than ${AUDIT_EXPORT_MAX_EVENTS} events matched`,
        schema: { type: 'string', enum: ['true', 'false'] },
      },
    },
    content: {
      'application/json': { schema: { $ref: getSchemaPath(AuditExportView) } },
      'text/csv': {
        schema: {
          type: 'string',
          maxLength: AUDIT_EXPORT_MAX_EVENTS * CSV_ROW_MAX_LENGTH,
          description: 'RFC 4180, with a header row; details as JSON in the last column',
        },
      },
    },
  })
  async exportWorkspaceEvents(
    @CurrentWorkspace() caller: WorkspaceCaller,
    @Query() query: AuditExportQueryDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AuditExportView | string> {
    const { events, truncated } = await this.audit.exportForWorkspace(caller.workspaceId, query, AUDIT_EXPORT_MAX_EVENTS);
    const format = query.format ?? 'json';
    reply.header('Content-Disposition', `attachment; filename="audit-${caller.workspaceId}.${format}"`);
    reply.header('Latchkey-Export-Truncated', String(truncated));
    if (format === 'csv') {
      reply.header('Content-Type', 'text/csv; charset=utf-8');
      return toAuditCsv(events);
    }
    reply.header('Content-Type', 'application/json; charset=utf-8');
    return { items: events, truncated, exportedAt: this.clock.now() };
  }

  @Get('me/audit-events')
  @Authenticated({ scope: 'account:read' })
  @ApiOkResponse({ type: PageOf(AuditEventView), description: "The caller's account events, newest first" })
  accountEvents(@CurrentUser() user: UserPrincipal, @Query() query: AuditQueryDto): Promise<Page<AuditEventView>> {
    return this.audit.listForAccount(user.id, query);
  }
}
