// What the caller may do in a workspace, as the guard resolved it for this request: clients show or
// hide actions from this instead of recomputing rights from roles and scopes. Only the caller's own
// access: nothing here is about another member.
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { DEVICE_ACCESS_MODES, DEVICE_IDS_SCHEMA } from '../authorization/device-access.dto';
import { takesEffect, type DeviceAccess } from '../authorization/device-rules';
import { PERMISSIONS } from '../authorization/permissions';
import type { WorkspaceAccess } from '../authorization/workspace-access';
import { UUID_SCHEMA } from '../common/uuid-param';
import { MAX_ROLES_PER_GRANT } from './workspace.limits';

/** Device access as the caller is shown its own: the ids only to a token that may list devices. */
export class CallerDeviceAccessView {
  @ApiProperty({ enum: [...DEVICE_ACCESS_MODES] })
  mode: (typeof DEVICE_ACCESS_MODES)[number];

  @ApiPropertyOptional({
    ...DEVICE_IDS_SCHEMA,
    description: 'With mode "selected" and a token holding devices:read: the devices the caller reaches, by id',
  })
  deviceIds?: string[];
}

export class CallerAccessView {
  @ApiProperty({
    description:
      'The caller holds the built-in owner role here. Owner-only actions (deleting the workspace, changing its token policy, granting owner) also need their permission in `permissions`.',
  })
  isOwner: boolean;

  @ApiProperty({
    type: [String],
    format: 'uuid',
    maxLength: UUID_SCHEMA.maxLength,
    maxItems: MAX_ROLES_PER_GRANT,
    description: "The ids of the caller's own roles here, sorted (its teams' roles count in permissions, not here)",
  })
  roleIds: string[];

  @ApiProperty({
    enum: [...PERMISSIONS],
    isArray: true,
    maxItems: PERMISSIONS.length,
    example: ['devices:read', 'workspace:read'],
    description:
      "The caller's effective permissions here, sorted: what its roles and its teams' roles grant, narrowed to the token's scopes",
  })
  permissions: string[];

  @ApiProperty({ type: CallerDeviceAccessView, description: "The devices the caller reaches here, through its own grant or its teams'" })
  deviceAccess: CallerDeviceAccessView;
}

export function toCallerAccessView(access: WorkspaceAccess): CallerAccessView {
  return {
    isOwner: access.isOwner,
    roleIds: [...access.roleIds].sort(),
    // The token's scopes applied: a narrowly scoped token is shown what it may do, not what its holder may.
    // Only what takes effect: a device-limited caller does not hold the whole-workspace permissions.
    permissions: [...access.permissions].filter((p) => takesEffect(access.deviceAccess, p)).sort(),
    deviceAccess: toDeviceAccessView(access.deviceAccess, access.permissions.has('devices:read')),
  };
}

/**
 * Which devices, by id, only to a token that may see devices (devices:read): a workspace:read-only token
 * learns the mode, not the ids that GET /devices would refuse it.
 */
export function toDeviceAccessView(deviceAccess: DeviceAccess, mayListDevices: boolean): CallerDeviceAccessView {
  if (deviceAccess.mode === 'all') return { mode: 'all' };
  return mayListDevices ? { mode: 'selected', deviceIds: [...deviceAccess.deviceIds].sort() } : { mode: 'selected' };
}
