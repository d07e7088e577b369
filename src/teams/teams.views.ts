// What clients see of a team.
import { ApiProperty } from '@nestjs/swagger';
import { EMAIL_MAX_LENGTH } from '../accounts/email-address';
import { USER_NAME_MAX_LENGTH } from '../accounts/accounts.dto';
import { API_USER_NAME_MAX_LENGTH } from '../api-users/api-users.dto';
import { DEVICE_ACCESS_SCHEMA, type DeviceAccessView } from '../authorization/device-access.dto';
import { accessWithinReach, type DeviceAccess } from '../authorization/device-rules';
import { UUID_SCHEMA } from '../common/uuid-param';
import { DATE_TIME } from '../common/view-fields';
import { MAX_ROLES_PER_GRANT } from '../workspaces/workspace.limits';
import { WorkspaceRoleRefView } from '../workspaces/workspaces.dto';
import { MAX_TEAM_PRINCIPALS, TEAM_DESCRIPTION_MAX, TEAM_NAME_MAX } from './teams.dto';
import type { TeamRecord } from './teams.repository';

export class TeamMemberView {
  @ApiProperty({ ...UUID_SCHEMA })
  userId: string;

  @ApiProperty({ format: 'email', maxLength: EMAIL_MAX_LENGTH })
  email: string;

  @ApiProperty({ maxLength: USER_NAME_MAX_LENGTH })
  name: string;
}

export class TeamApiUserView {
  @ApiProperty({ ...UUID_SCHEMA })
  id: string;

  @ApiProperty({ maxLength: API_USER_NAME_MAX_LENGTH })
  name: string;
}

export class TeamView {
  @ApiProperty({ ...UUID_SCHEMA })
  id: string;

  @ApiProperty({ ...UUID_SCHEMA })
  workspaceId: string;

  @ApiProperty({ maxLength: TEAM_NAME_MAX, example: 'Field technicians' })
  name: string;

  @ApiProperty({ type: String, nullable: true, maxLength: TEAM_DESCRIPTION_MAX })
  description: string | null;

  @ApiProperty({ type: [WorkspaceRoleRefView], maxItems: MAX_ROLES_PER_GRANT, description: 'Roles handed to everyone in the team' })
  roles: WorkspaceRoleRefView[];

  @ApiProperty({ ...DEVICE_ACCESS_SCHEMA, description: 'Devices everyone in the team reaches; "all" includes devices added later' })
  deviceAccess: DeviceAccessView;

  @ApiProperty({ type: [TeamMemberView], maxItems: MAX_TEAM_PRINCIPALS, description: 'Members in the team, by email' })
  members: TeamMemberView[];

  @ApiProperty({ type: [TeamApiUserView], maxItems: MAX_TEAM_PRINCIPALS, description: 'API users in the team, by name' })
  apiUsers: TeamApiUserView[];

  @ApiProperty({
    description:
      'The caller may change or delete the team and put principals in it or take them out: it holds teams:manage and every right the team hands out (permissions and devices)',
  })
  manageable: boolean;

  @ApiProperty(DATE_TIME)
  createdAt: Date;

  @ApiProperty(DATE_TIME)
  updatedAt: Date;
}

/** A team as a caller whose device access is `reach` sees it: devices out of its reach are not named. */
export function toTeamView(team: TeamRecord, manageable: boolean, reach: DeviceAccess): TeamView {
  return {
    id: team.id,
    workspaceId: team.workspaceId,
    name: team.name,
    description: team.description,
    roles: team.roles.map((r) => ({ id: r.id, name: r.name })),
    deviceAccess: accessWithinReach(reach, team.deviceAccess),
    members: team.members,
    apiUsers: team.apiUsers,
    manageable,
    createdAt: team.createdAt,
    updatedAt: team.updatedAt,
  };
}
