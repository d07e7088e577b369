// No escalation inside a workspace, written once: a principal grants only roles whose permissions it
// holds (its effective rights, after its token's scopes), device access within its own, and owner
// only if it is an owner.
import { DomainError, ErrorCode } from '../common/errors';
import { DeviceAccess, deviceAccessWithin } from './device-access';
import type { WorkspaceAccess } from './workspace-access';

interface GrantableRole {
  name: string;
  permissions: string[];
  builtIn: string | null;
}

export function assertCanGrantRoles(grantor: WorkspaceAccess, roles: GrantableRole[]): void {
  for (const role of roles) {
    if (role.builtIn === 'owner' && !grantor.isOwner) {
      throw new DomainError(ErrorCode.Forbidden, 'Only owners may grant or take the owner role.');
    }
    const missing = role.permissions.filter((p) => !(grantor.permissions as ReadonlySet<string>).has(p));
    if (missing.length > 0) {
      throw new DomainError(ErrorCode.Forbidden, `You cannot grant the role "${role.name}": it includes ${missing.join(', ')}, which you do not hold.`);
    }
  }
}

/** Defining a role is bounded the same way: nobody writes permissions they do not hold into a role. */
export function assertCanDefinePermissions(grantor: WorkspaceAccess, permissions: string[]): void {
  assertCanGrantRoles(grantor, [{ name: 'new role', permissions, builtIn: null }]);
}

export function assertCanGrantDevices(grantor: WorkspaceAccess, granted: DeviceAccess): void {
  if (!deviceAccessWithin(grantor.deviceAccess, granted)) {
    throw new DomainError(ErrorCode.Forbidden, 'You can only grant access to devices you can reach yourself.');
  }
}
