import { DynamicModule, Module } from '@nestjs/common';
import type { DestinationStream } from 'pino';
import { DiscoveryModule } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { FederationModule } from './federation/federation.module';
import { AccountsModule } from './accounts/accounts.module';
import { AuthModule } from './auth/auth.module';
import { AuthorizationModule } from './authorization/authorization.module';
import { ChecksModule } from './checks/checks.module';
import { CommonModule } from './common/common.module';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { pinoHttpOptions } from './logging';
import { MetricsModule } from './metrics/metrics.module';
import { TokensModule } from './tokens/tokens.module';
import { AuditModule } from './audit/audit.module';
import { CacheModule } from './cache/cache.module';
import { RateLimitsModule } from './rate-limits/rate-limits.module';
import { DevicesModule } from './devices/devices.module';
import { WorkspacesModule } from './workspaces/workspaces.module';
import { ApiUsersModule } from './api-users/api-users.module';
import { WhoamiModule } from './whoami/whoami.module';
import { GraphqlModule } from './graphql/graphql.module';
import { OutboxModule } from './outbox/outbox.module';
import { MailModule } from './mail/mail.module';
import { WebhooksModule } from './webhooks/webhooks.module';
import { LeaksModule } from './leaks/leaks.module';
import { TeamsModule } from './teams/teams.module';

@Module({})
export class AppModule {
  /** `logDestination`: where JSON logs go (default stdout); tests capture them to look for secrets. */
  static forRoot(config: AppConfig, logDestination?: DestinationStream): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        DiscoveryModule,
        LoggerModule.forRoot({
          pinoHttp: logDestination ? [pinoHttpOptions(config), logDestination] : pinoHttpOptions(config),
          // Without request logs the per-request middleware has no job, and its AsyncLocalStorage
          // would switch on async hooks, a cost on every promise of the hot path.
          ...(config.logRequests ? {} : { forRoutes: [] }),
        }),
        CommonModule,
        DatabaseModule,
        CacheModule,
        OutboxModule,
        MailModule,
        RateLimitsModule,
        MetricsModule,
        AuditModule,
        AuthModule,
        AccountsModule,
        TokensModule,
        AuthorizationModule,
        ChecksModule,
        WorkspacesModule,
        DevicesModule,
        ApiUsersModule,
        WebhooksModule,
        LeaksModule,
        TeamsModule,
        FederationModule,
        WhoamiModule,
        GraphqlModule,
        HealthModule,
      ],
    };
  }
}
