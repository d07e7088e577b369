import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../audit/audit-log';
import { CurrentActor } from '../audit/current-actor';
import { Authenticated } from '../auth/access.decorators';
import { CurrentWorkspace } from '../authorization/current-workspace';
import type { WorkspaceCaller } from '../authorization/workspace-caller';
import { Page, PageOf, PageQueryDto } from '../common/pagination';
import { UuidParam } from '../common/uuid-param';
import { NoBody } from '../common/validation';
import { ApiProblems } from '../openapi/problems';
import { CreateWebhookDto, RotateWebhookSecretDto, UpdateWebhookDto } from './webhooks.dto';
import { WebhooksService } from './webhooks.service';
import { WebhookDeliveryView, WebhookEndpointView, WebhookSecretView } from './webhooks.views';

@ApiTags('webhooks')
@Controller('workspaces/:wid/webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post()
  @Authenticated({ permission: 'webhooks:manage' })
  @ApiCreatedResponse({ type: WebhookSecretView, description: 'The endpoint, with its signing secret (shown this once)' })
  @ApiProblems(409)
  create(
    @CurrentWorkspace() caller: WorkspaceCaller,
    @CurrentActor() actor: Actor,
    @Body() dto: CreateWebhookDto,
  ): Promise<WebhookSecretView> {
    return this.webhooks.create(caller, actor, dto);
  }

  @Get()
  @Authenticated({ permission: 'webhooks:read' })
  @ApiOkResponse({ type: PageOf(WebhookEndpointView), description: 'A page of the endpoints, newest first' })
  list(@CurrentWorkspace() caller: WorkspaceCaller, @Query() query: PageQueryDto): Promise<Page<WebhookEndpointView>> {
    return this.webhooks.list(caller, query);
  }

  @Get(':id')
  @Authenticated({ permission: 'webhooks:read' })
  @ApiOkResponse({ type: WebhookEndpointView, description: 'The endpoint (never its secret)' })
  get(@CurrentWorkspace() caller: WorkspaceCaller, @UuidParam('id') id: string): Promise<WebhookEndpointView> {
    return this.webhooks.get(caller, id);
  }

  @Patch(':id')
  @Authenticated({ permission: 'webhooks:manage' })
  @ApiOkResponse({ type: WebhookEndpointView, description: 'The endpoint as changed' })
  update(
    @CurrentWorkspace() caller: WorkspaceCaller,
    @CurrentActor() actor: Actor,
    @UuidParam('id') id: string,
    @Body() dto: UpdateWebhookDto,
  ): Promise<WebhookEndpointView> {
    return this.webhooks.update(caller, actor, id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @Authenticated({ permission: 'webhooks:manage' })
  @ApiNoContentResponse({ description: 'Deleted, with its deliveries; those not yet sent are not sent' })
  async delete(
    @CurrentWorkspace() caller: WorkspaceCaller,
    @CurrentActor() actor: Actor,
    @UuidParam('id') id: string,
    @NoBody() _body: unknown,
  ): Promise<void> {
    await this.webhooks.delete(caller, actor, id);
  }

  @Post(':id/rotate-secret')
  @HttpCode(200)
  @Authenticated({ permission: 'webhooks:manage' })
  @ApiOkResponse({
    type: WebhookSecretView,
    description: 'The new signing secret (shown this once); the old one keeps signing beside it for overlapSeconds',
  })
  rotateSecret(
    @CurrentWorkspace() caller: WorkspaceCaller,
    @CurrentActor() actor: Actor,
    @UuidParam('id') id: string,
    @Body() dto: RotateWebhookSecretDto,
  ): Promise<WebhookSecretView> {
    return this.webhooks.rotateSecret(caller, actor, id, dto);
  }

  @Post(':id/test')
  @HttpCode(202)
  @Authenticated({ permission: 'webhooks:manage' })
  @ApiAcceptedResponse({ type: WebhookDeliveryView, description: 'A webhook.test delivery, queued' })
  @ApiProblems(409)
  sendTest(
    @CurrentWorkspace() caller: WorkspaceCaller,
    @CurrentActor() actor: Actor,
    @UuidParam('id') id: string,
    @NoBody() _body: unknown,
  ): Promise<WebhookDeliveryView> {
    return this.webhooks.sendTest(caller, actor, id);
  }

  @Get(':id/deliveries')
  @Authenticated({ permission: 'webhooks:read' })
  @ApiOkResponse({ type: PageOf(WebhookDeliveryView), description: "A page of the endpoint's deliveries, newest first" })
  listDeliveries(
    @CurrentWorkspace() caller: WorkspaceCaller,
    @UuidParam('id') id: string,
    @Query() query: PageQueryDto,
  ): Promise<Page<WebhookDeliveryView>> {
    return this.webhooks.listDeliveries(caller, id, query);
  }

  @Post(':id/deliveries/:deliveryId/redeliver')
  @HttpCode(202)
  @Authenticated({ permission: 'webhooks:manage' })
  @ApiAcceptedResponse({ type: WebhookDeliveryView, description: 'The same message (same webhook-id), queued again as a new delivery' })
  @ApiProblems(409)
  redeliver(
    @CurrentWorkspace() caller: WorkspaceCaller,
    @CurrentActor() actor: Actor,
    @UuidParam('id') id: string,
    @UuidParam('deliveryId') deliveryId: string,
    @NoBody() _body: unknown,
  ): Promise<WebhookDeliveryView> {
    return this.webhooks.redeliver(caller, actor, id, deliveryId);
  }
}
