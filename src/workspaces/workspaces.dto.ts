import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsDefined, IsObject, ValidateIf, ValidateNested } from 'class-validator';
import { EmailAddressField } from '../accounts/email-address';
import { DeviceAccessDto } from '../authorization/device-access.dto';
import { PERMISSIONS } from '../authorization/permissions';
import { BoundedString, IntInRange, NonBlankString, ScopeList, SlugString, UuidList } from '../common/dto-fields';
import { Optional } from '../common/validation';

export class CreateWorkspaceDto {
  @ApiProperty({ example: 'Acme Greenhouses', maxLength: 100 })
  @NonBlankString(100)
  name: string;

  @ApiPropertyOptional({ example: 'acme-greenhouses', description: 'Unique; made from the name when left out' })
  @Optional()
  @SlugString()
  slug?: string;
}

export class UpdateWorkspaceDto {
  @ApiPropertyOptional({ maxLength: 100 })
  @Optional()
  @NonBlankString(100)
  name?: string;

  @ApiPropertyOptional()
  @Optional()
  @SlugString()
  slug?: string;
}

export class TokenPolicyDto {
  @ApiProperty({ nullable: true, minimum: 1, maximum: 3650, description: 'null: no maximum' })
  @ValidateIf((o: TokenPolicyDto) => o.maxLifetimeDays !== null)
  @IntInRange(1, 3650)
  maxLifetimeDays: number | null;

  @ApiProperty()
  @IsBoolean()
  allowPersonalTokens: boolean;
}

export class CreateRoleDto {
  @ApiProperty({ example: 'Technician', maxLength: 100 })
  @NonBlankString(100)
  name: string;

  @ApiPropertyOptional({ maxLength: 500 })
  @Optional()
  @BoundedString({ max: 500 })
  description?: string;

  @ApiProperty({ type: [String], example: ['devices:read', 'measurements:read'] })
  @ScopeList(PERMISSIONS, 'each value must be a permission of the catalog', { max: PERMISSIONS.length })
  permissions: string[];
}

export class UpdateRoleDto {
  @ApiPropertyOptional({ maxLength: 100 })
  @Optional()
  @NonBlankString(100)
  name?: string;

  @ApiPropertyOptional({ maxLength: 500, nullable: true })
  @ValidateIf((o: UpdateRoleDto) => o.description !== undefined && o.description !== null)
  @BoundedString({ max: 500 })
  description?: string | null;

  @ApiPropertyOptional({ type: [String] })
  @Optional()
  @ScopeList(PERMISSIONS, 'each value must be a permission of the catalog', { max: PERMISSIONS.length })
  permissions?: string[];
}

/** Roles by id, at least one. */
class RoleGrantFields {
  @ApiProperty({ type: [String], description: 'Role ids from GET /workspaces/{wid}/roles' })
  @UuidList({ min: 1, max: 20 })
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
  @UuidList({ min: 1, max: 20 })
  roleIds?: string[];

  @ApiPropertyOptional({ type: DeviceAccessDto })
  @Optional()
  @IsObject()
  @ValidateNested()
  @Type(() => DeviceAccessDto)
  deviceAccess?: DeviceAccessDto;
}

export class CreateInvitationDto extends RoleGrantFields {
  @ApiProperty({ example: 'grace@example.com' })
  @EmailAddressField()
  email: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 30, default: 7 })
  @Optional()
  @IntInRange(1, 30)
  expiresInDays?: number;
}

export class ResendInvitationDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 30, default: 7 })
  @Optional()
  @IntInRange(1, 30)
  expiresInDays?: number;
}

export class AcceptInvitationDto {
  @ApiProperty({ description: 'The lki_ secret of the invitation' })
  @BoundedString({ max: 100 })
  token: string;
}

/** Without a token only for the verified owner of the invited address (M2). */
export class DeclineInvitationDto {
  @ApiPropertyOptional({ description: 'The lki_ secret of the invitation; needed unless your email address is verified' })
  @Optional()
  @BoundedString({ max: 100 })
  token?: string;
}

export { RoleGrantFields };

export class WorkspaceRoleRefView {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty()
  name: string;
}

export class TokenPolicyView {
  @ApiProperty({ type: Number, nullable: true })
  maxLifetimeDays: number | null;

  @ApiProperty()
  allowPersonalTokens: boolean;
}

export class WorkspaceListItemView {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty()
  name: string;

  @ApiProperty()
  slug: string;

  @ApiProperty({ type: TokenPolicyView })
  tokenPolicy: TokenPolicyView;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt: Date;

  @ApiProperty({ type: String, format: 'date-time' })
  updatedAt: Date;

  @ApiProperty({ type: [WorkspaceRoleRefView], description: "The caller's roles in the workspace" })
  roles: WorkspaceRoleRefView[];
}

export class WorkspaceListView {
  @ApiProperty({ type: [WorkspaceListItemView] })
  items: WorkspaceListItemView[];

  @ApiProperty({ type: String, nullable: true, description: 'Pass as cursor for the next page; null on the last' })
  nextCursor: string | null;
}
