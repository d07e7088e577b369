// What clients see of webhook endpoints and deliveries. A signing secret appears once, in the answer
// that made it (creation, rotation), and never in a read.
import { ApiProperty } from '@nestjs/swagger';
import { DATE_TIME } from '../common/view-fields';
import { WEBHOOK_URL_MAX_LENGTH } from './webhook-address';
import { TEST_EVENT, WEBHOOK_EVENT_TYPES } from './webhook-events';
import { MAX_KEPT_BYTES } from './webhook-sender';
import { WEBHOOK_DESCRIPTION_MAX_LENGTH } from './webhooks.dto';
import type { DeliveryRecord, DeliveryStatus, EndpointRecord } from './webhooks.repository';

const DELIVERY_STATUSES: DeliveryStatus[] = ['pending', 'succeeded', 'failed', 'cancelled'];
const ERROR_MAX_LENGTH = 400;

export class WebhookEndpointView {
  @ApiProperty({ format: 'uuid', maxLength: 36 })
  id: string;

  @ApiProperty({ maxLength: WEBHOOK_URL_MAX_LENGTH, example: 'https://hooks.example.com/latchkey' })
  url: string;

  @ApiProperty({ maxLength: WEBHOOK_DESCRIPTION_MAX_LENGTH })
  description: string;

  @ApiProperty({ enum: [...WEBHOOK_EVENT_TYPES], isArray: true, maxItems: WEBHOOK_EVENT_TYPES.length })
  events: string[];

  @ApiProperty({ description: 'false: nothing is delivered (paused by hand, or disabled after a delivery failed for about a day)' })
  enabled: boolean;

  @ApiProperty({ type: String, nullable: true, maxLength: 600, description: 'Why it was disabled automatically; null otherwise' })
  disabledReason: string | null;

  @ApiProperty({
    ...DATE_TIME,
    nullable: true,
    description: 'Until when the previous secret still signs beside the current one; null: no overlap',
  })
  previousSecretExpiresAt: Date | null;

  @ApiProperty({
    ...DATE_TIME,
    nullable: true,
    description:
      'Set while the circuit breaker holds it: an attempt failed, and its retry at this time (the probe) tells whether the receiver answers again; its other deliveries wait until past the probe. null: not paused',
  })
  pausedUntil: Date | null;

  @ApiProperty(DATE_TIME)
  createdAt: Date;

  @ApiProperty(DATE_TIME)
  updatedAt: Date;
}

export class WebhookSecretView {
  @ApiProperty({ type: WebhookEndpointView })
  endpoint: WebhookEndpointView;

  @ApiProperty({
    pattern: '^whsec_[A-Za-z0-9+/]+={0,2}$',
    maxLength: 64,
    example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    description: 'The signing secret (Standard Webhooks format), shown this once: verify deliveries with it',
  })
  secret: string;
}

export class WebhookDeliveryView {
  @ApiProperty({ format: 'uuid', maxLength: 36 })
  id: string;

  @ApiProperty({ format: 'uuid', maxLength: 36 })
  endpointId: string;

  @ApiProperty({ maxLength: 64, description: 'The webhook-id header: the same for every retry and redelivery of this message' })
  messageId: string;

  @ApiProperty({ enum: [...WEBHOOK_EVENT_TYPES, TEST_EVENT] })
  eventType: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'The body as delivered: { type, timestamp, data }',
  })
  payload: Record<string, unknown>;

  @ApiProperty({
    enum: DELIVERY_STATUSES,
    description: 'failed: given up after about a day of retries; cancelled: the endpoint was disabled',
  })
  status: DeliveryStatus;

  @ApiProperty({ type: 'integer', minimum: 0, maximum: 10_000, description: 'Attempts made so far' })
  attempts: number;

  @ApiProperty({
    type: 'integer',
    nullable: true,
    minimum: 100,
    maximum: 999,
    description: "The last answer's status code; null: none came",
  })
  responseStatus: number | null;

  @ApiProperty({
    type: String,
    nullable: true,
    maxLength: MAX_KEPT_BYTES,
    description: `The last answer's body, its first ${MAX_KEPT_BYTES} bytes`,
  })
  responseBody: string | null;

  @ApiProperty({
    type: 'integer',
    nullable: true,
    minimum: 0,
    maximum: 3_600_000,
    description: 'How long the last attempt took, in milliseconds',
  })
  durationMs: number | null;

  @ApiProperty({
    type: String,
    nullable: true,
    maxLength: ERROR_MAX_LENGTH,
    description: 'Why the last attempt failed; null if it did not',
  })
  lastError: string | null;

  @ApiProperty({ ...DATE_TIME, nullable: true, description: 'When the next attempt is due; null when none is' })
  nextAttemptAt: Date | null;

  @ApiProperty(DATE_TIME)
  createdAt: Date;

  @ApiProperty(DATE_TIME)
  updatedAt: Date;
}

export function toEndpointView(e: Omit<EndpointRecord, 'workspaceId'>, now: Date): WebhookEndpointView {
  const overlap = e.previousSecretExpiresAt && e.previousSecretExpiresAt > now ? e.previousSecretExpiresAt : null;
  return {
    id: e.id,
    url: e.url,
    description: e.description,
    events: e.events,
    enabled: e.enabled,
    disabledReason: e.disabledReason,
    previousSecretExpiresAt: overlap,
    // A pause whose probe time has come still holds until the probe has an outcome: shown as stored.
    pausedUntil: e.enabled ? e.pausedUntil : null,
    createdAt: e.createdAt,
    updatedAt: e.updatedAt,
  };
}

export function toDeliveryView(d: DeliveryRecord): WebhookDeliveryView {
  return {
    id: d.id,
    endpointId: d.endpointId,
    messageId: d.messageId,
    eventType: d.eventType,
    payload: d.payload,
    status: d.status,
    attempts: d.attempts,
    responseStatus: d.responseStatus,
    responseBody: d.responseBody,
    durationMs: d.durationMs,
    lastError: d.lastError === null ? null : d.lastError.slice(0, ERROR_MAX_LENGTH),
    nextAttemptAt: d.nextAttemptAt,
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
  };
}
