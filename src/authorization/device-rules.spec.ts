import { ErrorCode } from '../common/errors';
import {
  assertDevicePermission,
  assertReachesAllDevices,
  DeviceAccess,
  deviceAccessWithin,
  narrowToBoundDevices,
  reachesDevice,
  unknownDevice,
} from './device-rules';
import type { Permission } from './permissions';
import { verdict } from '../../test/support/rule-verdict';

const forbidden = (detail: string) => ({ code: ErrorCode.Forbidden, detail });

const ALL: DeviceAccess = { mode: 'all' };
const NONE: DeviceAccess = { mode: 'selected', deviceIds: [] };
const D1: DeviceAccess = { mode: 'selected', deviceIds: ['d1'] };
const D12: DeviceAccess = { mode: 'selected', deviceIds: ['d1', 'd2'] };
const LARGE: DeviceAccess = { mode: 'selected', deviceIds: Array.from({ length: 40 }, (_, i) => `d${i}`) };

describe('reachesDevice', () => {
  it.each([
    ['all, any device', ALL, 'd9', true],
    ['a selection, a selected device', D12, 'd2', true],
    ['a selection, another device', D1, 'd2', false],
    ['an empty selection', NONE, 'd1', false],
    ['a large selection (looked up in a Set), its last device', LARGE, 'd39', true],
    ['a large selection, another device', LARGE, 'd40', false],
  ])('%s', (_case, access, deviceId, expected) => {
    expect(reachesDevice(access, deviceId)).toBe(expected);
  });
});

describe('deviceAccessWithin', () => {
  it.each([
    ['all within all', ALL, ALL, true],
    ['a selection within all', ALL, D12, true],
    ['all within a selection', D12, ALL, false],
    ['a selection within a wider one', D12, D1, true],
    ['a selection within an equal one', D12, D12, true],
    ['a selection within a narrower one', D1, D12, false],
    ['an empty selection within an empty one', NONE, NONE, true],
    ['an empty selection within a selection', D1, NONE, true],
    ['a selection within an empty one', NONE, D1, false],
    ['all within an empty selection', NONE, ALL, false],
  ])('%s', (_case, own, granted, expected) => {
    expect(deviceAccessWithin(own, granted)).toBe(expected);
  });
});

describe('assertReachesAllDevices', () => {
  it.each([
    [ALL, 'allowed'],
    [D12, forbidden('Creating devices needs access to all devices of the workspace.')],
    [NONE, forbidden('Creating devices needs access to all devices of the workspace.')],
  ])('%j', (access, expected) => {
    expect(verdict(() => assertReachesAllDevices(access, 'Creating devices'))).toEqual(expected);
  });
});

describe('assertDevicePermission (/v1/authorize)', () => {
  const outside = forbidden("The device is outside the principal's device access.");
  it.each<[string, DeviceAccess, Permission, string | null, unknown]>([
    // Permissions that are not device-scoped ignore device access and the device.
    ['members:read on an empty selection', NONE, 'members:read', null, 'allowed'],
    ['members:read naming a device outside the selection', D1, 'members:read', 'd9', 'allowed'],
    // devices:create needs every device.
    ['devices:create with all', ALL, 'devices:create', null, 'allowed'],
    ['devices:create with a selection', D12, 'devices:create', null, forbidden('devices:create needs access to all devices.')],
    [
      'devices:create with a selection, naming a selected device',
      D1,
      'devices:create',
      'd1',
      forbidden('devices:create needs access to all devices.'),
    ],
    // Without a deviceId a device-scoped permission means every device.
    ['devices:read without a device, all', ALL, 'devices:read', null, 'allowed'],
    [
      'devices:read without a device, a selection',
      D12,
      'devices:read',
      null,
      forbidden('devices:read without a deviceId needs access to all devices.'),
    ],
    [
      'measurements:write without a device, an empty selection',
      NONE,
      'measurements:write',
      null,
      forbidden('measurements:write without a deviceId needs access to all devices.'),
    ],
    // With one: inside the selection it is decided; with all, the workspace must have it.
    ['devices:update on a selected device', D12, 'devices:update', 'd2', 'allowed'],
    ['devices:delete on a device outside the selection', D1, 'devices:delete', 'd2', outside],
    ['measurements:read on any device, an empty selection', NONE, 'measurements:read', 'd1', outside],
    ['measurements:read on a device, all: the device is to be confirmed', ALL, 'measurements:read', 'd7', 'd7'],
  ])('%s', (_case, access, permission, deviceId, expected) => {
    expect(verdict(() => assertDevicePermission(access, permission, deviceId))).toEqual(expected);
  });

  it('refuses a device the workspace does not have', () => {
    expect(
      verdict(() => {
        throw unknownDevice();
      }),
    ).toEqual(forbidden('No such device in this workspace.'));
  });
});

describe('narrowToBoundDevices', () => {
  it.each([
    ['all, bound to two', ALL, ['d1', 'd2'], D12],
    ['all, bound to none here', ALL, [], NONE],
    ['a selection ∩ the binding', D12, ['d2', 'd3'], { mode: 'selected', deviceIds: ['d2'] }],
    ['a selection, bound elsewhere', D1, ['d2'], NONE],
  ])('%s', (_case, access, bound, expected) => {
    expect(narrowToBoundDevices(access as DeviceAccess, bound as string[])).toEqual(expected);
  });

  it('what needs every device no longer takes effect for a bound token, even with access all', () => {
    expect(verdict(() => assertDevicePermission(narrowToBoundDevices(ALL, ['d1']), 'devices:create', null))).toEqual(
      forbidden('devices:create needs access to all devices.'),
    );
    expect(verdict(() => assertDevicePermission(narrowToBoundDevices(ALL, ['d1']), 'webhooks:read', null))).toEqual(
      forbidden('webhooks:read needs access to all devices.'),
    );
  });
});
