// Admission to a workspace, the same for every transport: owners first, then the permission through
// the roles (forbidden) and through the token (insufficient_scope); a rule that asks nothing is refused.
import type { Principal } from '../auth/principal';
import { ErrorCode } from '../common/errors';
import type { Permission } from './permissions';
import type { WorkspaceAccess } from './workspace-access';
import { assertAdmits, namesWorkspace } from './workspace-caller';

function access(rolePermissions: Permission[], tokenPermissions: Permission[], isOwner = false): WorkspaceAccess {
  return {
    workspaceId: 'w',
    membershipId: 'm',
    principal: { type: 'user', id: 'u' } as Principal,
    roleIds: [],
    isOwner,
    rolePermissions: new Set(rolePermissions),
    permissions: new Set(tokenPermissions),
    deviceAccess: { mode: 'all' },
  };
}

describe('assertAdmits', () => {
  it('admits a member under workspaceMember, and a holder of the permission', () => {
    expect(() => assertAdmits(access([], []), { workspaceMember: true })).not.toThrow();
    expect(() => assertAdmits(access(['devices:read'], ['devices:read']), { permission: 'devices:read' })).not.toThrow();
  });

  it('refuses a permission the roles lack (forbidden) or the token lacks (insufficient_scope)', () => {
    expect(() => assertAdmits(access([], []), { permission: 'devices:read' })).toThrow(expect.objectContaining({ code: ErrorCode.Forbidden }));
    expect(() => assertAdmits(access(['devices:read'], []), { permission: 'devices:read' })).toThrow(expect.objectContaining({ code: ErrorCode.InsufficientScope }));
  });

  it('checks ownership before the permission', () => {
    expect(() => assertAdmits(access([], [], false), { permission: 'workspace:delete', ownerOnly: true })).toThrow(/Only owners/);
    expect(() => assertAdmits(access(['workspace:delete'], ['workspace:delete'], true), { permission: 'workspace:delete', ownerOnly: true })).not.toThrow();
  });

  it('refuses a rule that asks nothing of the workspace', () => {
    expect(namesWorkspace({})).toBe(false);
    expect(() => assertAdmits(access([], []), {})).toThrow(/names a permission/);
  });
});
