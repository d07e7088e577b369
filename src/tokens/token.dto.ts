import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  Min,
} from 'class-validator';
import { GRANTABLE_SCOPES } from '../authorization/permissions';
import { PageQueryDto } from '../common/pagination';
import { LowercaseUuids, Optional } from '../common/validation';

export class CreateNamedTokenDto {
  @ApiProperty({ example: 'CI deploy', maxLength: 100 })
  @IsString() @Length(1, 100) @Matches(/\S/, { message: 'must not be blank' })
  name: string;

  @ApiProperty({ type: [String], example: ['devices:read', 'account:read'], description: 'From GET /v1/permissions, or ["*"]' })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(30) @ArrayUnique()
  @IsIn(GRANTABLE_SCOPES, { each: true, message: 'each value must be a permission, an account scope or *' })
  scopes: string[];

  @ApiPropertyOptional({ type: [String], nullable: true, description: 'Restrict the token to these workspaces; omit or null for all' })
  @IsOptional() @LowercaseUuids() @IsArray() @ArrayMinSize(1) @ArrayMaxSize(100) @ArrayUnique() @IsUUID('all', { each: true })
  workspaceIds?: string[] | null;

  @ApiPropertyOptional({ nullable: true, minimum: 1, maximum: 366, default: 90, description: 'null: never expires' })
  @IsOptional() @IsInt() @Min(1) @Max(366)
  expiresInDays?: number | null;
}

export class RotateTokenDto {
  @ApiPropertyOptional({ minimum: 0, maximum: 86400, default: 0, description: 'How long the old secret keeps working' })
  @Optional() @IsInt() @Min(0) @Max(86400)
  graceSeconds?: number;
}

export class RegeneratePersonalTokenDto {
  @ApiPropertyOptional({ description: 'Needed unless the request comes with a login session (POST /v1/auth/login)' })
  @Optional() @IsString() @Length(1, 1000)
  currentPassword?: string;
}

export class ListTokensQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: ['personal', 'named', 'session'] })
  @Optional() @IsIn(['personal', 'named', 'session'])
  kind?: 'personal' | 'named' | 'session';

  @ApiPropertyOptional({ default: false, description: 'Also list revoked and expired tokens' })
  @Optional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  includeInactive?: boolean;
}

export class ExchangeTokenDto {
  @ApiPropertyOptional({ minimum: 60, maximum: 43200, default: 3600 })
  @Optional() @IsInt() @Min(60) @Max(43200)
  expiresInSeconds?: number;
}
