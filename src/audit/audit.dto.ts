import { ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsUUID, Matches, ValidateBy } from 'class-validator';
import { BoundedString } from '../common/dto-fields';
import { PageQueryDto } from '../common/pagination';
import { Optional } from '../common/validation';
import { AUDIT_TARGET_TYPES, type AuditTargetType } from './audit-log';

/** An action's name (`token.revoked`): those the code records are far shorter; a filter longer than this matches nothing. */
export const AUDIT_ACTION_MAX_LENGTH = 100;

const ACTION_NAME = /^[a-z_]+(\.[a-z_]+)*$/;
/** An action's first words, with or without the dot that ends a word: `token`, `token.`, `session.revoked`. */
const ACTION_PREFIX = /^[a-z_]+(\.[a-z_]+)*\.?$/;
/** A time in a filter: RFC 3339 with a zone (`2026-12-01T00:00:00Z`) or a date (`2026-12-01`, midnight UTC). */
const TIME_LENGTH = 40;

/**
 * A time the query can use. IsISO8601 also passes ISO forms no Date reads (2026-W48, 2026-335,
 * 20261201, 2026-12-01T00Z, a decimal comma): those became an Invalid Date in the query, a 500.
 */
const ReadableTime = (message: string) =>
  ValidateBy({
    name: 'readableTime',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && !Number.isNaN(Date.parse(value)),
      defaultMessage: () => message,
    },
  });
const FROM_MESSAGE = 'must be a time such as 2026-12-01T00:00:00Z, or a date such as 2026-12-01';
const TO_MESSAGE = 'must be a time such as 2026-12-31T23:59:59Z, or a date such as 2026-12-31';

/** The filters of an audit log's listing and of its export. */
export class AuditFilterDto {
  @ApiPropertyOptional({ example: 'token.revoked', pattern: ACTION_NAME.source, description: 'Only events of exactly this action' })
  @Optional()
  @BoundedString({ max: AUDIT_ACTION_MAX_LENGTH })
  @Matches(ACTION_NAME, { message: 'must look like token.revoked' })
  action?: string;

  @ApiPropertyOptional({
    example: 'token.',
    pattern: ACTION_PREFIX.source,
    description: 'Only events whose action starts with this: `token.` (or `token`) for every token event',
  })
  @Optional()
  @BoundedString({ max: AUDIT_ACTION_MAX_LENGTH })
  @Matches(ACTION_PREFIX, { message: 'must look like token. or token.revoked' })
  actionPrefix?: string;

  @ApiPropertyOptional({ format: 'uuid', maxLength: 36, description: 'Only events made by this user or API user' })
  @Optional()
  @IsUUID('all')
  actorId?: string;

  @ApiPropertyOptional({ enum: AUDIT_TARGET_TYPES, description: 'Only events about this kind of thing' })
  @Optional()
  @IsIn(AUDIT_TARGET_TYPES)
  targetType?: AuditTargetType;

  @ApiPropertyOptional({ format: 'uuid', maxLength: 36, description: 'Only events about this member, token, device, role…' })
  @Optional()
  @IsUUID('all')
  targetId?: string;

  @ApiPropertyOptional({
    format: 'date-time',
    maxLength: TIME_LENGTH,
    example: '2026-12-01T00:00:00Z',
    description: 'Only events at or after this time (RFC 3339; a date alone is midnight UTC)',
  })
  @Optional()
  @BoundedString({ max: TIME_LENGTH })
  @IsISO8601({ strict: true }, { message: FROM_MESSAGE })
  @ReadableTime(FROM_MESSAGE)
  from?: string;

  @ApiPropertyOptional({
    format: 'date-time',
    maxLength: TIME_LENGTH,
    example: '2026-12-31T23:59:59Z',
    description: 'Only events before this time (RFC 3339; a date alone is midnight UTC)',
  })
  @Optional()
  @BoundedString({ max: TIME_LENGTH })
  @IsISO8601({ strict: true }, { message: TO_MESSAGE })
  @ReadableTime(TO_MESSAGE)
  to?: string;
}

export class AuditQueryDto extends IntersectionType(PageQueryDto, AuditFilterDto) {}

export const AUDIT_EXPORT_FORMATS = ['csv', 'json'] as const;
export type AuditExportFormat = (typeof AUDIT_EXPORT_FORMATS)[number];

export class AuditExportQueryDto extends AuditFilterDto {
  @ApiPropertyOptional({
    enum: AUDIT_EXPORT_FORMATS,
    default: 'json',
    description: 'csv: one row per event, details as JSON in the last column; json: the events as listed',
  })
  @Optional()
  @IsIn(AUDIT_EXPORT_FORMATS)
  format?: AuditExportFormat;
}
