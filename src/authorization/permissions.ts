// The permission catalog (GET /v1/permissions), the account scopes a token may carry, and the built-in roles.

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
  'account:read': 'Read your own profile and token list',
  'account:manage': 'Create, rotate and revoke your own tokens; change your profile',
};

/** Does a token carrying `scopes` cover `wanted`? */
export function scopesCover(scopes: readonly string[], wanted: string): boolean {
  return scopes.includes(ALL_SCOPES) || scopes.includes(wanted);
}

/** May a token with `own` scopes create a token with `requested` scopes? Only a subset of its own. */
export function scopesInclude(own: readonly string[], requested: readonly string[]): boolean {
  if (own.includes(ALL_SCOPES)) return true;
  return requested.every((scope) => scope !== ALL_SCOPES && own.includes(scope));
}

export type BuiltInRole = 'owner' | 'admin' | 'member' | 'viewer';

/** Built-in roles exist in every workspace and cannot be changed or deleted. */
export const BUILT_IN_ROLES: Record<BuiltInRole, { description: string; permissions: Permission[] }> = {
  owner: { description: 'Everything, including deleting the workspace, owner management and the token policy', permissions: [...PERMISSIONS] },
  admin: { description: 'Everything but deleting the workspace and owner management', permissions: PERMISSIONS.filter((p) => p !== 'workspace:delete') },
  member: {
    description: 'Use the workspace and its devices',
    permissions: ['workspace:read', 'members:read', 'roles:read', 'devices:read', 'devices:create', 'devices:update', 'measurements:read', 'measurements:write'],
  },
  viewer: { description: 'Read-only', permissions: ['workspace:read', 'members:read', 'roles:read', 'devices:read', 'measurements:read'] },
};

/** These apply to a device, and only to devices inside the principal's device access. */
export const DEVICE_SCOPED_PERMISSIONS: ReadonlySet<Permission> = new Set([
  'devices:read',
  'devices:update',
  'devices:delete',
  'measurements:read',
  'measurements:write',
]);

export function isPermission(value: string): value is Permission {
  return (PERMISSIONS as readonly string[]).includes(value);
}
