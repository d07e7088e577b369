import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { WorkspaceWrites } from './workspace-writes';

/** Its own module: devices, workspaces, API users and workspace tokens all use it, and AuthModule imports TokensModule. */
@Module({ imports: [AuthModule], providers: [WorkspaceWrites], exports: [WorkspaceWrites] })
export class WorkspaceWritesModule {}
