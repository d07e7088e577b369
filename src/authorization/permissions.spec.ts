import { ErrorCode } from '../common/errors';
import {
  assertPermission,
  assertWorkspaceRule,
  effectivePermissions,
  namesWorkspace,
  Permission,
  PermissionHolder,
  RolesOf,
  scopesCover,
  WorkspaceRule,
} from './permissions';
import { verdict } from '../../test/support/rule-verdict';

const forbidden = (detail: string) => ({ code: ErrorCode.Forbidden, detail });
const noScope = (permission: string) => ({ code: ErrorCode.InsufficientScope, detail: `The token lacks the scope ${permission}.` });

/** Roles granting `roles`, through a token carrying `scopes`. */
const holder = (roles: Permission[], scopes: string[] = ['*'], isOwner = false): PermissionHolder => {
  const rolePermissions = new Set(roles);
  return { isOwner, rolePermissions, permissions: effectivePermissions(rolePermissions, scopes) };
};

describe('scopesCover', () => {
  it.each([
    [['*'], 'account:manage', true],
    [['devices:read'], 'devices:read', true],
    [['devices:read'], 'devices:update', false],
    [[], 'account:read', false],
  ])('%j covers %s: %s', (scopes, wanted, expected) => {
    expect(scopesCover(scopes, wanted)).toBe(expected);
  });
});

describe('effectivePermissions', () => {
  it.each<[string, Permission[], string[], Permission[]]>([
    ['* keeps what the roles grant', ['devices:read', 'audit:read'], ['*'], ['devices:read', 'audit:read']],
    ['scopes narrower than the roles', ['devices:read', 'audit:read'], ['devices:read'], ['devices:read']],
    [
      'scopes wider than the roles grant nothing more',
      ['devices:read'],
      ['devices:read', 'audit:read', 'account:manage'],
      ['devices:read'],
    ],
    ['only account scopes', ['devices:read'], ['account:read'], []],
    ['no roles', [], ['*'], []],
  ])('%s', (_case, roles, scopes, expected) => {
    expect([...effectivePermissions(new Set(roles), scopes)]).toEqual(expected);
  });
});

describe('assertPermission', () => {
  it.each<[string, PermissionHolder, RolesOf | undefined, unknown]>([
    ['roles and token grant it', holder(['devices:read']), undefined, 'allowed'],
    [
      'the roles do not grant it (the caller)',
      holder(['devices:update']),
      undefined,
      forbidden('Your roles in this workspace do not grant devices:read.'),
    ],
    [
      'the roles do not grant it (/v1/authorize)',
      holder(['devices:update']),
      'principal',
      forbidden("The principal's roles do not grant devices:read."),
    ],
    ['the roles grant it, the token scopes do not', holder(['devices:read'], ['devices:update']), undefined, noScope('devices:read')],
    [
      'the roles grant it, the token scopes do not (/v1/authorize)',
      holder(['devices:read'], ['account:read']),
      'principal',
      noScope('devices:read'),
    ],
    [
      'neither: the roles are named first',
      holder([], ['account:read']),
      undefined,
      forbidden('Your roles in this workspace do not grant devices:read.'),
    ],
    [
      'an owner is judged by its permissions alone',
      holder([], ['*'], true),
      undefined,
      forbidden('Your roles in this workspace do not grant devices:read.'),
    ],
  ])('%s', (_case, access, rolesOf, expected) => {
    expect(verdict(() => assertPermission(access, 'devices:read', rolesOf))).toEqual(expected);
  });
});

describe('assertWorkspaceRule', () => {
  const ownersOnly = forbidden('Only owners of this workspace may do this.');
  it.each<[string, PermissionHolder, WorkspaceRule, unknown]>([
    ['a member, no permission asked', holder([]), { workspaceMember: true }, 'allowed'],
    ['a permission held', holder(['members:manage']), { permission: 'members:manage' }, 'allowed'],
    [
      'a permission missing one',
      holder(['members:read']),
      { permission: 'members:manage' },
      forbidden('Your roles in this workspace do not grant members:manage.'),
    ],
    [
      'a permission outside the token',
      holder(['members:manage'], ['members:read']),
      { permission: 'members:manage' },
      noScope('members:manage'),
    ],
    ['owners only, an owner', holder([], ['*'], true), { ownerOnly: true }, 'allowed'],
    ['owners only, an admin', holder(['workspace:update']), { ownerOnly: true }, ownersOnly],
    [
      'owners only with a permission, an owner whose token lacks it',
      holder(['workspace:update'], ['workspace:read'], true),
      { ownerOnly: true, permission: 'workspace:update' },
      noScope('workspace:update'),
    ],
    [
      'owners only with a permission, a non-owner holding it: owners only first',
      holder(['workspace:update']),
      { ownerOnly: true, permission: 'workspace:update' },
      ownersOnly,
    ],
  ])('%s', (_case, access, rule, expected) => {
    expect(verdict(() => assertWorkspaceRule(access, rule))).toEqual(expected);
  });

  it('refuses a rule that asks nothing (deny by default)', () => {
    expect(namesWorkspace({})).toBe(false);
    expect(() => assertWorkspaceRule(holder([], ['*'], true), {})).toThrow(/names a permission/);
  });
});
