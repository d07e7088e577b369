// The permission catalog (GET /v1/permissions), the account scopes a token may carry, the built-in roles,
// and the permission check, written once for the guard, the write re-check under the lock and /v1/authorize.
import { DomainError, ErrorCode } from '../common/errors';

export const PERMISSIONS = [
  'workspace:read',
  'workspace:update',
  'workspace:delete',
  'members:read',
  'members:manage',
  'roles:read',
  'roles:manage',
  'devices:read',
  'devices:create',
  'devices:update',
  'devices:delete',
  'measurements:read',
  'measurements:write',
  'api_users:read',
  'api_users:manage',
  'tokens:read',
  'tokens:manage',
  'audit:read',
  'webhooks:read',
  'webhooks:manage',
  'teams:read',
  'teams:manage',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

export const ACCOUNT_SCOPES = ['account:read', 'account:manage'] as const;
export type AccountScope = (typeof ACCOUNT_SCOPES)[number];

/** `*` stands for everything the principal has. */
export const ALL_SCOPES = '*';
export type Scope = Permission | AccountScope | typeof ALL_SCOPES;
export const GRANTABLE_SCOPES: readonly string[] = [...PERMISSIONS, ...ACCOUNT_SCOPES, ALL_SCOPES];

export const PERMISSION_DESCRIPTIONS: Record<Permission | AccountScope, string> = {
  'workspace:read': 'See the workspace',
  'workspace:update': 'Rename the workspace and change its settings',
  'workspace:delete': 'Delete the workspace (owners only)',
  'members:read': 'See members and invitations',
  'members:manage': 'Invite, change and remove members',
  'roles:read': 'See roles',
  'roles:manage': 'Create, change and delete custom roles',
  'devices:read': 'See devices within device access',
  'devices:create': 'Create devices (needs device access to all devices)',
  'devices:update': 'Change devices within device access',
  'devices:delete': 'Delete devices within device access',
  'measurements:read': 'Read device data within device access',
  'measurements:write': 'Write device data within device access',
  'api_users:read': 'See API users',
  'api_users:manage': 'Create, change and delete API users and their tokens',
  'tokens:read': 'See every token that can reach the workspace; introspect them',
  'tokens:manage': 'Revoke any token that can reach the workspace',
  'audit:read': 'Read the workspace audit log',
  'webhooks:read': 'See webhook endpoints and their deliveries (never their signing secrets; needs device access to all devices)',
  'webhooks:manage':
    'Create, change, delete and test webhook endpoints, rotate their secrets, redeliver (needs device access to all devices)',
  'teams:read': 'See teams, their roles, device access, members and API users',
  'teams:manage': 'Create, change and delete teams and put members and API users in them (only with the rights a team hands out)',
  'account:read': 'Read your own profile and token list',
  'account:manage': 'Create, rotate and revoke your own tokens; change your profile',
};

export type BuiltInRole = 'owner' | 'admin' | 'member' | 'viewer';

/** Built-in roles exist in every workspace and cannot be changed or deleted. */
export const BUILT_IN_ROLES: Record<BuiltInRole, { description: string; permissions: Permission[] }> = {
  owner: {
    description: 'Everything, including deleting the workspace, owner management and the token policy',
    permissions: [...PERMISSIONS],
  },
  admin: {
    description: 'Everything but deleting the workspace and owner management',
    permissions: PERMISSIONS.filter((p) => p !== 'workspace:delete'),
  },
  member: {
    description: 'Use the workspace and its devices',
    permissions: [
      'workspace:read',
      'members:read',
      'roles:read',
      'devices:read',
      'devices:create',
      'devices:update',
      'measurements:read',
      'measurements:write',
    ],
  },
  viewer: { description: 'Read-only', permissions: ['workspace:read', 'members:read', 'roles:read', 'devices:read', 'measurements:read'] },
};

export function isPermission(value: string): value is Permission {
  return (PERMISSIONS as readonly string[]).includes(value);
}

// --- the permission check ---------------------------------------------------------------------

/** Does a token carrying `scopes` cover `wanted`? */
export function scopesCover(scopes: readonly string[], wanted: string): boolean {
  return scopes.includes(ALL_SCOPES) || scopes.includes(wanted);
}

/** A token's effective rights in a workspace: what its principal's roles grant, narrowed to its scopes. */
export function effectivePermissions(rolePermissions: ReadonlySet<Permission>, scopes: readonly string[]): ReadonlySet<Permission> {
  return scopes.includes(ALL_SCOPES) ? rolePermissions : new Set([...rolePermissions].filter((p) => scopes.includes(p)));
}

/** What the check reads of a principal's access to a workspace (WorkspaceAccess in workspace-access.ts). */
export interface PermissionHolder {
  isOwner: boolean;
  /** What the roles grant, before the token's scopes are applied. */
  rolePermissions: ReadonlySet<Permission>;
  /** The token's effective rights: effectivePermissions(). */
  permissions: ReadonlySet<Permission>;
}

/** Whose roles a refusal speaks of: the caller's own (a route), or the principal /v1/authorize asks about. */
export type RolesOf = 'caller' | 'principal';
const ROLES_OF: Record<RolesOf, string> = { caller: 'Your roles in this workspace', principal: "The principal's roles" };

/** 403 unless the roles grant the permission (forbidden) and the token's scopes carry it (insufficient_scope). */
export function assertPermission(access: PermissionHolder, permission: Permission, rolesOf: RolesOf = 'caller'): void {
  if (!access.rolePermissions.has(permission)) {
    throw new DomainError(ErrorCode.Forbidden, `${ROLES_OF[rolesOf]} do not grant ${permission}.`);
  }
  if (!access.permissions.has(permission)) {
    throw new DomainError(ErrorCode.InsufficientScope, `The token lacks the scope ${permission}.`);
  }
}

/**
 * A route's rule in a workspace (its @Authenticated options, or what a job asks of its caller): hold
 * `permission` (through the roles and the token), be an owner (`ownerOnly`), or merely be a member
 * (`workspaceMember`). At least one must be said.
 */
export interface WorkspaceRule {
  permission?: Permission;
  ownerOnly?: boolean;
  workspaceMember?: boolean;
}

/** True when the rule asks anything of a workspace (the guard then needs a :wid). */
export function namesWorkspace(rule: WorkspaceRule): boolean {
  return rule.permission !== undefined || rule.ownerOnly === true || rule.workspaceMember === true;
}

/**
 * The rule on the caller's access: owners only first, then the permission. The guard (through
 * WorkspaceAccessResolver.admit) and the write runner's re-check under the lock judge with this.
 * Membership itself was settled when the access was resolved.
 */
export function assertWorkspaceRule(access: PermissionHolder, rule: WorkspaceRule): void {
  // Deny by default: a rule that asks nothing would admit every member to whatever it guards.
  if (!namesWorkspace(rule)) throw new Error('a workspace rule names a permission, ownerOnly or workspaceMember');
  if (rule.ownerOnly && !access.isOwner) throw new DomainError(ErrorCode.Forbidden, 'Only owners of this workspace may do this.');
  if (rule.permission) assertPermission(access, rule.permission);
}
