import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { AuthorizationModule } from '../authorization/authorization.module';
import { FederationModule } from '../federation/federation.module';
import { RateLimitsModule } from '../rate-limits/rate-limits.module';
import { TokensModule } from '../tokens/tokens.module';
import { AccountLinksRepository } from './account-links.repository';
import { AccountMail } from './account-mail.service';
import { UnprovenAccount } from './unproven-account';
import { AccountsController } from './accounts.controller';
import { AccountsService } from './accounts.service';
import { LoginThrottle } from './login-throttle';
import { PlatformAdminController } from './platform-admin.controller';
import { PlatformAdminService } from './platform-admin.service';
import { UsersModule } from './users.module';

/** Account routes: registration, sign-in, the profile, email verification, password reset, and platform administration of users. */
@Module({
  imports: [UsersModule, TokensModule, AuditModule, RateLimitsModule, FederationModule, AuthorizationModule],
  controllers: [AccountsController, PlatformAdminController],
  providers: [AccountsService, PlatformAdminService, LoginThrottle, AccountLinksRepository, AccountMail, UnprovenAccount],
  // GraphQL's account and platform-admin fields (src/graphql/account.resolver.ts).
  exports: [AccountsService, PlatformAdminService, AccountMail],
})
export class AccountsModule {}
