import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { CallerHold } from './caller-hold';
import { PermissionsController } from './permissions.controller';
import { WorkspaceAccessResolver } from './workspace-access';
import { WorkspaceWrites } from './workspace-writes';

/**
 * What a principal may do in a workspace (WorkspaceAccessResolver: admission of a caller, whatever the
 * transport), how a write in a workspace runs (WorkspaceWrites), and a change's hold on its caller's
 * token (CallerHold). It depends on no domain module, so the guard and every domain can import it.
 */
@Module({
  imports: [AuditModule],
  controllers: [PermissionsController],
  providers: [WorkspaceAccessResolver, WorkspaceWrites, CallerHold],
  exports: [WorkspaceAccessResolver, WorkspaceWrites, CallerHold],
})
export class AuthorizationModule {}
