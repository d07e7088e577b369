import { Module } from '@nestjs/common';
import { ApiUsersModule } from '../api-users/api-users.module';
import { AuditModule } from '../audit/audit.module';
import { AuthorizationModule } from '../authorization/authorization.module';
import { TokensModule } from '../tokens/tokens.module';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { IssuerKeys } from './issuer-keys';
import { TokenExchange } from './token-exchange';
import { TrustRulesController } from './trust-rules.controller';
import { TrustRulesRepository } from './trust-rules.repository';
import { TrustRulesService } from './trust-rules.service';

/** Workload identity federation: API users' trust rules, and the exchange of outside OIDC tokens for their sessions. */
@Module({
  // WebhooksModule: its sender makes the outgoing requests (the keys of issuers) under the same rules.
  imports: [ApiUsersModule, TokensModule, AuditModule, AuthorizationModule, WebhooksModule],
  controllers: [TrustRulesController],
  providers: [TrustRulesRepository, TrustRulesService, IssuerKeys, TokenExchange],
  // TokenExchange: POST /v1/auth/token (AccountsController); TrustRulesService: GraphQL's trust rule fields.
  exports: [TokenExchange, TrustRulesService, TrustRulesRepository],
})
export class FederationModule {}
