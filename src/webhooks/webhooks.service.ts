// Webhook endpoints of a workspace: create (the signing secret is answered once), read, change,
// delete, rotate the secret, send a test event, list deliveries and redeliver one. Changes go through
// the workspace's write runner (its lock, the caller's rights read again, the audit event). An endpoint
// is a standing read of its events: beyond webhooks:read or webhooks:manage, whoever makes one, acts on
// one or reads its deliveries holds the read permission of each of its events (assertReadsEvents).
import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import type { Actor } from '../audit/audit-log';
import type { WorkspaceAccess } from '../authorization/workspace-access';
import type { WorkspaceCaller } from '../authorization/workspace-caller';
import { WorkspaceWrites } from '../authorization/workspace-writes';
import { Clock } from '../common/clock';
import { conflict, notFound, validationFailed } from '../common/errors';
import { decodeCursor, Page, PageQueryDto, pageLimit, toPage } from '../common/pagination';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { urlProblem } from './webhook-address';
import { WebhookDeliveries } from './webhook-deliveries';
import { assertReadsEvents, readableEvents, TEST_EVENT } from './webhook-events';
import { newSigningSecret, WebhookSecrets } from './webhook-secrets';
import { WebhookSender } from './webhook-sender';
import { CreateWebhookDto, DEFAULT_SECRET_OVERLAP_SECONDS, RotateWebhookSecretDto, UpdateWebhookDto } from './webhooks.dto';
import { EndpointRecord, WebhooksRepository } from './webhooks.repository';
import { toDeliveryView, toEndpointView, WebhookDeliveryView, WebhookEndpointView, WebhookSecretView } from './webhooks.views';

@Injectable()
export class WebhooksService {
  constructor(
    private readonly repository: WebhooksRepository,
    private readonly deliveries: WebhookDeliveries,
    private readonly secrets: WebhookSecrets,
    private readonly sender: WebhookSender,
    private readonly writes: WorkspaceWrites,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async create(caller: WorkspaceCaller, actor: Actor, dto: CreateWebhookDto): Promise<WebhookSecretView> {
    const url = this.checkedUrl(dto.url);
    const now = this.clock.now();
    const id = randomUUID();
    const secret = newSigningSecret();
    const endpoint: Omit<EndpointRecord, 'workspaceId'> = {
      id,
      url,
      description: dto.description?.trim() ?? '',
      events: [...dto.events].sort(),
      enabled: true,
      disabledReason: null,
      pausedUntil: null,
      secretSealed: this.secrets.seal(secret, id),
      previousSecretSealed: null,
      previousSecretExpiresAt: null,
      createdAt: now,
      updatedAt: now,
    };
    await this.writes.run(caller, actor, async ({ em, access, audit }) => {
      assertReadsEvents(access, endpoint.events, 'create a webhook endpoint for these events');
      // Counted under the workspace's lock: two creations at once cannot both take the last place.
      const max = this.config.webhooks.maxEndpointsPerWorkspace;
      if ((await this.repository.countEndpoints(access.workspaceId, em)) >= max) {
        throw conflict(`This workspace has ${max} webhook endpoints, the most it may have; delete one first.`);
      }
      await this.repository.insertEndpoint(access.workspaceId, endpoint, access.principal, em);
      await audit({ action: 'webhook.created', target: { type: 'webhook', id }, details: { url, events: endpoint.events } });
    });
    return { endpoint: toEndpointView(endpoint, now), secret };
  }

  async list(access: WorkspaceAccess, query: PageQueryDto): Promise<Page<WebhookEndpointView>> {
    const limit = pageLimit(query);
    const rows = await this.repository.listEndpoints(access.workspaceId, { after: decodeCursor(query.cursor), limit });
    const now = this.clock.now();
    return toPage(rows, limit, (row) => toEndpointView(row, now));
  }

  async get(access: WorkspaceAccess, id: string): Promise<WebhookEndpointView> {
    return toEndpointView(await this.find(access.workspaceId, id), this.clock.now());
  }

  async update(caller: WorkspaceCaller, actor: Actor, id: string, dto: UpdateWebhookDto): Promise<WebhookEndpointView> {
    const url = dto.url !== undefined ? this.checkedUrl(dto.url) : undefined;
    return this.writes.run(caller, actor, async ({ em, access, audit }) => {
      const endpoint = await this.actedOn(access, id, 'change this webhook endpoint', em);
      if (dto.events) assertReadsEvents(access, dto.events, 'subscribe this webhook endpoint to these events');
      const enabled = dto.enabled ?? endpoint.enabled;
      const changed = {
        url: url ?? endpoint.url,
        description: dto.description?.trim() ?? endpoint.description,
        events: dto.events ? [...dto.events].sort() : endpoint.events,
        enabled,
        disabledReason: enabled ? null : endpoint.disabledReason,
        updatedAt: this.clock.now(),
      };
      const { pausedUntil } = await this.repository.updateEndpoint(access.workspaceId, id, changed, em);
      if (changed.url !== endpoint.url) await this.repository.setMaker(access.workspaceId, id, access.principal, em);
      if (enabled && !endpoint.enabled) await this.deliveries.endpointEnabled(em, access.workspaceId, id);
      const action = enabled === endpoint.enabled ? 'webhook.updated' : enabled ? 'webhook.enabled' : 'webhook.disabled';
      await audit({ action, target: { type: 'webhook', id }, details: { fields: Object.keys(dto), ...(url ? { url } : {}) } });
      return toEndpointView({ ...endpoint, ...changed, pausedUntil }, this.clock.now());
    });
  }

  async delete(caller: WorkspaceCaller, actor: Actor, id: string): Promise<void> {
    await this.writes.run(caller, actor, async ({ em, access, audit }) => {
      const endpoint = await this.actedOn(access, id, 'delete this webhook endpoint', em);
      await this.repository.deleteEndpoint(access.workspaceId, id, em);
      await audit({ action: 'webhook.deleted', target: { type: 'webhook', id }, details: { url: endpoint.url } });
    });
  }

  /**
   * A new secret, answered once. The old one keeps signing beside it for `overlapSeconds` (a day by
   * default): each delivery then carries both signatures, and receivers switch at their pace.
   */
  async rotateSecret(caller: WorkspaceCaller, actor: Actor, id: string, dto: RotateWebhookSecretDto): Promise<WebhookSecretView> {
    const overlapSeconds = dto.overlapSeconds ?? DEFAULT_SECRET_OVERLAP_SECONDS;
    const secret = newSigningSecret();
    return this.writes.run(caller, actor, async ({ em, access, audit }) => {
      const endpoint = await this.actedOn(access, id, 'rotate the secret of this webhook endpoint', em);
      const now = this.clock.now();
      const changed = {
        secretSealed: this.secrets.seal(secret, id),
        previousSecretSealed: overlapSeconds > 0 ? endpoint.secretSealed : null,
        previousSecretExpiresAt: overlapSeconds > 0 ? new Date(now.getTime() + overlapSeconds * 1000) : null,
        updatedAt: now,
      };
      await this.repository.setSecrets(access.workspaceId, id, changed, em);
      await audit({ action: 'webhook.secret_rotated', target: { type: 'webhook', id }, details: { overlapSeconds } });
      return { endpoint: toEndpointView({ ...endpoint, ...changed }, now), secret };
    });
  }

  /** A `webhook.test` event to this endpoint alone, delivered like any other. */
  async sendTest(caller: WorkspaceCaller, actor: Actor, id: string): Promise<WebhookDeliveryView> {
    return this.writes.run(caller, actor, async ({ em, access, audit }) => {
      const endpoint = await this.enabledEndpoint(access, id, 'test this webhook endpoint', em);
      const now = this.clock.now();
      const deliveryId = await this.deliveries.enqueue(em, access.workspaceId, endpoint.id, {
        type: TEST_EVENT,
        timestamp: now.toISOString(),
        data: { workspaceId: access.workspaceId, endpointId: endpoint.id, actor: { type: actor.type, id: actor.id } },
      });
      await audit({ action: 'webhook.tested', target: { type: 'webhook', id }, details: { deliveryId } });
      return this.deliveryView(access.workspaceId, id, deliveryId, em);
    });
  }

  /**
   * 403 unless the caller reads every event the endpoint subscribes to. Deliveries of events it was
   * subscribed to before (its events changed since) are left out unless the caller reads those too.
   */
  async listDeliveries(access: WorkspaceAccess, id: string, query: PageQueryDto): Promise<Page<WebhookDeliveryView>> {
    await this.actedOn(access, id, 'read the deliveries of this webhook endpoint');
    const limit = pageLimit(query);
    const rows = await this.repository.listDeliveries(access.workspaceId, id, {
      after: decodeCursor(query.cursor),
      limit,
      eventTypes: readableEvents(access),
    });
    return toPage(rows, limit, toDeliveryView);
  }

  /** The same message (same webhook-id, same body) sent again as a new delivery. */
  async redeliver(caller: WorkspaceCaller, actor: Actor, id: string, deliveryId: string): Promise<WebhookDeliveryView> {
    return this.writes.run(caller, actor, async ({ em, access, audit }) => {
      const original = await this.repository.findDelivery(access.workspaceId, id, deliveryId, em);
      if (!original) throw notFound('Delivery');
      await this.enabledEndpoint(access, id, 'redeliver from this webhook endpoint', em);
      // The message may be of an event the endpoint no longer subscribes to: its body is read again too.
      assertReadsEvents(access, [original.eventType], 'redeliver this message');
      const payload = original.payload as { type: string; timestamp: string; data: Record<string, unknown> };
      const newId = await this.deliveries.enqueue(em, access.workspaceId, id, payload, original.messageId);
      await audit({ action: 'webhook.redelivered', target: { type: 'webhook', id }, details: { deliveryId: newId, of: deliveryId } });
      return this.deliveryView(access.workspaceId, id, newId, em);
    });
  }

  private async deliveryView(workspaceId: string, endpointId: string, deliveryId: string, em: EntityManager): Promise<WebhookDeliveryView> {
    const delivery = await this.repository.findDelivery(workspaceId, endpointId, deliveryId, em);
    if (!delivery) throw notFound('Delivery');
    return toDeliveryView(delivery);
  }

  private async enabledEndpoint(access: WorkspaceAccess, id: string, what: string, em: EntityManager): Promise<EndpointRecord> {
    const endpoint = await this.actedOn(access, id, what, em);
    if (!endpoint.enabled) throw conflict('The webhook endpoint is disabled; enable it first (PATCH with enabled: true).');
    return endpoint;
  }

  /**
   * The endpoint, for a caller who reads every event it subscribes to: 404 when it is not in the
   * caller's workspace (as for one that does not exist), then 403 naming the permissions missing.
   */
  private async actedOn(access: WorkspaceAccess, id: string, what: string, em?: EntityManager): Promise<EndpointRecord> {
    const endpoint = await this.find(access.workspaceId, id, em);
    assertReadsEvents(access, endpoint.events, what);
    return endpoint;
  }

  private async find(workspaceId: string, id: string, em?: EntityManager): Promise<EndpointRecord> {
    const endpoint = await this.repository.findEndpoint(workspaceId, id, em);
    if (!endpoint) throw notFound('Webhook endpoint');
    return endpoint;
  }

  private checkedUrl(url: string): string {
    const problem = urlProblem(url, this.sender.policy);
    if (problem) throw validationFailed('url', problem);
    return url;
  }
}
