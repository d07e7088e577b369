import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { AuthorizationModule } from '../authorization/authorization.module';
import { RateLimitsModule } from '../rate-limits/rate-limits.module';
import { TokensModule } from '../tokens/tokens.module';
import { GithubReports } from './github-reports';
import { LeakedTokens } from './leaked-tokens';
import { LeaksController } from './leaks.controller';

/** Leaked tokens revoke themselves: GitHub secret scanning's partner endpoint and the public report route. */
@Module({
  imports: [TokensModule, AuthorizationModule, AuditModule, RateLimitsModule],
  controllers: [LeaksController],
  providers: [LeakedTokens, GithubReports],
})
export class LeaksModule {}
