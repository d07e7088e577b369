import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { PermissionsController } from './permissions.controller';
import { WorkspaceAccessResolver } from './workspace-access';
import { WorkspaceWrites } from './workspace-writes';

/**
 * What a principal may do in a workspace (WorkspaceAccessResolver: admission of a caller, whatever the
 * transport) and how a write in a workspace runs (WorkspaceWrites). It depends on no domain module, so
 * the guard and every domain can import it.
 */
@Module({
  imports: [AuditModule],
  controllers: [PermissionsController],
  providers: [WorkspaceAccessResolver, WorkspaceWrites],
  exports: [WorkspaceAccessResolver, WorkspaceWrites],
})
export class AuthorizationModule {}
