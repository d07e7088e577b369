// No escalation inside a workspace, written once: a principal grants only roles whose permissions it
// holds (its effective rights, after its token's scopes), device access within its own, and owner
// only if it is an owner.
import { DomainError, ErrorCode } from '../common/errors';
import { DeviceAccess, deviceAccessWithin } from './device-access';
import type { WorkspaceAccess } from './workspace-access';

/**
 * What a principal holds in a workspace: a caller's WorkspaceAccess (its permissions narrowed by its
 * token), or a principal's rights through its roles alone (WorkspaceAccessResolver.holdings).
 */
export interface Holdings {
  isOwner: boolean;
  permissions: ReadonlySet<string>;
  deviceAccess: DeviceAccess;
}

interface GrantableRole {
  name: string;
  permissions: string[];
  builtIn: string | null;
}

export function assertCanGrantRoles(grantor: Holdings, roles: GrantableRole[]): void {
  for (const role of roles) {
    if (role.builtIn === 'owner' && !grantor.isOwner) {
      throw new DomainError(ErrorCode.Forbidden, 'Only owners may grant or take the owner role.');
    }
    const missing = role.permissions.filter((p) => !grantor.permissions.has(p));
    if (missing.length > 0) {
      throw new DomainError(ErrorCode.Forbidden, `You cannot grant the role "${role.name}": it includes ${missing.join(', ')}, which you do not hold.`);
    }
  }
}

/** Defining a role is bounded the same way: nobody writes permissions they do not hold into a role. */
export function assertCanDefinePermissions(grantor: WorkspaceAccess, permissions: string[]): void {
  assertCanGrantRoles(grantor, [{ name: 'new role', permissions, builtIn: null }]);
}

export function assertCanGrantDevices(grantor: Holdings, granted: DeviceAccess): void {
  if (!deviceAccessWithin(grantor.deviceAccess, granted)) {
    throw new DomainError(ErrorCode.Forbidden, 'You can only grant access to devices you can reach yourself.');
  }
}

/**
 * To change, remove or cut off a principal (a member or an API user, one of its tokens included), the
 * caller holds every permission it holds (through the caller's token) and reaches every device it
 * reaches; only owners act on owners. Otherwise anyone with members:manage, api_users:manage or
 * tokens:manage could take a stronger principal's rights apart, or lock it out.
 */
export function assertCanActOn(actor: Holdings, target: Holdings, what: string): void {
  if (target.isOwner && !actor.isOwner) {
    throw new DomainError(ErrorCode.Forbidden, `Only owners may change, remove or cut off ${what}: it is an owner.`);
  }
  const missing = [...target.permissions].filter((p) => !actor.permissions.has(p));
  if (missing.length > 0) {
    throw new DomainError(ErrorCode.Forbidden, `You cannot change, remove or cut off ${what}: it holds ${missing.join(', ')}, which you do not hold.`);
  }
  if (!deviceAccessWithin(actor.deviceAccess, target.deviceAccess)) {
    throw new DomainError(ErrorCode.Forbidden, `You cannot change, remove or cut off ${what}: it reaches devices you cannot reach.`);
  }
}

/** An owner reaches every device, so a workspace (which always has an owner) never loses device access "all". */
export function assertOwnerReachesAll(isOwner: boolean, access: DeviceAccess): void {
  if (isOwner && access.mode !== 'all') {
    throw new DomainError(ErrorCode.Conflict, 'An owner always has access to all devices; take the owner role away first to narrow it.');
  }
}
