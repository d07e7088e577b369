import { Module } from '@nestjs/common';
import { MeTokensController } from './me-tokens.controller';
import { WorkspaceTokensController } from './workspace-tokens.controller';
import { WorkspaceTokensService } from './workspace-tokens.service';
import { TokensRepository } from './tokens.repository';
import { TokensService } from './tokens.service';

@Module({
  controllers: [MeTokensController, WorkspaceTokensController],
  providers: [TokensRepository, TokensService, WorkspaceTokensService],
  exports: [TokensRepository, TokensService],
})
export class TokensModule {}
