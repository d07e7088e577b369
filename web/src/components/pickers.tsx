// Choosing scopes, roles and device access in forms, from the catalog and the workspace's lists.
import type { Catalog, Device, DeviceAccess, Permission, Role } from '../api/models';
import { CheckboxGroup, InvalidInput, RadioGroup, type Choice, type Form } from './form';

/**
 * "Only selected devices" with none ticked would grant no device at all: refused before sending, so a
 * forgotten tick does not go out silently.
 */
export function assertDevicesChosen(access: DeviceAccess, devices: Device[]): void {
  if (access.mode === 'selected' && access.deviceIds.length === 0)
    throw new InvalidInput({
      'deviceAccess.deviceIds':
        devices.length === 0
          ? 'cannot be chosen yet: this workspace has no devices. Choose “All devices”, or add devices first.'
          : 'must have at least one ticked, or choose “All devices”.',
    });
}

interface ScopePickerProps<Scope extends string> {
  form: Form;
  /** From GET /v1/permissions: named tokens may carry account scopes, API-user tokens only workspace permissions. */
  entries: Array<{ name: Scope; description: string }>;
  value: Array<Scope | '*'>;
  onChange: (scopes: Array<Scope | '*'>) => void;
  name?: string;
  /** Said under the legend: what limits the choice. */
  hint?: string;
}

/** Scopes from GET /v1/permissions, grouped by resource, with "*" for everything the holder has. */
export function ScopePicker<Scope extends string>({
  form,
  entries,
  value,
  onChange,
  name = 'scopes',
  hint = "What the token may do. In a workspace it can never do more than its holder's roles allow there.",
}: ScopePickerProps<Scope>) {
  const all = value.includes('*');
  const choices: Array<Choice<Scope | '*'>> = [
    {
      value: '*',
      label: <strong>Everything (*)</strong>,
      description: 'All that you hold, now and later. Prefer the narrowest scopes that do the job.',
    },
    ...entries.map((e) => ({
      value: e.name,
      label: <code>{e.name}</code>,
      description: e.description,
      disabled: all,
    })),
  ];
  return (
    <CheckboxGroup
      form={form}
      name={name}
      legend="Scopes"
      hint={hint}
      choices={choices}
      value={value}
      onChange={(next) => onChange(next.includes('*') && !all ? ['*'] : next)}
      compact
    />
  );
}

/** Workspace permissions (for custom roles). */
export function PermissionPicker({
  form,
  catalog,
  value,
  onChange,
}: {
  form: Form;
  catalog: Catalog;
  value: Permission[];
  onChange: (p: Permission[]) => void;
}) {
  return (
    <CheckboxGroup
      form={form}
      name="permissions"
      legend="Permissions"
      choices={catalog.permissions.map((e) => ({ value: e.name, label: <code>{e.name}</code>, description: e.description }))}
      value={value}
      onChange={onChange}
      compact
    />
  );
}

export function RolePicker({
  form,
  roles,
  value,
  onChange,
  canGrantOwner,
}: {
  form: Form;
  roles: Role[];
  value: string[];
  onChange: (ids: string[]) => void;
  canGrantOwner: boolean;
}) {
  const choices = roles.map((r) => ({
    value: r.id,
    label: (
      <>
        {r.name}
        {r.builtIn && <span className="badge badge-muted">built-in</span>}
      </>
    ),
    description: r.description ?? `${r.permissions.length} permissions`,
    disabled: r.builtIn && r.name === 'owner' && !canGrantOwner,
  }));
  return (
    <CheckboxGroup
      form={form}
      name="roleIds"
      legend="Roles"
      hint="Their permissions add up."
      choices={choices}
      value={value}
      onChange={onChange}
    />
  );
}

/** { mode: "all" } or { mode: "selected", deviceIds }; errors on "deviceAccess.deviceIds" show at the device list. */
export function DeviceAccessField({
  form,
  devices,
  value,
  onChange,
}: {
  form: Form;
  devices: Device[];
  value: DeviceAccess;
  onChange: (access: DeviceAccess) => void;
}) {
  const selected = value.mode === 'selected' ? value.deviceIds : [];
  return (
    <div className="device-access">
      <RadioGroup
        form={form}
        name="deviceAccess"
        legend="Device access"
        choices={[
          { value: 'all', label: 'All devices', description: 'Including devices added later; needed to create devices.' },
          { value: 'selected', label: 'Only selected devices' },
        ]}
        value={value.mode}
        onChange={(mode) => onChange(mode === 'all' ? { mode: 'all' } : { mode: 'selected', deviceIds: selected })}
      />
      {value.mode === 'selected' && (
        <CheckboxGroup
          form={form}
          name="deviceAccess.deviceIds"
          legend="Devices"
          choices={devices.map((d) => ({ value: d.id, label: d.name, description: <code>{d.serial}</code> }))}
          value={selected}
          onChange={(deviceIds) => onChange({ mode: 'selected', deviceIds })}
          empty={<p className="muted">This workspace has no devices yet.</p>}
          compact
        />
      )}
    </div>
  );
}
