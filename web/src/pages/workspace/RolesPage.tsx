import { useState } from 'react';
import { LIMITS } from '../../api/limits';
import type { Catalog, Permission, Role } from '../../api/models';
import { ConfirmButton, Dialog } from '../../components/Dialog';
import { LoadState, useAnnounce } from '../../components/feedback';
import { FormAlert, FormDialogActions, TextField, useForm } from '../../components/form';
import { DataTable } from '../../components/lists';
import { Section } from '../../components/Page';
import { PermissionPicker } from '../../components/pickers';
import { useSession } from '../../session';
import { useCatalog, useWorkspace } from '../../workspace';
import { WorkspacePage } from './common';

export function RolesPage() {
  const { api } = useSession();
  const { workspace, roles, can, reloadRoles } = useWorkspace();
  const catalog = useCatalog();
  const announce = useAnnounce();
  const manage = can('roles:manage');
  const total = catalog.data?.permissions.length;

  const remove = async (role: Role) => {
    await api.roles.remove(workspace.id, role.id);
    announce(`Role "${role.name}" deleted.`);
    await reloadRoles();
  };

  return (
    <WorkspacePage
      title="Roles"
      intro="A role is a named set of permissions. The built-in roles cannot be changed; add custom roles for anything in between."
    >
      <Section title="Roles">
        <DataTable
          caption={`Roles of ${workspace.name}`}
          items={roles}
          rowKey={(r) => r.id}
          columns={[
            {
              header: 'Role',
              rowHeader: true,
              cell: (r) => (
                <>
                  {r.name}{' '}
                  {r.builtIn ? <span className="badge badge-muted">built-in</span> : <span className="badge badge-info">custom</span>}
                  {r.description && <span className="muted small block">{r.description}</span>}
                </>
              ),
            },
            {
              header: 'Permissions',
              cell: (r) =>
                total !== undefined && r.permissions.length === total ? (
                  <span className="chip chip-strong">All {total} permissions</span>
                ) : (
                  <ul className="chips" aria-label={`Permissions of ${r.name}`}>
                    {r.permissions.map((p) => (
                      <li key={p} className="chip">
                        {p}
                      </li>
                    ))}
                  </ul>
                ),
            },
          ]}
          actions={
            manage &&
            ((r) =>
              !r.builtIn &&
              catalog.data && (
                <>
                  <EditRole role={r} catalog={catalog.data} />
                  <ConfirmButton
                    label="Delete"
                    accessibleLabel={`Delete role ${r.name}`}
                    title={`Delete the role "${r.name}"?`}
                    message={<p>A role still held by a member, an API user or a pending invitation cannot be deleted.</p>}
                    confirmLabel="Delete role"
                    onConfirm={() => remove(r)}
                  />
                </>
              ))
          }
        />
      </Section>
      {manage && (
        <Section title="Create a custom role">
          <LoadState loading={catalog.loading} problem={catalog.problem} hasData={!!catalog.data} />
          {catalog.data && <RoleForm catalog={catalog.data} />}
        </Section>
      )}
    </WorkspacePage>
  );
}

function RoleForm({ catalog, role, onDone }: { catalog: Catalog; role?: Role; onDone?: () => void }) {
  const { api } = useSession();
  const { workspace, reloadRoles } = useWorkspace();
  const announce = useAnnounce();
  const [name, setName] = useState(role?.name ?? '');
  const [description, setDescription] = useState(role?.description ?? '');
  const [permissions, setPermissions] = useState<Permission[]>(role?.permissions ?? []);
  const form = useForm({ fields: ['name', 'description', 'permissions'], conflictField: 'name' });
  const submit = form.handleSubmit(async () => {
    if (role) {
      await api.roles.update(workspace.id, role.id, { name: name.trim(), description: description.trim() || null, permissions });
      announce(`Role "${name.trim()}" saved.`);
    } else {
      await api.roles.create(workspace.id, {
        name: name.trim(),
        ...(description.trim() ? { description: description.trim() } : {}),
        permissions,
      });
      announce(`Role "${name.trim()}" created.`);
      setName('');
      setDescription('');
      setPermissions([]);
    }
    await reloadRoles();
    onDone?.();
  });
  return (
    <form ref={form.ref} onSubmit={submit} noValidate aria-label={role ? `Edit role ${role.name}` : 'Create a custom role'}>
      <FormAlert form={form} />
      <div className="grid-2">
        <TextField form={form} name="name" label="Role name" value={name} onChange={setName} required maxLength={LIMITS.roleName} />
        <TextField
          form={form}
          name="description"
          label="Description"
          optional
          value={description}
          onChange={setDescription}
          maxLength={LIMITS.roleDescription}
        />
      </div>
      <PermissionPicker form={form} catalog={catalog} value={permissions} onChange={setPermissions} />
      <FormDialogActions form={form} onCancel={onDone}>
        {role ? 'Save role' : 'Create role'}
      </FormDialogActions>
    </form>
  );
}

function EditRole({ role, catalog }: { role: Role; catalog: Catalog }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" className="button secondary small" aria-label={`Edit role ${role.name}`} onClick={() => setOpen(true)}>
        Edit
      </button>
      <Dialog open={open} title={`Edit role "${role.name}"`} onClose={() => setOpen(false)}>
        <RoleForm catalog={catalog} role={role} onDone={() => setOpen(false)} />
      </Dialog>
    </>
  );
}
