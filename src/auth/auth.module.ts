import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { TokensModule } from '../tokens/tokens.module';
import { WorkspaceAccessResolver } from '../authorization/workspace-access';
import { PlatformAdmins } from '../accounts/platform-admins';
import { AccessGuard } from './access.guard';
import { BearerStrategy } from './bearer.strategy';
import { LastUsedRecorder } from './last-used.recorder';
import { TokenAuthenticator } from './token-authenticator';

@Module({
  imports: [PassportModule, TokensModule],
  providers: [PlatformAdmins, BearerStrategy, TokenAuthenticator, LastUsedRecorder, WorkspaceAccessResolver, { provide: APP_GUARD, useClass: AccessGuard }],
  exports: [TokenAuthenticator, LastUsedRecorder, WorkspaceAccessResolver],
})
export class AuthModule {}
