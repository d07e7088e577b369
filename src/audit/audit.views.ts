// What the audit routes answer: one event, as GET /workspaces/:wid/audit-events and GET /me/audit-events list it.
import { ApiProperty } from '@nestjs/swagger';
import { DATE_TIME, IP_ADDRESS_MAX_LENGTH, nullableRef } from '../common/view-fields';
import { ACTOR_TYPES, AUDIT_TARGET_TYPES, type Actor, type AuditTargetType } from './audit-log';
import { AUDIT_ACTION_MAX_LENGTH } from './audit.dto';

export class AuditActorView {
  @ApiProperty({ enum: ACTOR_TYPES, description: 'system: nobody signed in (a sign-up, a failed sign-in)' })
  type: Actor['type'];

  @ApiProperty({ type: String, format: 'uuid', maxLength: 36, nullable: true, description: 'The user or API user; null for system' })
  id: string | null;

  @ApiProperty({
    type: String,
    format: 'uuid',
    maxLength: 36,
    nullable: true,
    description: 'The token it acted with; null for system and sign-in',
  })
  tokenId: string | null;
}

export class AuditTargetView {
  @ApiProperty({ enum: AUDIT_TARGET_TYPES })
  type: AuditTargetType;

  @ApiProperty({ format: 'uuid', maxLength: 36 })
  id: string;
}

export class AuditEventView {
  @ApiProperty({ format: 'uuid', maxLength: 36 })
  id: string;

  @ApiProperty({ maxLength: AUDIT_ACTION_MAX_LENGTH, example: 'token.revoked' })
  action: string;

  @ApiProperty({
    type: String,
    format: 'uuid',
    maxLength: 36,
    nullable: true,
    description: 'The workspace it happened in; null for an account event',
  })
  workspaceId: string | null;

  @ApiProperty({ type: AuditActorView })
  actor: AuditActorView;

  @ApiProperty({
    ...nullableRef(AuditTargetView),
    description: 'What it was about; null when nothing in particular',
  })
  target: AuditTargetView | null;

  @ApiProperty({
    type: String,
    nullable: true,
    maxLength: IP_ADDRESS_MAX_LENGTH,
    description: "The actor's address; null when unknown or, in an account's log, when someone else (a workspace admin, an API user) acted",
  })
  ip: string | null;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'What else the action records (which fields changed, a parent token…); never a secret, hash or password',
  })
  details: Record<string, unknown>;

  @ApiProperty(DATE_TIME)
  createdAt: Date;
}
