// The device rules, written once: what a principal's device access lets it reach, and what needs
// every device of the workspace. Pure functions; the callers read the access and the devices.
import { DomainError, ErrorCode } from '../common/errors';
import type { Permission } from './permissions';

/** Device access on a membership or API user: every device of the workspace, or a chosen few. */
export type DeviceAccess = { mode: 'all' } | { mode: 'selected'; deviceIds: string[] };

/** These apply to a device, and only to devices inside the principal's device access. */
export const DEVICE_SCOPED_PERMISSIONS: ReadonlySet<Permission> = new Set([
  'devices:read',
  'devices:update',
  'devices:delete',
  'measurements:read',
  'measurements:write',
]);

/**
 * These tell of every device of the workspace: a webhook delivers the events of any device, and the
 * audit log records them (names, serials), whatever their reader's device access. A principal limited
 * to some devices does not hold them at all (security reviews: such a member read the other devices
 * through deliveries, and through the audit log and its export). Deleting the workspace deletes every
 * device: an owner's token bound to some devices, which cannot delete the others one by one, cannot
 * delete them all at once either (review 12b).
 */
export const WHOLE_WORKSPACE_PERMISSIONS: ReadonlySet<Permission> = new Set([
  'webhooks:read',
  'webhooks:manage',
  'audit:read',
  'workspace:delete',
]);

/** Does a permission the roles grant take effect with this device access? */
export function takesEffect(access: DeviceAccess, permission: Permission): boolean {
  return access.mode === 'all' || !WHOLE_WORKSPACE_PERMISSIONS.has(permission);
}

/** A workspace route's permission held to the device access (WorkspaceAccessResolver.admit, every transport). */
export function assertPermissionReach(access: DeviceAccess, permission: Permission): void {
  if (!takesEffect(access, permission)) assertReachesAllDevices(access, permission);
}

/** Is the device inside the access? (Whether the workspace has it is the caller's question.) */
export function reachesDevice(access: DeviceAccess, deviceId: string): boolean {
  return access.mode === 'all' || isSelected(access.deviceIds, deviceId);
}

/** Above this many devices a selection is looked up in a Set (made once per cached list), below it scanned. */
const LARGE_SELECTION = 32;
const selectionSets = new WeakMap<readonly string[], ReadonlySet<string>>();

/**
 * A selection's lists are cached with their access row (and a bound token's with the row and token):
 * a token bound to 1,000 devices would otherwise scan them on every check (bench: +10 µs a request).
 */
function isSelected(deviceIds: string[], deviceId: string): boolean {
  if (deviceIds.length <= LARGE_SELECTION) return deviceIds.includes(deviceId);
  let set = selectionSets.get(deviceIds);
  if (set === undefined) {
    set = new Set(deviceIds);
    selectionSets.set(deviceIds, set);
  }
  return set.has(deviceId);
}

/**
 * The device ids a caller is shown: those inside its device access. A device outside it answers 404 to
 * the caller (reachesDevice), so another principal's grant, invitation or token binding does not name
 * it either; a caller with every device sees them all.
 */
export function idsWithinReach(reach: DeviceAccess, deviceIds: string[]): string[] {
  return reach.mode === 'all' ? deviceIds : deviceIds.filter((id) => isSelected(reach.deviceIds, id));
}

/** The reach of a caller shown a grant whole: its grantee (an invitee's own invitation, a new member's membership). */
export const EVERY_DEVICE: DeviceAccess = Object.freeze({ mode: 'all' });

/** The reach of a token on account-wide views: every device, or for a device-bound token its bound devices. */
export function reachOfBinding(boundDeviceIds: readonly string[] | null): DeviceAccess {
  return boundDeviceIds === null ? EVERY_DEVICE : { mode: 'selected', deviceIds: [...boundDeviceIds] };
}

/** Another principal's device access as a caller with `reach` is shown it (idsWithinReach). */
export function accessWithinReach(reach: DeviceAccess, shown: DeviceAccess): DeviceAccess {
  return shown.mode === 'all' ? shown : { mode: 'selected', deviceIds: idsWithinReach(reach, shown.deviceIds) };
}

/** Is `granted` within `own`? Nobody hands out devices they cannot reach themselves. */
export function deviceAccessWithin(own: DeviceAccess, granted: DeviceAccess): boolean {
  if (own.mode === 'all') return true;
  return granted.mode === 'selected' && granted.deviceIds.every((id) => own.deviceIds.includes(id));
}

/**
 * A device-bound token's device access in a workspace: its principal's, narrowed to the bound devices
 * of that workspace (`bound`). Always "selected", so what needs every device (WHOLE_WORKSPACE_PERMISSIONS,
 * devices:create, a device-scoped permission without a device) no longer takes effect for it.
 */
export function narrowToBoundDevices(access: DeviceAccess, bound: readonly string[]): DeviceAccess {
  if (access.mode === 'all') return { mode: 'selected', deviceIds: [...bound] };
  const boundSet = new Set(bound);
  return { mode: 'selected', deviceIds: access.deviceIds.filter((id) => boundSet.has(id)) };
}

/**
 * A token's device access in a workspace: its principal's (`access`), or for a device-bound token that
 * narrowed to its bound devices of this workspace. The one rule of the binding: the guard, the write
 * re-check, /v1/authorize, GraphQL and /v1/whoami all apply it through here.
 */
export function tokenReach(
  access: DeviceAccess,
  boundDevices: ReadonlyMap<string, readonly string[]> | null,
  workspaceId: string,
): DeviceAccess {
  return boundDevices === null ? access : narrowToBoundDevices(access, boundDevices.get(workspaceId) ?? []);
}

/** What a device-limited caller may not do: anything that needs, or would tell of, every device of the workspace. */
export function assertReachesAllDevices(access: DeviceAccess, what: string): void {
  if (access.mode !== 'all') throw new DomainError(ErrorCode.Forbidden, `${what} needs access to all devices of the workspace.`);
}

/**
 * /v1/authorize's device rule, for a permission the roles and the token grant: a device-scoped
 * permission reaches only devices inside the device access, and without a deviceId it means every
 * device, so it needs access "all"; so does devices:create. Access "all" reaches a device only if the
 * workspace has it: that device is returned for the caller to look up (refusing with unknownDevice()),
 * otherwise null.
 */
export function assertDevicePermission(access: DeviceAccess, permission: Permission, deviceId: string | null): string | null {
  if ((permission === 'devices:create' || !takesEffect(access, permission)) && access.mode !== 'all') {
    throw refused(`${permission} needs access to all devices.`);
  }
  if (!DEVICE_SCOPED_PERMISSIONS.has(permission)) return null;
  if (deviceId === null) {
    if (access.mode !== 'all') throw refused(`${permission} without a deviceId needs access to all devices.`);
    return null;
  }
  if (!reachesDevice(access, deviceId)) throw refused("The device is outside the principal's device access.");
  return access.mode === 'all' ? deviceId : null;
}

/** The refusal for a device the workspace does not have (one assertDevicePermission returned). */
export function unknownDevice(): DomainError {
  return refused('No such device in this workspace.');
}

function refused(detail: string): DomainError {
  return new DomainError(ErrorCode.Forbidden, detail);
}
