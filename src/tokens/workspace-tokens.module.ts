import { Module } from '@nestjs/common';
import { WorkspaceWritesModule } from '../authorization/workspace-writes.module';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { TokensModule } from './tokens.module';
import { WorkspaceTokensController } from './workspace-tokens.controller';
import { WorkspaceTokensService } from './workspace-tokens.service';

/** Apart from TokensModule, which AuthModule imports: governance needs the workspace lock, which needs AuthModule. */
@Module({
  imports: [TokensModule, WorkspaceWritesModule, WorkspacesModule],
  controllers: [WorkspaceTokensController],
  providers: [WorkspaceTokensService],
})
export class WorkspaceTokensModule {}
