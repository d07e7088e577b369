import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { WorkspaceLock } from './workspace-lock';

/** Its own module: devices, workspaces, API users and workspace tokens all use it, and AuthModule imports TokensModule. */
@Module({ imports: [AuthModule], providers: [WorkspaceLock], exports: [WorkspaceLock] })
export class WorkspaceLockModule {}
