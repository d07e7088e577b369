import type { AuthenticatedToken } from '../auth/principal';
import { ErrorCode } from '../common/errors';
import type { DeviceAccess } from './device-rules';
import {
  assertApiUserRoles,
  assertCanActOn,
  assertCanDefinePermissions,
  assertCanGrantDevices,
  assertCanGrantRoles,
  assertCanGrantTeam,
  assertMayGrantOrTakeOwner,
  assertOwnerReachesAll,
  assertScopesWellFormed,
  assertTokenCanGrant,
  canActOn,
  canGrantTeam,
  capToGrantor,
  GrantableRole,
  grantableScopes,
  Holdings,
  includesOwnerRole,
  isLoginSession,
  RequestedGrant,
  grantWidens,
} from './grants';
import { BUILT_IN_ROLES } from './permissions';
import { verdict } from '../../test/support/rule-verdict';

const forbidden = (detail: string) => ({ code: ErrorCode.Forbidden, detail });
const invalid = (field: string, message: string) => ({
  code: ErrorCode.ValidationFailed,
  detail: 'The request is not valid.',
  errors: [{ field, message }],
});

const ALL: DeviceAccess = { mode: 'all' };
const NONE: DeviceAccess = { mode: 'selected', deviceIds: [] };
const D1: DeviceAccess = { mode: 'selected', deviceIds: ['d1'] };
const D2: DeviceAccess = { mode: 'selected', deviceIds: ['d2'] };
const D12: DeviceAccess = { mode: 'selected', deviceIds: ['d1', 'd2'] };
/** A device no workspace has: existence is the caller's check (GrantValidator), the rule judges reach alone. */
const UNKNOWN: DeviceAccess = { mode: 'selected', deviceIds: ['unknown'] };

const held = (permissions: readonly string[], deviceAccess: DeviceAccess = ALL, isOwner = false): Holdings => ({
  isOwner,
  permissions: new Set(permissions),
  deviceAccess,
});
const owner = held(BUILT_IN_ROLES.owner.permissions, ALL, true);
const admin = held(BUILT_IN_ROLES.admin.permissions);
const member = held(BUILT_IN_ROLES.member.permissions, D1);
/** An admin whose token carries only some scopes: its effective rights are the narrower set. */
const adminThroughNarrowToken = held(['members:manage', 'devices:read']);

const role = (name: string, permissions: string[], builtIn: string | null = null): GrantableRole => ({ name, permissions, builtIn });
const ownerRole = role('owner', [...BUILT_IN_ROLES.owner.permissions], 'owner');
const viewerRole = role('viewer', [...BUILT_IN_ROLES.viewer.permissions], 'viewer');

describe('assertCanGrantRoles', () => {
  it.each([
    ['an owner grants owner', owner, [ownerRole], 'allowed'],
    ['an admin grants owner', admin, [ownerRole], forbidden('Only owners may grant or take the owner role.')],
    [
      'a non-owner holding every permission grants owner',
      held(BUILT_IN_ROLES.owner.permissions),
      [ownerRole],
      forbidden('Only owners may grant or take the owner role.'),
    ],
    ['an admin grants viewer', admin, [viewerRole], 'allowed'],
    ['a member grants viewer', member, [viewerRole], 'allowed'],
    [
      'a member grants a role with one permission it lacks',
      member,
      [role('ops', ['devices:read', 'devices:delete'])],
      forbidden('You cannot grant the role "ops": it includes devices:delete, which you do not hold.'),
    ],
    [
      'a member grants a role with two it lacks',
      member,
      [role('ops', ['audit:read', 'devices:delete'])],
      forbidden('You cannot grant the role "ops": it includes audit:read, devices:delete, which you do not hold.'),
    ],
    [
      'the first refused role of several is named',
      member,
      [viewerRole, role('a', ['audit:read']), role('b', ['tokens:read'])],
      forbidden('You cannot grant the role "a": it includes audit:read, which you do not hold.'),
    ],
    [
      'an admin through a narrow token grants what its roles hold but the token does not',
      adminThroughNarrowToken,
      [viewerRole],
      forbidden(
        'You cannot grant the role "viewer": it includes workspace:read, members:read, roles:read, measurements:read, which you do not hold.',
      ),
    ],
    ['an admin through a narrow token grants within the token', adminThroughNarrowToken, [role('reader', ['devices:read'])], 'allowed'],
    ['nothing is granted', held([]), [], 'allowed'],
    ['a role without permissions', held([]), [role('empty', [])], 'allowed'],
  ])('%s', (_case, grantor, roles, expected) => {
    expect(verdict(() => assertCanGrantRoles(grantor, roles))).toEqual(expected);
  });
});

describe('assertCanDefinePermissions', () => {
  it.each([
    ['permissions it holds', member, ['devices:read', 'measurements:write'], 'allowed'],
    ['no permissions', held([]), [], 'allowed'],
    [
      'one it does not hold',
      member,
      ['devices:read', 'audit:read'],
      forbidden('You cannot grant the role "new role": it includes audit:read, which you do not hold.'),
    ],
    [
      'one its roles grant but its token does not carry',
      adminThroughNarrowToken,
      ['tokens:manage'],
      forbidden('You cannot grant the role "new role": it includes tokens:manage, which you do not hold.'),
    ],
    ['an owner, anything', owner, [...BUILT_IN_ROLES.owner.permissions], 'allowed'],
  ])('%s', (_case, grantor, permissions, expected) => {
    expect(verdict(() => assertCanDefinePermissions(grantor, permissions))).toEqual(expected);
  });
});

describe('assertCanGrantDevices', () => {
  const refused = forbidden('You can only grant access to devices you can reach yourself.');
  it.each([
    ['all grants all', ALL, ALL, 'allowed'],
    ['all grants a selection', ALL, D12, 'allowed'],
    ['all grants an empty selection', ALL, NONE, 'allowed'],
    ['all grants an unknown device', ALL, UNKNOWN, 'allowed'],
    ['a selection grants all', D12, ALL, refused],
    ['a selection grants itself', D12, D12, 'allowed'],
    ['a selection grants part of itself', D12, D2, 'allowed'],
    ['a selection grants an empty selection', D1, NONE, 'allowed'],
    ['a selection grants one device more', D1, D12, refused],
    ['a selection grants another device', D1, D2, refused],
    ['a selection grants an unknown device', D1, UNKNOWN, refused],
    ['an empty selection grants an empty selection', NONE, NONE, 'allowed'],
    ['an empty selection grants one device', NONE, D1, refused],
    ['an empty selection grants all', NONE, ALL, refused],
  ])('%s', (_case, own, granted, expected) => {
    expect(verdict(() => assertCanGrantDevices(held([], own), granted))).toEqual(expected);
  });
});

describe('assertCanGrantTeam', () => {
  const auditor = role('Auditor', ['workspace:read', 'audit:read']);
  const ownerless = invalid('roleIds', 'a team cannot hold the owner role; ownership is granted to members only');
  it.each([
    ['an owner defines a viewer team over all devices', owner, { roles: [viewerRole], deviceAccess: ALL }, 'allowed'],
    ['an owner defines an owner team', owner, { roles: [ownerRole], deviceAccess: ALL }, ownerless],
    ['an admin defines a team of roles it holds', admin, { roles: [viewerRole, auditor], deviceAccess: D1 }, 'allowed'],
    [
      'an admin defines a team holding workspace:delete',
      admin,
      { roles: [role('Deleter', ['workspace:delete'])], deviceAccess: ALL },
      forbidden('You cannot grant the role "Deleter": it includes workspace:delete, which you do not hold.'),
    ],
    ['a member defines a device-only team within its devices', member, { roles: [], deviceAccess: D1 }, 'allowed'],
    [
      'a member defines a team over all devices',
      member,
      { roles: [], deviceAccess: ALL },
      forbidden('You can only grant access to devices you can reach yourself.'),
    ],
    [
      'a member defines an auditor team',
      member,
      { roles: [auditor], deviceAccess: NONE },
      forbidden('You cannot grant the role "Auditor": it includes audit:read, which you do not hold.'),
    ],
    [
      'an admin through a narrow token defines a viewer team',
      adminThroughNarrowToken,
      { roles: [viewerRole], deviceAccess: NONE },
      forbidden(
        'You cannot grant the role "viewer": it includes workspace:read, members:read, roles:read, measurements:read, which you do not hold.',
      ),
    ],
  ])('%s', (_case, grantor, team, expected) => {
    expect(verdict(() => assertCanGrantTeam(grantor, team))).toEqual(expected);
    expect(canGrantTeam(grantor, team)).toBe(expected === 'allowed');
  });
});

describe('owner role', () => {
  it.each([
    ['no roles', [], false],
    ['viewer', [viewerRole], false],
    ['owner among others', [viewerRole, ownerRole], true],
    ['a custom role named "owner" is not the owner role', [role('owner', [])], false],
  ])('includesOwnerRole: %s', (_case, roles, expected) => {
    expect(includesOwnerRole(roles)).toBe(expected);
  });

  it.each([
    ['an owner', owner, 'allowed'],
    ['an admin', admin, forbidden('Only owners may grant or take the owner role.')],
  ])('assertMayGrantOrTakeOwner: %s', (_case, actor, expected) => {
    expect(verdict(() => assertMayGrantOrTakeOwner(actor))).toEqual(expected);
  });

  it.each([
    ['no roles', [], 'allowed'],
    ['admin and viewer', [role('admin', [], 'admin'), viewerRole], 'allowed'],
    ['owner', [ownerRole], invalid('roleIds', 'API users cannot hold the owner role')],
    ['owner among others', [viewerRole, ownerRole], invalid('roleIds', 'API users cannot hold the owner role')],
  ])('assertApiUserRoles: %s', (_case, roles, expected) => {
    expect(verdict(() => assertApiUserRoles(roles))).toEqual(expected);
  });

  const conflict = {
    code: ErrorCode.Conflict,
    detail: 'An owner always has access to all devices; take the owner role away first to narrow it.',
  };
  it.each([
    ['an owner on all', true, ALL, 'allowed'],
    ['an owner on a selection', true, D1, conflict],
    ['an owner on an empty selection', true, NONE, conflict],
    ['a non-owner on a selection', false, D1, 'allowed'],
    ['a non-owner on an empty selection', false, NONE, 'allowed'],
  ])('assertOwnerReachesAll: %s', (_case, isOwner, access, expected) => {
    expect(verdict(() => assertOwnerReachesAll(isOwner, access))).toEqual(expected);
  });
});

describe('assertCanActOn (M1)', () => {
  const x = 'this member';
  it.each([
    ['a principal holding less', held(['members:manage', 'devices:read'], D1), held(['devices:read'], D1), 'allowed'],
    ['a principal holding nothing, on an empty selection', held(['members:manage'], ALL), held([], NONE), 'allowed'],
    ['a principal holding the same', admin, admin, 'allowed'],
    ['an owner acts on an owner', owner, owner, 'allowed'],
    ['an owner acts on an admin', owner, admin, 'allowed'],
    ['an admin acts on an owner', admin, owner, forbidden('Only owners may change, remove or cut off this member: it is an owner.')],
    [
      'a non-owner holding everything acts on an owner',
      held(BUILT_IN_ROLES.owner.permissions),
      owner,
      forbidden('Only owners may change, remove or cut off this member: it is an owner.'),
    ],
    [
      'a principal holding one permission more',
      held(['members:manage'], ALL),
      held(['devices:create'], D1),
      forbidden('You cannot change, remove or cut off this member: it holds devices:create, which you do not hold.'),
    ],
    [
      "a principal holding what the caller's token does not carry",
      adminThroughNarrowToken,
      held(['audit:read']),
      forbidden('You cannot change, remove or cut off this member: it holds audit:read, which you do not hold.'),
    ],
    [
      'a principal reaching all devices, the caller a selection',
      held(['members:manage'], D1),
      held([], ALL),
      forbidden('You cannot change, remove or cut off this member: it reaches devices you cannot reach.'),
    ],
    [
      'a principal reaching one device more',
      held(['members:manage'], D1),
      held([], D12),
      forbidden('You cannot change, remove or cut off this member: it reaches devices you cannot reach.'),
    ],
    [
      'a principal reaching another device',
      held(['members:manage'], D1),
      held([], D2),
      forbidden('You cannot change, remove or cut off this member: it reaches devices you cannot reach.'),
    ],
    [
      'permissions are judged before devices',
      held([], NONE),
      held(['audit:read'], ALL),
      forbidden('You cannot change, remove or cut off this member: it holds audit:read, which you do not hold.'),
    ],
  ])('%s', (_case, actor, target, expected) => {
    expect(verdict(() => assertCanActOn(actor, target, x))).toEqual(expected);
  });
});

const token = (scopes: string[], workspaceIds: string[] | null = null, more: Partial<AuthenticatedToken> = {}): AuthenticatedToken => ({
  id: 't',
  kind: 'named',
  createdAt: new Date(0),
  scopes,
  workspaceIds,
  expiresAt: null,
  parentId: null,
  root: { kind: 'named', createdAt: new Date(0), expiresAt: null },
  blockedWorkspaceIds: [],
  boundDevices: null,
  deviceIds: null,
  allowedCidrs: null,
  ...more,
  // A user's token: the networks it may be used from are its own list.
  usableFromCidrs: more.usableFromCidrs ?? more.allowedCidrs ?? null,
});

describe('assertScopesWellFormed', () => {
  it.each([
    [['*'], 'allowed'],
    [['devices:read', 'account:read'], 'allowed'],
    [[], 'allowed'],
    [['*', 'devices:read'], invalid('scopes', '"*" cannot be combined with other scopes')],
    [['devices:read', '*'], invalid('scopes', '"*" cannot be combined with other scopes')],
  ])('%j', (scopes, expected) => {
    expect(verdict(() => assertScopesWellFormed(scopes))).toEqual(expected);
  });
});

describe('assertTokenCanGrant', () => {
  const scopesRefused = forbidden('A token can only grant scopes it holds itself.');
  const workspacesRefused = forbidden('A workspace-restricted token can only grant workspaces it is restricted to.');
  const grant = (scopes: string[], workspaceIds: string[] | null = null): RequestedGrant => ({ scopes, workspaceIds });
  it.each([
    ['* grants *', token(['*']), grant(['*']), 'allowed'],
    ['* grants any scope, anywhere', token(['*']), grant(['audit:read', 'account:manage'], ['w9']), 'allowed'],
    ['a subset of its scopes', token(['devices:read', 'account:manage']), grant(['devices:read']), 'allowed'],
    ['all of its scopes', token(['devices:read', 'account:manage']), grant(['account:manage', 'devices:read']), 'allowed'],
    ['no scopes', token(['devices:read']), grant([]), 'allowed'],
    ['a scope it lacks', token(['devices:read', 'account:manage']), grant(['devices:update']), scopesRefused],
    ['one of several it lacks', token(['devices:read']), grant(['devices:read', 'devices:update']), scopesRefused],
    ['* from a narrower token', token(['devices:read', 'account:manage']), grant(['*']), scopesRefused],
    ['a restricted token, within its workspaces', token(['*'], ['w1', 'w2']), grant(['devices:read'], ['w2']), 'allowed'],
    ['a restricted token, all of its workspaces', token(['*'], ['w1', 'w2']), grant(['devices:read'], ['w1', 'w2']), 'allowed'],
    ['a restricted token, another workspace', token(['*'], ['w1', 'w2']), grant(['devices:read'], ['w3']), workspacesRefused],
    ['a restricted token, one workspace more', token(['*'], ['w1']), grant(['devices:read'], ['w1', 'w3']), workspacesRefused],
    ['a restricted token, unrestricted', token(['*'], ['w1', 'w2']), grant(['devices:read'], null), workspacesRefused],
    ['scopes are judged before workspaces', token(['devices:read'], ['w1']), grant(['audit:read'], null), scopesRefused],
  ])('%s', (_case, grantor, requested, expected) => {
    expect(verdict(() => assertTokenCanGrant(grantor, requested))).toEqual(expected);
  });

  const devicesRefused = forbidden('A device-bound token can only grant devices it is bound to.');
  const networksRefused = forbidden('A network-bound token can only grant networks it may be used from itself.');
  const bound = token(['*'], null, { deviceIds: ['d1', 'd2'], allowedCidrs: ['10.0.0.0/8'] });
  const unbound = token(['*']);
  // An API user's token without a list of its own, its API user limited to 10.0.0.0/8 (review 12b, N1–N4).
  const apiUserBound = token(['*'], null, { allowedCidrs: null, usableFromCidrs: ['10.0.0.0/8'] });
  it.each([
    ['an unbound token binds to anything', unbound, { deviceIds: ['d9'], allowedCidrs: ['0.0.0.0/0'] }, 'allowed'],
    ['an unbound token makes an unbound one', unbound, { deviceIds: null, allowedCidrs: null }, 'allowed'],
    ['a bound token, within its devices and networks', bound, { deviceIds: ['d2'], allowedCidrs: ['10.1.0.0/16'] }, 'allowed'],
    ['a bound token, bindings not asked (rotation of scopes only)', bound, {}, 'allowed'],
    ['a bound token, unbound devices', bound, { deviceIds: null }, devicesRefused],
    ['a bound token, another device', bound, { deviceIds: ['d1', 'd3'] }, devicesRefused],
    ['a bound token, any network', bound, { allowedCidrs: null }, networksRefused],
    ['a bound token, a wider network', bound, { allowedCidrs: ['10.0.0.0/7'] }, networksRefused],
    ['a bound token, another network', bound, { allowedCidrs: ['2001:db8::/32'] }, networksRefused],
    ["a token held to its API user's list, any network", apiUserBound, { allowedCidrs: null }, networksRefused],
    ["a token held to its API user's list, a wider network", apiUserBound, { allowedCidrs: ['0.0.0.0/0'] }, networksRefused],
    ["a token held to its API user's list, within it", apiUserBound, { allowedCidrs: ['10.9.0.0/16'] }, 'allowed'],
  ])('%s', (_case, grantor, extra, expected) => {
    expect(verdict(() => assertTokenCanGrant(grantor, { ...grant(['*']), ...extra }))).toEqual(expected);
  });

  const namingRefused = forbidden('A token cut off from a workspace cannot grant it.');
  const reachingRefused = forbidden('A token cut off from a workspace cannot hand out a token that reaches it.');
  const cutOff = token(['*'], null, { blockedWorkspaceIds: ['w1'] });
  it.each([
    ['a cut-off token, a token restricted elsewhere', cutOff, grant(['*'], ['w2']), 'allowed'],
    ['a cut-off token, a token restricted to that workspace', cutOff, grant(['*'], ['w1']), namingRefused],
    ['a cut-off token, naming it among others', cutOff, grant(['*'], ['w2', 'w1']), namingRefused],
    [
      'a cut-off token, everywhere, cut off too (a new named token, its own rotation)',
      cutOff,
      { ...grant(['*']), blockedWorkspaceIds: ['w1'] },
      'allowed',
    ],
    [
      'a cut-off token, everywhere, not cut off (another token rotated or enabled)',
      cutOff,
      { ...grant(['*']), blockedWorkspaceIds: [] },
      reachingRefused,
    ],
    ['a cut-off token, everywhere, cut off elsewhere only', cutOff, { ...grant(['*']), blockedWorkspaceIds: ['w2'] }, reachingRefused],
    ['a cut-off token, cut-offs not part of the grant', cutOff, grant(['*']), 'allowed'],
    ['a token cut off nowhere, everywhere', token(['*']), { ...grant(['*']), blockedWorkspaceIds: [] }, 'allowed'],
  ])('%s', (_case, grantor, requested, expected) => {
    expect(verdict(() => assertTokenCanGrant(grantor, requested))).toEqual(expected);
  });
});

describe('capToGrantor', () => {
  const at = (hours: number) => new Date(hours * 3_600_000);
  const loginSession = token(['*'], null, { kind: 'session', parentId: null, expiresAt: at(12) });
  const exchangedSession = token(['*'], null, { kind: 'session', parentId: 'p', expiresAt: at(1) });
  it.each([
    ['a never-expiring grantor, a never-expiring token', token(['*']), null, null],
    ['a never-expiring grantor, an expiring token', token(['*']), at(100), at(100)],
    ['an expiring grantor, a never-expiring token', token(['*'], null, { expiresAt: at(10) }), null, at(10)],
    ['an expiring grantor, a longer token', token(['*'], null, { expiresAt: at(10) }), at(11), at(10)],
    ['an expiring grantor, a token ending with it', token(['*'], null, { expiresAt: at(10) }), at(10), at(10)],
    ['an expiring grantor, a shorter token', token(['*'], null, { expiresAt: at(10) }), at(9), at(9)],
    ['a login session, a never-expiring token', loginSession, null, null],
    ['a login session, a longer token', loginSession, at(100), at(100)],
    ['an exchanged session, a never-expiring token', exchangedSession, null, at(1)],
  ])('%s', (_case, grantor, wanted, expected) => {
    expect(capToGrantor({ type: 'user', token: grantor }, wanted)).toEqual(expected);
  });

  it("caps to an API user's parentless (federated) session: it proves no password", () => {
    expect(capToGrantor({ type: 'api_user', token: loginSession }, null)).toEqual(at(12));
    expect(isLoginSession({ type: 'api_user', token: loginSession })).toBe(false);
  });

  it.each([
    ['session', null, true],
    ['session', 'p', false],
    ['named', null, false],
    ['personal', null, false],
    ['api_user', null, false],
  ] as const)('isLoginSession: a %s with parent %s', (kind, parentId, expected) => {
    expect(isLoginSession({ type: 'user', token: { kind, parentId, expiresAt: null } })).toBe(expected);
  });
});

describe('grantableScopes', () => {
  it.each([
    [['*'], ['devices:read', 'workspace:read', 'devices:read'], ['devices:read', 'workspace:read']],
    [['devices:read', 'account:read'], ['workspace:read', 'devices:read'], ['devices:read']],
    [['account:manage'], ['devices:read'], []],
    [['*'], [], []],
  ])('a token with %j, of %j, may hand out %j', (own, permissions, expected) => {
    expect(grantableScopes(own, permissions)).toEqual(expected);
  });
});

describe('canActOn', () => {
  const holds = (permissions: string[], isOwner = false, deviceAccess: DeviceAccess = { mode: 'all' }): Holdings => ({
    isOwner,
    permissions: new Set(permissions),
    deviceAccess,
  });
  it.each([
    ['holds all it holds', holds(['devices:read', 'api_users:manage']), holds(['devices:read']), true],
    ['misses a permission', holds(['api_users:manage']), holds(['devices:read']), false],
    ['an owner, not being one', holds(['devices:read']), holds([], true), false],
    ['reaches fewer devices', holds(['devices:read'], false, { mode: 'selected', deviceIds: [] }), holds(['devices:read']), false],
  ])('%s -> %s', (_case, actor, target, expected) => {
    expect(canActOn(actor, target)).toBe(expected);
  });
});

describe('grantWidens', () => {
  const held = {
    isOwner: false,
    permissions: new Set(['devices:read', 'members:read']),
    deviceAccess: { mode: 'selected' as const, deviceIds: ['d1'] },
  };
  const role = (permissions: string[], builtIn: string | null = null) => ({ name: 'r', permissions, builtIn });

  it.each([
    ['nothing asked', null, null, false],
    ['roles within what is held', [role(['devices:read'])], null, false],
    ['no roles at all', [], null, false],
    ['a permission not held', [role(['devices:read', 'audit:read'])], null, true],
    ['the owner role', [role([], 'owner')], null, true],
    ['fewer devices', null, { mode: 'selected' as const, deviceIds: [] }, false],
    ['the same devices', null, { mode: 'selected' as const, deviceIds: ['d1'] }, false],
    ['another device', null, { mode: 'selected' as const, deviceIds: ['d2'] }, true],
    ['every device', null, { mode: 'all' as const }, true],
  ])('%s: %s', (_what, roles, deviceAccess, widens) => {
    expect(grantWidens(held, roles, deviceAccess)).toBe(widens);
  });

  it('for an owner, nothing widens', () => {
    expect(grantWidens({ ...held, isOwner: true, deviceAccess: { mode: 'all' } }, [role([], 'owner')], { mode: 'all' })).toBe(false);
  });
});
