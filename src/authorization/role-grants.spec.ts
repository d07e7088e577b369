import type { Principal } from '../auth/principal';
import { DomainError, ErrorCode } from '../common/errors';
import type { DeviceAccess } from './device-access';
import type { Permission } from './permissions';
import { assertCanActOn, assertOwnerReachesAll, Holdings } from './role-grants';
import type { WorkspaceAccess } from './workspace-access';

const actor = (permissions: Permission[], deviceAccess: DeviceAccess, isOwner = false): WorkspaceAccess => ({
  workspaceId: 'w',
  membershipId: 'm',
  principal: {} as Principal,
  roleIds: [],
  isOwner,
  rolePermissions: new Set(permissions),
  permissions: new Set(permissions),
  deviceAccess,
});
const target = (permissions: string[], deviceAccess: DeviceAccess, isOwner = false): Holdings => ({ isOwner, permissions: new Set(permissions), deviceAccess });
const code = (fn: () => void) => {
  try {
    fn();
    return null;
  } catch (error) {
    return (error as DomainError).code;
  }
};

describe('assertCanActOn (M1)', () => {
  const all: DeviceAccess = { mode: 'all' };
  const one: DeviceAccess = { mode: 'selected', deviceIds: ['d1'] };

  it('lets a caller act on a principal holding no more than it does', () => {
    expect(code(() => assertCanActOn(actor(['members:manage', 'devices:read'], one), target(['devices:read'], one), 'x'))).toBeNull();
    expect(code(() => assertCanActOn(actor(['members:manage'], all), target([], { mode: 'selected', deviceIds: [] }), 'x'))).toBeNull();
  });

  it('refuses a principal holding a permission the caller lacks, or a device it cannot reach', () => {
    expect(code(() => assertCanActOn(actor(['members:manage'], all), target(['devices:create'], one), 'x'))).toBe(ErrorCode.Forbidden);
    expect(code(() => assertCanActOn(actor(['members:manage'], one), target([], all), 'x'))).toBe(ErrorCode.Forbidden);
    expect(code(() => assertCanActOn(actor(['members:manage'], one), target([], { mode: 'selected', deviceIds: ['d1', 'd2'] }), 'x'))).toBe(ErrorCode.Forbidden);
  });

  it('lets only owners act on owners', () => {
    expect(code(() => assertCanActOn(actor(['members:manage'], all), target([], all, true), 'x'))).toBe(ErrorCode.Forbidden);
    expect(code(() => assertCanActOn(actor([], all, true), target([], all, true), 'x'))).toBeNull();
  });

  it('keeps an owner on device access all', () => {
    expect(code(() => assertOwnerReachesAll(true, { mode: 'selected', deviceIds: ['d1'] }))).toBe(ErrorCode.Conflict);
    expect(code(() => assertOwnerReachesAll(true, { mode: 'all' }))).toBeNull();
    expect(code(() => assertOwnerReachesAll(false, { mode: 'selected', deviceIds: [] }))).toBeNull();
  });
});
