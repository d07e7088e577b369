// What the pages of one workspace share: their frame, the device list, names for ids, the access columns.
import type { ReactNode } from 'react';
import type { Device, DeviceAccess, Role } from '../../api/models';
import type { Column } from '../../components/lists';
import { Page } from '../../components/Page';
import { DeviceAccessSummary } from '../../components/tokens';
import { useLoad } from '../../hooks';
import { useApi } from '../../session';
import { useWorkspace } from '../../workspace';

export function WorkspacePage({ title, intro, children }: { title: string; intro?: ReactNode; children: ReactNode }) {
  const { workspace } = useWorkspace();
  return (
    <Page title={title} eyebrow={`Workspace · ${workspace.name}`} intro={intro}>
      {children}
    </Page>
  );
}

/** Every device the user can see in the workspace (for device-access pickers and names). */
export function useAllDevices(enabled = true) {
  const api = useApi();
  const { workspace } = useWorkspace();
  return useLoad(async () => {
    if (!enabled) return [] as Device[];
    const all: Device[] = [];
    let cursor: string | undefined;
    do {
      const page = await api.devices.list(workspace.id, { cursor, limit: 200 });
      all.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor && all.length < 2000);
    return all;
  }, [workspace.id, enabled]);
}

export function RoleChips({ roles }: { roles: Array<{ id: string; name: string }> }) {
  return (
    <ul className="chips" aria-label="Roles">
      {roles.map((r) => (
        <li key={r.id} className={`chip${r.name === 'owner' ? ' chip-strong' : ''}`}>
          {r.name}
        </li>
      ))}
    </ul>
  );
}

/** The Roles and Device access columns of the tables of members, API users and invitations. */
export function accessColumns<T extends { deviceAccess: DeviceAccess }>(
  rolesOf: (item: T) => Array<{ id: string; name: string }>,
  devices: Device[] | undefined,
): Array<Column<T>> {
  const deviceNames = new Map((devices ?? []).map((d) => [d.id, d.name]));
  return [
    { header: 'Roles', cell: (item) => <RoleChips roles={rolesOf(item)} /> },
    { header: 'Device access', cell: (item) => <DeviceAccessSummary access={item.deviceAccess} deviceNames={deviceNames} /> },
  ];
}

export function roleNames(roleIds: string[], roles: Role[]): Array<{ id: string; name: string }> {
  const byId = new Map(roles.map((r) => [r.id, r.name]));
  return roleIds.map((id) => ({ id, name: byId.get(id) ?? 'deleted role' }));
}

/** Roles someone may hand out: owner only by owners; API users never get owner. */
export function grantableRoles(roles: Role[], options: { isOwner: boolean; forApiUser?: boolean }): Role[] {
  return roles.filter((r) => !(r.builtIn && r.name === 'owner') || (options.isOwner && !options.forApiUser));
}

export function NoPermission({ permission, children }: { permission: string; children?: ReactNode }) {
  return (
    <p className="muted">
      {children ?? 'Your roles here do not allow this.'} (needs <code>{permission}</code>)
    </p>
  );
}
