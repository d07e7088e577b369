// Row shapes of the workspace domain, as the repositories return them.
import type { DeviceAccess } from '../authorization/device-rules';
import type { BuiltInRole } from '../authorization/permissions';

export interface WorkspaceRecord {
  id: string;
  name: string;
  slug: string;
  maxLifetimeDays: number | null;
  allowPersonalTokens: boolean;
  /** Tokens reaching the workspace and unused this many days are cut off from it (src/tokens/unused-tokens.ts); null: never. */
  revokeUnusedAfterDays: number | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface RoleRecord {
  id: string;
  workspaceId: string;
  name: string;
  description: string | null;
  permissions: string[];
  builtIn: BuiltInRole | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface MemberRecord {
  membershipId: string;
  userId: string;
  email: string;
  name: string;
  roles: Array<{ id: string; name: string; builtIn: BuiltInRole | null }>;
  deviceAccess: DeviceAccess;
  createdAt: Date;
  id: string;
}

export interface InvitationRecord {
  id: string;
  workspaceId: string;
  email: string;
  roleIds: string[];
  deviceAccess: 'all' | 'selected';
  deviceIds: string[];
  hint: string;
  invitedByUserId: string | null;
  /** Set when an API user issued (or last resent) it; at most one of the two inviters is set. */
  invitedByApiUserId: string | null;
  /** The token its inviter acted with (src/authorization/made-by.ts); null before it was recorded. */
  invitedByTokenId: string | null;
  createdAt: Date;
  expiresAt: Date;
  acceptedAt: Date | null;
  acceptedByUserId: string | null;
  declinedAt: Date | null;
  revokedAt: Date | null;
}

/** The device access an invitation grants, as stored (devices deleted since are still named). */
export function invitationDeviceAccess(i: Pick<InvitationRecord, 'deviceAccess' | 'deviceIds'>): DeviceAccess {
  return i.deviceAccess === 'all' ? { mode: 'all' } : { mode: 'selected', deviceIds: i.deviceIds };
}
