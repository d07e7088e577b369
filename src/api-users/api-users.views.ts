// What clients see of an API user.
import { ApiProperty } from '@nestjs/swagger';
import { DEVICE_ACCESS_SCHEMA, type DeviceAccessView } from '../authorization/device-access.dto';
import { accessWithinReach, type DeviceAccess } from '../authorization/device-rules';
import { PERMISSIONS } from '../authorization/permissions';
import { DATE_TIME, nullableRef } from '../common/view-fields';
import { CIDR_MAX_LENGTH, MAX_ALLOWED_CIDRS } from '../auth/network-allow-list';
import { IssuedTokenView } from '../tokens/token.view';
import { MAX_ROLES_PER_GRANT } from '../workspaces/workspace.limits';
import { WorkspaceRoleRefView } from '../workspaces/workspaces.dto';
import { API_USER_NAME_MAX_LENGTH, API_USER_STATUSES, ApiUserStatus } from './api-users.dto';
import type { ApiUserRecord } from './api-users.repository';
import { rateLimitOf, RateLimitView } from '../rate-limits/token-rate-limit';

export class ApiUserView {
  @ApiProperty({ format: 'uuid', maxLength: 36 })
  id: string;

  @ApiProperty({ format: 'uuid', maxLength: 36 })
  workspaceId: string;

  @ApiProperty({ maxLength: API_USER_NAME_MAX_LENGTH, example: 'Dashboard ingest' })
  name: string;

  @ApiProperty({ enum: API_USER_STATUSES, description: 'disabled: its tokens are refused until it is active again' })
  status: ApiUserStatus;

  @ApiProperty({ type: [WorkspaceRoleRefView], maxItems: MAX_ROLES_PER_GRANT })
  roles: WorkspaceRoleRefView[];

  @ApiProperty({ ...DEVICE_ACCESS_SCHEMA, description: 'The devices the API user reaches' })
  deviceAccess: DeviceAccessView;

  @ApiProperty({
    type: String,
    format: 'uuid',
    maxLength: 36,
    nullable: true,
    description: 'The user who made it; null when an API user made it or that user is gone',
  })
  createdByUserId: string | null;

  @ApiProperty({
    type: String,
    isArray: true,
    maxLength: CIDR_MAX_LENGTH,
    nullable: true,
    maxItems: MAX_ALLOWED_CIDRS,
    description: 'Every token of it is usable only from these networks (normalised CIDRs); null: any network',
  })
  allowedCidrs: string[] | null;

  @ApiProperty(DATE_TIME)
  createdAt: Date;

  @ApiProperty(DATE_TIME)
  updatedAt: Date;

  @ApiProperty({
    ...nullableRef(RateLimitView),
    description: "The API user's rate limit ({limit, windowSeconds}): one allowance shared by all its tokens; null: none",
  })
  rateLimit: RateLimitView | null;
}

/** One API user as its page shows it: with what its token form may offer. */
export class ApiUserDetailView extends ApiUserView {
  @ApiProperty({
    description:
      'The caller may change it, disable or delete it, and make, rotate and revoke its tokens: it holds api_users:manage and all the API user holds (permissions and devices)',
  })
  manageable: boolean;

  @ApiProperty({
    enum: [...PERMISSIONS],
    isArray: true,
    maxItems: PERMISSIONS.length,
    example: ['devices:read', 'measurements:read'],
    description:
      'The scopes a new token of this API user can carry to some effect and the caller\'s token may hand out, sorted: the permissions its roles give, within the scopes of the caller\'s token. A token form offers these (or ["*"], all it holds)',
  })
  grantablePermissions: string[];
}

export class CreatedApiUserView {
  @ApiProperty({ type: ApiUserView })
  apiUser: ApiUserView;

  @ApiProperty({ type: IssuedTokenView, description: "Its first token ('Default', all its rights), with the secret shown this once" })
  token: IssuedTokenView;
}

/** An API user as a caller whose device access is `reach` sees it: devices out of its reach are not named. */
export function toApiUserView(a: ApiUserRecord, reach: DeviceAccess): ApiUserView {
  return {
    id: a.id,
    workspaceId: a.workspaceId,
    name: a.name,
    status: a.status,
    roles: a.roles.map((r) => ({ id: r.id, name: r.name })),
    deviceAccess: accessWithinReach(reach, a.deviceAccess),
    createdByUserId: a.createdByUserId,
    allowedCidrs: a.allowedCidrs,
    createdAt: a.createdAt,
    updatedAt: a.updatedAt,
    rateLimit: rateLimitOf(a.rateLimit, a.rateLimitWindowSeconds),
  };
}
