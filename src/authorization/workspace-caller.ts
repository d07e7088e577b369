// A caller in a workspace, whatever the transport: the principal's resolved access there and the rule
// it was admitted under. The REST guard makes one from a route's :wid (AccessGuard); a GraphQL resolver
// or a background job makes one the same way (WorkspaceAccessResolver.admit), and a write re-checks
// the same rule under the workspace's lock (WorkspaceWrites), so a permission is named only where the
// route (or the job) declares it.
import { DomainError, ErrorCode } from '../common/errors';
import type { Permission } from './permissions';
import type { WorkspaceAccess } from './workspace-access';

/**
 * What a caller must be in the workspace: hold `permission` (through its roles and its token), be an
 * owner (`ownerOnly`), or merely a member (`workspaceMember`). At least one must be said.
 */
export interface WorkspaceRule {
  permission?: Permission;
  ownerOnly?: boolean;
  workspaceMember?: boolean;
}

/** The caller's access as it was admitted (the cache may have served it), and the rule it was admitted under. */
export interface WorkspaceCaller extends WorkspaceAccess {
  readonly rule: WorkspaceRule;
}

/** True when the rule asks anything of a workspace (the guard then needs a :wid). */
export function namesWorkspace(rule: WorkspaceRule): boolean {
  return rule.permission !== undefined || rule.ownerOnly === true || rule.workspaceMember === true;
}

/**
 * 403 unless the access meets the rule: owners first, then the permission (forbidden for the roles,
 * insufficient_scope for the token). Membership itself was settled when the access was resolved.
 */
export function assertAdmits(access: WorkspaceAccess, rule: WorkspaceRule): void {
  // Deny by default: a rule that asks nothing would admit every member to whatever it guards.
  if (!namesWorkspace(rule)) throw new Error('a workspace rule names a permission, ownerOnly or workspaceMember');
  if (rule.ownerOnly && !access.isOwner) throw new DomainError(ErrorCode.Forbidden, 'Only owners of this workspace may do this.');
  if (rule.permission) assertPermission(access, rule.permission);
}

/** 403 unless the roles grant the permission (forbidden) and the token's scopes carry it (insufficient_scope). */
export function assertPermission(access: WorkspaceAccess, permission: Permission): void {
  if (!access.rolePermissions.has(permission)) {
    throw new DomainError(ErrorCode.Forbidden, `Your roles in this workspace do not grant ${permission}.`);
  }
  if (!access.permissions.has(permission)) {
    throw new DomainError(ErrorCode.InsufficientScope, `The token lacks the scope ${permission}.`);
  }
}
