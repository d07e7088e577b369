import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsDefined, IsObject, ValidateIf, ValidateNested } from 'class-validator';
import { DeviceAccessDto } from '../authorization/device-access.dto';
import { PERMISSIONS } from '../authorization/permissions';
import { BoundedString, IntInRange, NonBlankString, ScopeList, SlugString, UuidList } from '../common/dto-fields';
import { Optional } from '../common/validation';
import { EMAIL_MAX_LENGTH, EmailAddressField } from '../accounts/email-address';
import {
  INVITATION_DAYS_DEFAULT,
  INVITATION_DAYS_MAX,
  MAX_LIFETIME_DAYS_MAX,
  MAX_ROLES_PER_GRANT,
  REVOKE_UNUSED_AFTER_DAYS_MIN,
  ROLE_DESCRIPTION_MAX,
  ROLE_NAME_MAX,
  WORKSPACE_NAME_MAX,
} from './workspace.limits';

/** An lki_ secret is TOKEN_LENGTH characters; the field refuses junk well before the shape check. */
const INVITATION_SECRET_FIELD_MAX = 100;

export class CreateWorkspaceDto {
  @ApiProperty({ example: 'Acme Greenhouses' })
  @NonBlankString(WORKSPACE_NAME_MAX)
  name: string;

  @ApiPropertyOptional({ example: 'acme-greenhouses', description: 'Unique; made from the name when left out' })
  @Optional()
  @SlugString()
  slug?: string;
}

export class UpdateWorkspaceDto {
  @ApiPropertyOptional()
  @Optional()
  @NonBlankString(WORKSPACE_NAME_MAX)
  name?: string;

  @ApiPropertyOptional()
  @Optional()
  @SlugString()
  slug?: string;
}

export class TokenPolicyDto {
  @ApiProperty({
    nullable: true,
    description:
      'The longest lifetime (creation to expiry) a token may have to be accepted here, in days; null: no maximum, never-expiring tokens included',
  })
  @ValidateIf((o: TokenPolicyDto) => o.maxLifetimeDays !== null)
  @IntInRange(1, MAX_LIFETIME_DAYS_MAX)
  maxLifetimeDays: number | null;

  @ApiProperty()
  @IsBoolean()
  allowPersonalTokens: boolean;

  @ApiPropertyOptional({
    type: 'integer',
    nullable: true,
    minimum: REVOKE_UNUSED_AFTER_DAYS_MIN,
    maximum: MAX_LIFETIME_DAYS_MAX,
    description: 'Cut off tokens unused this many days (a warning mail goes out a week before); null: never; left out: unchanged',
  })
  @ValidateIf((o: TokenPolicyDto) => o.revokeUnusedAfterDays !== null && o.revokeUnusedAfterDays !== undefined)
  @IntInRange(REVOKE_UNUSED_AFTER_DAYS_MIN, MAX_LIFETIME_DAYS_MAX)
  revokeUnusedAfterDays?: number | null;
}

export class CreateRoleDto {
  @ApiProperty({ example: 'Technician' })
  @NonBlankString(ROLE_NAME_MAX)
  name: string;

  @ApiPropertyOptional()
  @Optional()
  @BoundedString({ max: ROLE_DESCRIPTION_MAX })
  description?: string;

  @ApiProperty({ type: [String], example: ['devices:read', 'measurements:read'] })
  @ScopeList(PERMISSIONS, 'each value must be a permission of the catalog', { max: PERMISSIONS.length })
  permissions: string[];
}

export class UpdateRoleDto {
  @ApiPropertyOptional()
  @Optional()
  @NonBlankString(ROLE_NAME_MAX)
  name?: string;

  @ApiPropertyOptional({ type: String, nullable: true, description: 'null removes the description' })
  @ValidateIf((o: UpdateRoleDto) => o.description !== undefined && o.description !== null)
  @BoundedString({ max: ROLE_DESCRIPTION_MAX })
  description?: string | null;

  @ApiPropertyOptional({ type: [String] })
  @Optional()
  @ScopeList(PERMISSIONS, 'each value must be a permission of the catalog', { max: PERMISSIONS.length })
  permissions?: string[];
}

/** The invitation's secret, as accepting and previewing take it. */
class InvitationSecretFields {
  @ApiProperty({ description: 'The lki_ secret of the invitation' })
  @BoundedString({ max: INVITATION_SECRET_FIELD_MAX })
  token: string;
}

/** Roles by id, at least one. */
class RoleGrantFields {
  @ApiProperty({ type: [String], description: 'Role ids from GET /workspaces/{wid}/roles' })
  @UuidList({ min: 1, max: MAX_ROLES_PER_GRANT })
  roleIds: string[];

  @ApiProperty({ type: DeviceAccessDto })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => DeviceAccessDto)
  deviceAccess: DeviceAccessDto;
}

export class UpdateMemberDto {
  @ApiPropertyOptional({ type: [String] })
  @Optional()
  @UuidList({ min: 1, max: MAX_ROLES_PER_GRANT })
  roleIds?: string[];

  @ApiPropertyOptional({ type: DeviceAccessDto })
  @Optional()
  @IsObject()
  @ValidateNested()
  @Type(() => DeviceAccessDto)
  deviceAccess?: DeviceAccessDto;
}

/** A pending invitation's new grant: what is given replaces what it grants, checked as a new invitation would be. */
export class UpdateInvitationDto extends UpdateMemberDto {}

export class PreviewInvitationDto extends InvitationSecretFields {}

export class CreateInvitationDto extends RoleGrantFields {
  @ApiProperty({ example: 'grace@example.com', format: 'email', maxLength: EMAIL_MAX_LENGTH })
  @EmailAddressField()
  email: string;

  @ApiPropertyOptional({ default: INVITATION_DAYS_DEFAULT })
  @Optional()
  @IntInRange(1, INVITATION_DAYS_MAX)
  expiresInDays?: number;
}

export class ResendInvitationDto {
  @ApiPropertyOptional({ default: INVITATION_DAYS_DEFAULT })
  @Optional()
  @IntInRange(1, INVITATION_DAYS_MAX)
  expiresInDays?: number;
}

export class AcceptInvitationDto extends InvitationSecretFields {}

/** Without a token only for the verified owner of the invited address (M2). */
export class DeclineInvitationDto {
  @ApiPropertyOptional({ description: 'The lki_ secret of the invitation; needed unless your email address is verified' })
  @Optional()
  @BoundedString({ max: INVITATION_SECRET_FIELD_MAX })
  token?: string;
}

export { RoleGrantFields };

// Answers other domains show (tokens, API users) import these from here.
export { TokenPolicyView, WorkspaceRoleRefView } from './workspace.views';
