import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDefined, IsObject, ValidateIf, ValidateNested } from 'class-validator';
import { DeviceAccessDto } from '../authorization/device-access.dto';
import { BoundedString, NonBlankString, UuidList } from '../common/dto-fields';
import { Optional } from '../common/validation';
import { MAX_ROLES_PER_GRANT } from '../workspaces/workspace.limits';

export const TEAM_NAME_MAX = 100;
export const TEAM_DESCRIPTION_MAX = 500;
/** The most members and API users one team holds (a team's answer lists them all). */
export const MAX_TEAM_PRINCIPALS = 500;

export class CreateTeamDto {
  @ApiProperty({ example: 'Field technicians', maxLength: TEAM_NAME_MAX })
  @NonBlankString(TEAM_NAME_MAX)
  name: string;

  @ApiPropertyOptional({ maxLength: TEAM_DESCRIPTION_MAX })
  @Optional()
  @BoundedString({ max: TEAM_DESCRIPTION_MAX })
  description?: string;

  @ApiProperty({
    type: [String],
    description: 'Role ids from GET /workspaces/{wid}/roles, handed to everyone in the team (never the owner role); may be empty',
  })
  @UuidList({ min: 0, max: MAX_ROLES_PER_GRANT })
  roleIds: string[];

  @ApiProperty({
    type: DeviceAccessDto,
    description: 'Device access handed to everyone in the team; mode "all" covers devices added later',
  })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => DeviceAccessDto)
  deviceAccess: DeviceAccessDto;
}

export class UpdateTeamDto {
  @ApiPropertyOptional({ maxLength: TEAM_NAME_MAX })
  @Optional()
  @NonBlankString(TEAM_NAME_MAX)
  name?: string;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: TEAM_DESCRIPTION_MAX, description: 'null removes the description' })
  @ValidateIf((o: UpdateTeamDto) => o.description !== undefined && o.description !== null)
  @BoundedString({ max: TEAM_DESCRIPTION_MAX })
  description?: string | null;

  @ApiPropertyOptional({ type: [String] })
  @Optional()
  @UuidList({ min: 0, max: MAX_ROLES_PER_GRANT })
  roleIds?: string[];

  @ApiPropertyOptional({ type: DeviceAccessDto })
  @Optional()
  @IsObject()
  @ValidateNested()
  @Type(() => DeviceAccessDto)
  deviceAccess?: DeviceAccessDto;
}
