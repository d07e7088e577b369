// A workspace's webhooks through GraphQL: its endpoints and their deliveries as fields of Workspace and
// WebhookEndpoint, and the REST writes as mutations, each under the rule of the REST route it mirrors
// (src/webhooks/webhooks.controller.ts) and through the same service.
import {
  Args,
  Context,
  Field,
  GraphQLISODateTime,
  ID,
  InputType,
  Int,
  Mutation,
  ObjectType,
  Parent,
  ResolveField,
  Resolver,
} from '@nestjs/graphql';
import { CreateWebhookDto, RotateWebhookSecretDto, UpdateWebhookDto } from '../webhooks/webhooks.dto';
import { WebhooksController } from '../webhooks/webhooks.controller';
import { WebhooksService } from '../webhooks/webhooks.service';
import type { WebhookEndpointView } from '../webhooks/webhooks.views';
import { GraphqlAccess, uuidArg } from './graphql-access';
import type { GraphqlContext } from './graphql-context';
import { PageArgs } from './graphql-inputs';
import { DeletedType, WorkspaceType } from './graphql-types';
import { JSONObjectScalar } from './json-scalar';
import { PageOf } from './pages';
import { SameRuleAs, workspaceRuleOf } from './same-rule';

@ObjectType('WebhookEndpoint', { description: 'Where a workspace sends its events (as GET …/webhooks/{id}; never its secret)' })
export class WebhookEndpointType {
  @Field(() => ID) id: string;
  @Field(() => ID) workspaceId: string;
  @Field() url: string;
  @Field() description: string;
  @Field(() => [String]) events: string[];
  @Field() enabled: boolean;
  @Field(() => String, { nullable: true }) disabledReason: string | null;
  @Field(() => GraphQLISODateTime, { nullable: true, description: 'Until when the previous secret still signs beside the current one' })
  previousSecretExpiresAt: Date | null;
  @Field(() => GraphQLISODateTime, {
    nullable: true,
    description: 'Set while the circuit breaker holds it: its probe retries at this time; null: not paused',
  })
  pausedUntil: Date | null;
  @Field(() => GraphQLISODateTime) createdAt: Date;
  @Field(() => GraphQLISODateTime) updatedAt: Date;
}

@ObjectType('WebhookSecret', { description: 'An endpoint with its signing secret, shown this once' })
export class WebhookSecretType {
  @Field(() => WebhookEndpointType) endpoint: WebhookEndpointType;
  @Field({ description: 'whsec_…: verify deliveries with it (Standard Webhooks)' }) secret: string;
}

@ObjectType('WebhookDelivery', { description: 'One delivery of one event to one endpoint' })
export class WebhookDeliveryType {
  @Field(() => ID) id: string;
  @Field(() => ID) endpointId: string;
  @Field({ description: 'The webhook-id header: the same for a redelivery' }) messageId: string;
  @Field() eventType: string;
  @Field(() => JSONObjectScalar, { description: 'The body as delivered: { type, timestamp, data }' }) payload: Record<string, unknown>;
  @Field({ description: 'pending, delivered, failed or cancelled' }) status: string;
  @Field(() => Int) attempts: number;
  @Field(() => Int, { nullable: true }) responseStatus: number | null;
  @Field(() => String, { nullable: true }) responseBody: string | null;
  @Field(() => Int, { nullable: true }) durationMs: number | null;
  @Field(() => String, { nullable: true }) lastError: string | null;
  @Field(() => GraphQLISODateTime, { nullable: true }) nextAttemptAt: Date | null;
  @Field(() => GraphQLISODateTime) createdAt: Date;
  @Field(() => GraphQLISODateTime) updatedAt: Date;
}

@InputType()
export class CreateWebhookInput extends CreateWebhookDto {
  @Field() override url: string;
  @Field(() => [String]) override events: string[];
  @Field({ nullable: true }) override description?: string;
}

@InputType()
export class UpdateWebhookInput extends UpdateWebhookDto {
  @Field({ nullable: true }) override url?: string;
  @Field(() => [String], { nullable: true }) override events?: string[];
  @Field({ nullable: true }) override description?: string;
  @Field({ nullable: true }) override enabled?: boolean;
}

@InputType()
export class RotateWebhookSecretInput extends RotateWebhookSecretDto {
  @Field(() => Int, { nullable: true, description: 'How long the old secret keeps signing beside the new one; 0 ends it now' })
  override overlapSeconds?: number;
}

export const WebhookEndpointPage = PageOf(WebhookEndpointType, 'WebhookEndpoint');
export const WebhookDeliveryPage = PageOf(WebhookDeliveryType, 'WebhookDelivery');

const RULES = {
  list: workspaceRuleOf(WebhooksController, 'list'),
  get: workspaceRuleOf(WebhooksController, 'get'),
  deliveries: workspaceRuleOf(WebhooksController, 'listDeliveries'),
};
const ID_ARG = { type: () => ID };

/** A view of the REST answer, with the workspace it belongs to (its deliveries are admitted there). */
const inWorkspace =
  (workspaceId: string) =>
  (endpoint: WebhookEndpointView): WebhookEndpointType => ({ ...endpoint, workspaceId });

@Resolver(() => WorkspaceType)
export class WorkspaceWebhooksResolver {
  constructor(
    private readonly access: GraphqlAccess,
    private readonly service: WebhooksService,
  ) {}

  @ResolveField(() => WebhookEndpointPage, { description: "The workspace's webhook endpoints, newest first (webhooks:read)" })
  async webhooks(@Context() ctx: GraphqlContext, @Parent() workspace: WorkspaceType, @Args() page: PageArgs) {
    const found = await this.service.list(await this.access.admit(ctx, workspace.id, RULES.list), page);
    return { ...found, items: found.items.map(inWorkspace(workspace.id)) };
  }

  @ResolveField(() => WebhookEndpointType, { description: 'One webhook endpoint (webhooks:read)' })
  async webhook(@Context() ctx: GraphqlContext, @Parent() workspace: WorkspaceType, @Args('id', ID_ARG) id: string) {
    const endpoint = await this.service.get(await this.access.admit(ctx, workspace.id, RULES.get), uuidArg('id', id));
    return inWorkspace(workspace.id)(endpoint);
  }
}

@Resolver(() => WebhookEndpointType)
export class WebhookEndpointResolver {
  constructor(
    private readonly access: GraphqlAccess,
    private readonly service: WebhooksService,
  ) {}

  @ResolveField(() => WebhookDeliveryPage, { description: "The endpoint's deliveries, newest first (webhooks:read)" })
  async deliveries(@Context() ctx: GraphqlContext, @Parent() endpoint: WebhookEndpointType, @Args() page: PageArgs) {
    return this.service.listDeliveries(await this.access.admit(ctx, endpoint.workspaceId, RULES.deliveries), endpoint.id, page);
  }
}

@Resolver()
export class WebhookMutationResolver {
  constructor(
    private readonly access: GraphqlAccess,
    private readonly service: WebhooksService,
  ) {}

  /** Admitted for this change by GraphqlWorkspaceAdmission before the resolver ran (workspace-admission.guard.ts). */
  private caller(
    ctx: GraphqlContext,
    workspaceId: string,
    method: 'create' | 'update' | 'delete' | 'rotateSecret' | 'sendTest' | 'redeliver',
  ) {
    return this.access.admit(ctx, workspaceId, workspaceRuleOf(WebhooksController, method));
  }

  @Mutation(() => WebhookSecretType, { description: 'A webhook endpoint, with its signing secret (shown this once)' })
  @SameRuleAs(WebhooksController, 'create')
  async createWebhook(
    @Context() ctx: GraphqlContext,
    @Args('workspaceId', ID_ARG) workspaceId: string,
    @Args('input') input: CreateWebhookInput,
  ) {
    const caller = await this.caller(ctx, workspaceId, 'create');
    const made = await this.service.create(caller, this.access.actor(ctx), input);
    return { ...made, endpoint: inWorkspace(caller.workspaceId)(made.endpoint) };
  }

  @Mutation(() => WebhookEndpointType)
  @SameRuleAs(WebhooksController, 'update')
  async updateWebhook(
    @Context() ctx: GraphqlContext,
    @Args('workspaceId', ID_ARG) workspaceId: string,
    @Args('id', ID_ARG) id: string,
    @Args('input') input: UpdateWebhookInput,
  ) {
    const caller = await this.caller(ctx, workspaceId, 'update');
    return inWorkspace(caller.workspaceId)(await this.service.update(caller, this.access.actor(ctx), uuidArg('id', id), input));
  }

  @Mutation(() => DeletedType, { description: 'Deletes the endpoint and its deliveries; answers its id' })
  @SameRuleAs(WebhooksController, 'delete')
  async deleteWebhook(@Context() ctx: GraphqlContext, @Args('workspaceId', ID_ARG) workspaceId: string, @Args('id', ID_ARG) id: string) {
    const endpointId = uuidArg('id', id);
    await this.service.delete(await this.caller(ctx, workspaceId, 'delete'), this.access.actor(ctx), endpointId);
    return { id: endpointId };
  }

  @Mutation(() => WebhookSecretType, {
    description: 'A new signing secret (shown this once); the old one signs beside it for overlapSeconds',
  })
  @SameRuleAs(WebhooksController, 'rotateSecret')
  async rotateWebhookSecret(
    @Context() ctx: GraphqlContext,
    @Args('workspaceId', ID_ARG) workspaceId: string,
    @Args('id', ID_ARG) id: string,
    @Args('input', { nullable: true }) input: RotateWebhookSecretInput = new RotateWebhookSecretInput(),
  ) {
    const caller = await this.caller(ctx, workspaceId, 'rotateSecret');
    const rotated = await this.service.rotateSecret(caller, this.access.actor(ctx), uuidArg('id', id), input);
    return { ...rotated, endpoint: inWorkspace(caller.workspaceId)(rotated.endpoint) };
  }

  @Mutation(() => WebhookDeliveryType, { description: 'Queues a webhook.test delivery to the endpoint' })
  @SameRuleAs(WebhooksController, 'sendTest')
  async sendTestWebhook(@Context() ctx: GraphqlContext, @Args('workspaceId', ID_ARG) workspaceId: string, @Args('id', ID_ARG) id: string) {
    return this.service.sendTest(await this.caller(ctx, workspaceId, 'sendTest'), this.access.actor(ctx), uuidArg('id', id));
  }

  @Mutation(() => WebhookDeliveryType, { description: 'Queues a delivery again: the same message and webhook-id, a new delivery' })
  @SameRuleAs(WebhooksController, 'redeliver')
  async redeliverWebhook(
    @Context() ctx: GraphqlContext,
    @Args('workspaceId', ID_ARG) workspaceId: string,
    @Args('id', ID_ARG) id: string,
    @Args('deliveryId', ID_ARG) deliveryId: string,
  ) {
    const caller = await this.caller(ctx, workspaceId, 'redeliver');
    return this.service.redeliver(caller, this.access.actor(ctx), uuidArg('id', id), uuidArg('deliveryId', deliveryId));
  }
}
