import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { AuthorizationModule } from '../authorization/authorization.module';
import { WebhookDeliveries } from './webhook-deliveries';
import { WebhookSecrets } from './webhook-secrets';
import { WebhookSender } from './webhook-sender';
import { WebhooksController } from './webhooks.controller';
import { WebhooksRepository } from './webhooks.repository';
import { WebhooksService } from './webhooks.service';

@Module({
  imports: [AuthorizationModule, AuditModule],
  controllers: [WebhooksController],
  providers: [WebhooksRepository, WebhooksService, WebhookDeliveries, WebhookSecrets, WebhookSender],
  // WebhooksService: GraphQL's webhook fields (src/graphql/webhook.resolver.ts).
  exports: [WebhookDeliveries, WebhookSender, WebhooksService],
})
export class WebhooksModule {}
