import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsDefined,
  IsObject,
  IsIn,
  IsInt,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { EmailAddressField } from '../accounts/email-address';
import { DeviceAccessDto } from '../authorization/device-access.dto';
import { PERMISSIONS } from '../authorization/permissions';
import { LowercaseUuids, Optional } from '../common/validation';

const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const SLUG_MESSAGE = 'must be 1 to 63 lower-case letters, digits and inner dashes';

export class CreateWorkspaceDto {
  @ApiProperty({ example: 'Acme Greenhouses', maxLength: 100 })
  @IsString() @Length(1, 100) @Matches(/\S/, { message: 'must not be blank' })
  name: string;

  @ApiPropertyOptional({ example: 'acme-greenhouses', description: 'Unique; made from the name when left out' })
  @Optional() @IsString() @Matches(SLUG, { message: SLUG_MESSAGE })
  slug?: string;
}

export class UpdateWorkspaceDto {
  @ApiPropertyOptional({ maxLength: 100 })
  @Optional() @IsString() @Length(1, 100) @Matches(/\S/, { message: 'must not be blank' })
  name?: string;

  @ApiPropertyOptional()
  @Optional() @IsString() @Matches(SLUG, { message: SLUG_MESSAGE })
  slug?: string;
}

export class TokenPolicyDto {
  @ApiProperty({ nullable: true, minimum: 1, maximum: 3650, description: 'null: no maximum' })
  @ValidateIf((o: TokenPolicyDto) => o.maxLifetimeDays !== null) @IsInt() @Min(1) @Max(3650)
  maxLifetimeDays: number | null;

  @ApiProperty()
  @IsBoolean()
  allowPersonalTokens: boolean;
}

export class CreateRoleDto {
  @ApiProperty({ example: 'Technician', maxLength: 100 })
  @IsString() @Length(1, 100) @Matches(/\S/, { message: 'must not be blank' })
  name: string;

  @ApiPropertyOptional({ maxLength: 500 })
  @Optional() @IsString() @MaxLength(500)
  description?: string;

  @ApiProperty({ type: [String], example: ['devices:read', 'measurements:read'] })
  @IsArray() @ArrayMaxSize(PERMISSIONS.length) @ArrayUnique() @IsIn(PERMISSIONS, { each: true, message: 'each value must be a permission of the catalog' })
  permissions: string[];
}

export class UpdateRoleDto {
  @ApiPropertyOptional({ maxLength: 100 })
  @Optional() @IsString() @Length(1, 100) @Matches(/\S/, { message: 'must not be blank' })
  name?: string;

  @ApiPropertyOptional({ maxLength: 500, nullable: true })
  @ValidateIf((o: UpdateRoleDto) => o.description !== undefined && o.description !== null) @IsString() @MaxLength(500)
  description?: string | null;

  @ApiPropertyOptional({ type: [String] })
  @Optional() @IsArray() @ArrayMaxSize(PERMISSIONS.length) @ArrayUnique() @IsIn(PERMISSIONS, { each: true, message: 'each value must be a permission of the catalog' })
  permissions?: string[];
}

/** Roles by id, at least one. */
class RoleGrantFields {
  @ApiProperty({ type: [String], description: 'Role ids from GET /workspaces/{wid}/roles' })
  @LowercaseUuids() @IsArray() @ArrayMinSize(1) @ArrayMaxSize(20) @ArrayUnique() @IsUUID('all', { each: true })
  roleIds: string[];

  @ApiProperty({ type: DeviceAccessDto })
  @IsDefined() @IsObject() @ValidateNested() @Type(() => DeviceAccessDto)
  deviceAccess: DeviceAccessDto;
}

export class UpdateMemberDto {
  @ApiPropertyOptional({ type: [String] })
  @Optional() @LowercaseUuids() @IsArray() @ArrayMinSize(1) @ArrayMaxSize(20) @ArrayUnique() @IsUUID('all', { each: true })
  roleIds?: string[];

  @ApiPropertyOptional({ type: DeviceAccessDto })
  @Optional() @IsObject() @ValidateNested() @Type(() => DeviceAccessDto)
  deviceAccess?: DeviceAccessDto;
}

export class CreateInvitationDto extends RoleGrantFields {
  @ApiProperty({ example: 'grace@example.com' })
  @EmailAddressField()
  email: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 30, default: 7 })
  @Optional() @IsInt() @Min(1) @Max(30)
  expiresInDays?: number;
}

export class ResendInvitationDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 30, default: 7 })
  @Optional() @IsInt() @Min(1) @Max(30)
  expiresInDays?: number;
}

export class AcceptInvitationDto {
  @ApiProperty({ description: 'The lki_ secret of the invitation' })
  @IsString() @MaxLength(100)
  token: string;
}

/** Without a token only for the verified owner of the invited address (M2). */
export class DeclineInvitationDto {
  @ApiPropertyOptional({ description: 'The lki_ secret of the invitation; needed unless your email address is verified' })
  @Optional() @IsString() @MaxLength(100)
  token?: string;
}

export { RoleGrantFields };
