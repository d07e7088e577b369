import { ApiPropertyOptional, ApiProperty } from '@nestjs/swagger';
import { IsBoolean } from 'class-validator';
import { BoundedString, IntInRange, ScopeList } from '../common/dto-fields';
import { Optional } from '../common/validation';
import { WEBHOOK_URL_MAX_LENGTH } from './webhook-address';
import { WEBHOOK_EVENT_TYPES } from './webhook-events';

export const WEBHOOK_DESCRIPTION_MAX_LENGTH = 500;
/** How long a rotated-out secret keeps signing beside the new one, by default and at most. */
export const DEFAULT_SECRET_OVERLAP_SECONDS = 24 * 3600;
export const MAX_SECRET_OVERLAP_SECONDS = 7 * 24 * 3600;

const EVENTS_MESSAGE = `each value must be a webhook event type: ${WEBHOOK_EVENT_TYPES.join(', ')}`;
const URL_DESCRIPTION =
  'Where deliveries are POSTed: https (http only where LATCHKEY_WEBHOOK_ALLOW_HTTP is set), no credentials, no fragment, ' +
  'a public host: every address it resolves to is checked again at each delivery';

export class CreateWebhookDto {
  @ApiProperty({ example: 'https://hooks.example.com/latchkey', description: URL_DESCRIPTION })
  @BoundedString({ min: 1, max: WEBHOOK_URL_MAX_LENGTH })
  url: string;

  @ApiProperty({ description: 'The event types to deliver', example: ['member.added', 'token.revoked'] })
  @ScopeList(WEBHOOK_EVENT_TYPES, EVENTS_MESSAGE, { min: 1, max: WEBHOOK_EVENT_TYPES.length })
  events: string[];

  @ApiPropertyOptional({ default: '', example: 'Sync members to the HR system' })
  @Optional()
  @BoundedString({ max: WEBHOOK_DESCRIPTION_MAX_LENGTH })
  description?: string;
}

export class UpdateWebhookDto {
  @ApiPropertyOptional({ description: URL_DESCRIPTION })
  @Optional()
  @BoundedString({ min: 1, max: WEBHOOK_URL_MAX_LENGTH })
  url?: string;

  @ApiPropertyOptional()
  @Optional()
  @ScopeList(WEBHOOK_EVENT_TYPES, EVENTS_MESSAGE, { min: 1, max: WEBHOOK_EVENT_TYPES.length })
  events?: string[];

  @ApiPropertyOptional()
  @Optional()
  @BoundedString({ max: WEBHOOK_DESCRIPTION_MAX_LENGTH })
  description?: string;

  @ApiPropertyOptional({ description: 'false pauses deliveries; true resumes an endpoint disabled by hand or after failing deliveries' })
  @Optional()
  @IsBoolean()
  enabled?: boolean;
}

export class RotateWebhookSecretDto {
  @ApiPropertyOptional({
    default: DEFAULT_SECRET_OVERLAP_SECONDS,
    description:
      'How long the old secret keeps signing beside the new one (two signatures in webhook-signature), so receivers can ' +
      'switch without dropping a delivery; 0 ends it at once (a leaked secret)',
  })
  @Optional()
  @IntInRange(0, MAX_SECRET_OVERLAP_SECONDS)
  overlapSeconds?: number;
}
