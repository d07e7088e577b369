import { useState } from 'react';
import type { ApiUser, Device, DeviceAccess, IssuedToken } from '../../api/models';
import { ConfirmButton } from '../../components/Dialog';
import { useAnnounce } from '../../components/feedback';
import { FormAlert, SubmitButton, TextField, useForm } from '../../components/form';
import { DataTable, PagedItems } from '../../components/lists';
import { Section } from '../../components/Page';
import { DeviceAccessField, RolePicker } from '../../components/pickers';
import { SecretOnce } from '../../components/SecretOnce';
import { formatDate } from '../../format';
import { useLoad } from '../../hooks';
import { Link } from '../../router';
import { useSession } from '../../session';
import { useWorkspace } from '../../workspace';
import { accessColumns, grantableRoles, NoPermission, useAllDevices, WorkspacePage } from './common';

export function ApiUsersPage() {
  const { api } = useSession();
  const { workspace, can } = useWorkspace();
  const announce = useAnnounce();
  const [created, setCreated] = useState<{ apiUser: ApiUser; token: IssuedToken } | null>(null);
  const apiUsers = useLoad((cursor) => api.apiUsers.list(workspace.id, { cursor }), [workspace.id]);
  const devices = useAllDevices(can('devices:read'));
  const manage = can('api_users:manage');

  const setStatus = async (u: ApiUser, status: ApiUser['status']) => {
    await api.apiUsers.update(workspace.id, u.id, { status });
    announce(status === 'disabled' ? `"${u.name}" is disabled: its tokens stop working.` : `"${u.name}" is active again.`);
    await apiUsers.reload();
  };
  const remove = async (u: ApiUser) => {
    await api.apiUsers.remove(workspace.id, u.id);
    announce(`API user "${u.name}" deleted.`);
    await apiUsers.reload();
  };

  if (!can('api_users:read')) {
    return (
      <WorkspacePage title="API users">
        <NoPermission permission="api_users:read" />
      </WorkspacePage>
    );
  }

  return (
    <WorkspacePage
      title="API users"
      intro="Headless principals for integrations. Each has roles and device access like a member, and its own tokens."
    >
      {created && (
        <SecretOnce
          title={`API user "${created.apiUser.name}" created`}
          label="API user token secret"
          secret={created.token.secret}
          onDismiss={() => setCreated(null)}
        >
          <p>
            Its first token, with all that the API user may do (<code>*</code>). Manage its tokens on{' '}
            <Link to={`/w/${workspace.id}/api-users/${created.apiUser.id}`}>its page</Link>.
          </p>
        </SecretOnce>
      )}
      <Section title="API users" id="api-users-list">
        <PagedItems list={apiUsers} empty="No API users yet." moreLabel="Show more API users">
          <DataTable
            caption={`API users of ${workspace.name}`}
            items={apiUsers.items}
            rowKey={(u) => u.id}
            rowClass={(u) => (u.status === 'disabled' ? 'row-muted' : undefined)}
            columns={[
              { header: 'Name', rowHeader: true, cell: (u) => <Link to={`/w/${workspace.id}/api-users/${u.id}`}>{u.name}</Link> },
              {
                header: 'Status',
                cell: (u) => <span className={`badge ${u.status === 'active' ? 'badge-success' : 'badge-muted'}`}>{u.status}</span>,
              },
              ...accessColumns((u: ApiUser) => u.roles, devices.data),
              { header: 'Created', cell: (u) => formatDate(u.createdAt) },
            ]}
            actions={
              manage &&
              ((u) => (
                <>
                  <Link to={`/w/${workspace.id}/api-users/${u.id}`} className="button secondary small" aria-label={`Tokens of ${u.name}`}>
                    Tokens
                  </Link>
                  {u.status === 'active' ? (
                    <ConfirmButton
                      label="Disable"
                      accessibleLabel={`Disable ${u.name}`}
                      title={`Disable "${u.name}"?`}
                      message={<p>Its tokens stop working until it is enabled again.</p>}
                      confirmLabel="Disable API user"
                      onConfirm={() => setStatus(u, 'disabled')}
                      variant="secondary"
                    />
                  ) : (
                    <button
                      type="button"
                      className="button secondary small"
                      aria-label={`Enable ${u.name}`}
                      onClick={() => void setStatus(u, 'active')}
                    >
                      Enable
                    </button>
                  )}
                  <ConfirmButton
                    label="Delete"
                    accessibleLabel={`Delete ${u.name}`}
                    title={`Delete "${u.name}"?`}
                    message={<p>The API user and all its tokens are gone for good.</p>}
                    confirmLabel="Delete API user"
                    onConfirm={() => remove(u)}
                  />
                </>
              ))
            }
          />
        </PagedItems>
      </Section>
      {manage && (
        <CreateApiUser
          devices={devices.data ?? []}
          onCreated={(answer) => {
            setCreated(answer);
            void apiUsers.reload();
          }}
        />
      )}
    </WorkspacePage>
  );
}

function CreateApiUser({
  devices,
  onCreated,
}: {
  devices: Device[];
  onCreated: (answer: { apiUser: ApiUser; token: IssuedToken }) => void;
}) {
  const { api } = useSession();
  const { workspace, roles, isOwner } = useWorkspace();
  const viewer = roles.find((r) => r.builtIn && r.name === 'viewer');
  const [name, setName] = useState('');
  const [roleIds, setRoleIds] = useState<string[]>(viewer ? [viewer.id] : []);
  const [access, setAccess] = useState<DeviceAccess>({ mode: 'all' });
  const form = useForm({ fields: ['name', 'roleIds', 'deviceAccess', 'deviceAccess.deviceIds'], conflictField: 'name' });
  const submit = form.handleSubmit(async () => {
    const answer = await api.apiUsers.create(workspace.id, { name: name.trim(), roleIds, deviceAccess: access });
    setName('');
    onCreated(answer);
  });
  return (
    <Section title="Create an API user">
      <form ref={form.ref} onSubmit={submit} noValidate aria-label="Create an API user">
        <FormAlert form={form} />
        <TextField
          form={form}
          name="name"
          label="Name"
          hint="What it is for, e.g. “Dashboard ingest”."
          value={name}
          onChange={setName}
          required
        />
        <RolePicker
          form={form}
          roles={grantableRoles(roles, { isOwner, forApiUser: true })}
          value={roleIds}
          onChange={setRoleIds}
          canGrantOwner={false}
        />
        <DeviceAccessField form={form} devices={devices} value={access} onChange={setAccess} />
        <SubmitButton form={form}>Create API user</SubmitButton>
      </form>
    </Section>
  );
}
