import { NoticeBudget } from './notice-budget';
import { Module } from '@nestjs/common';
import { UsersModule } from '../accounts/users.module';
import { AuditModule } from '../audit/audit.module';
import { AuthorizationModule } from '../authorization/authorization.module';
import { RateLimitsModule } from '../rate-limits/rate-limits.module';
import { MeSessionsController } from './me-sessions.controller';
import { MeTokensController } from './me-tokens.controller';
import { TokenExpiryNotices } from './token-expiry-notices';
import { UnusedTokens } from './unused-tokens';
import { TokenExpiryRepository } from './token-expiry.repository';
import { SessionsService } from './sessions.service';
import { TokenPolicyPreviewController } from './token-policy-preview.controller';
import { TokensRepository } from './tokens.repository';
import { TokenUsageRecorder } from './token-usage.recorder';
import { TokenUsageRepository } from './token-usage.repository';
import { TokenUsageService } from './token-usage.service';
import { TokensService } from './tokens.service';
import { WorkspaceTokensController } from './workspace-tokens.controller';
import { WorkspaceTokensService } from './workspace-tokens.service';

/** Personal, named and API-user tokens: issuing, rotation, revocation, and a workspace's governance of them. */
@Module({
  imports: [UsersModule, AuthorizationModule, AuditModule, RateLimitsModule],
  controllers: [MeTokensController, MeSessionsController, WorkspaceTokensController, TokenPolicyPreviewController],
  providers: [
    TokensRepository,
    TokensService,
    SessionsService,
    WorkspaceTokensService,
    TokenExpiryRepository,
    TokenExpiryNotices,
    NoticeBudget,
    UnusedTokens,
    TokenUsageRepository,
    TokenUsageRecorder,
    TokenUsageService,
  ],
  // TokenExpiryRepository and NoticeBudget: the recipients of a token's notices and their budget, also a leak's (src/leaks).
  exports: [
    TokensRepository,
    TokensService,
    WorkspaceTokensService,
    SessionsService,
    TokenExpiryNotices,
    TokenExpiryRepository,
    NoticeBudget,
    UnusedTokens,
    TokenUsageRecorder,
    TokenUsageService,
  ],
})
export class TokensModule {}
