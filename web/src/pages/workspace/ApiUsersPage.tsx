import { useState } from 'react';
import { networksOf } from '../../components/token-details';
import { LIMITS } from '../../api/limits';
import type { ApiUser, Device, DeviceAccess, IssuedToken } from '../../api/models';
import { ConfirmButton, Dialog } from '../../components/Dialog';
import { useAnnounce } from '../../components/feedback';
import { defaultExpiry, expiresInDays, expiryChoices } from '../../components/expiry';
import { FormAlert, FormDialogActions, RadioGroup, SelectField, SubmitButton, TextField, useForm } from '../../components/form';
import { DataTable, PagedItems } from '../../components/lists';
import { Section } from '../../components/Page';
import { assertDevicesChosen, DeviceAccessField, RolePicker } from '../../components/pickers';
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
              {
                header: 'Name',
                rowHeader: true,
                cell: (u) => (
                  <Link to={`/w/${workspace.id}/api-users/${u.id}`} className="break-anywhere">
                    {u.name}
                  </Link>
                ),
              },
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
                  <EditApiUser apiUser={u} devices={devices.data ?? []} onSaved={() => void apiUsers.reload()} />
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
  // Its first token: the same lifetimes as every token form, cut to the workspace's policy.
  const choices = expiryChoices({ longest: LIMITS.apiUserTokenDays, policyMaxDays: workspace.tokenPolicy.maxLifetimeDays });
  const [expiry, setExpiry] = useState(() => defaultExpiry(choices));
  const chosenExpiry = choices.some((c) => c.value === expiry) ? expiry : defaultExpiry(choices);
  const form = useForm({
    fields: ['name', 'roleIds', 'deviceAccess', 'deviceAccess.deviceIds', 'expiresInDays'],
    conflictField: 'name',
  });
  const submit = form.handleSubmit(async () => {
    assertDevicesChosen(access, devices);
    const answer = await api.apiUsers.create(workspace.id, {
      name: name.trim(),
      roleIds,
      deviceAccess: access,
      expiresInDays: expiresInDays(chosenExpiry),
    });
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
          maxLength={LIMITS.apiUserName}
        />
        <RolePicker
          form={form}
          roles={grantableRoles(roles, { isOwner, forApiUser: true })}
          value={roleIds}
          onChange={setRoleIds}
          canGrantOwner={false}
        />
        <DeviceAccessField form={form} devices={devices} value={access} onChange={setAccess} />
        <SelectField
          form={form}
          name="expiresInDays"
          label="Its first token expires in"
          value={chosenExpiry}
          onChange={setExpiry}
          options={choices}
          hint={
            workspace.tokenPolicy.maxLifetimeDays
              ? `This workspace's token policy accepts tokens of at most ${workspace.tokenPolicy.maxLifetimeDays} days.`
              : 'The API user gets one token, shown once, with all it may do (*). Add narrower ones on its page.'
          }
        />
        <SubmitButton form={form}>Create API user</SubmitButton>
      </form>
    </Section>
  );
}

/** Name, roles, device access and status of an API user, in a dialog. */
export function EditApiUser({ apiUser, devices, onSaved }: { apiUser: ApiUser; devices: Device[]; onSaved: () => void }) {
  const { api } = useSession();
  const { workspace, roles, isOwner } = useWorkspace();
  const announce = useAnnounce();
  const [open, setOpen] = useState(false);
  const [name, setName] = useState(apiUser.name);
  const [roleIds, setRoleIds] = useState(apiUser.roles.map((r) => r.id));
  const [access, setAccess] = useState<DeviceAccess>(apiUser.deviceAccess);
  const [status, setStatus] = useState<ApiUser['status']>(apiUser.status);
  const [networks, setNetworks] = useState((apiUser.allowedCidrs ?? []).join('\n'));
  const form = useForm({
    fields: ['name', 'roleIds', 'deviceAccess', 'deviceAccess.deviceIds', 'status', 'allowedCidrs'],
    conflictField: 'name',
  });
  const start = () => {
    setName(apiUser.name);
    setRoleIds(apiUser.roles.map((r) => r.id));
    setAccess(apiUser.deviceAccess);
    setStatus(apiUser.status);
    setNetworks((apiUser.allowedCidrs ?? []).join('\n'));
    form.reset();
    setOpen(true);
  };
  const submit = form.handleSubmit(async () => {
    assertDevicesChosen(access, devices);
    const allowedCidrs = networksOf(networks);
    await api.apiUsers.update(workspace.id, apiUser.id, {
      name: name.trim(),
      roleIds,
      deviceAccess: access,
      status,
      allowedCidrs: allowedCidrs.length > 0 ? allowedCidrs : null,
    });
    setOpen(false);
    announce(`API user "${name.trim()}" saved.`);
    onSaved();
  });
  return (
    <>
      <button type="button" className="button secondary small" aria-label={`Edit ${apiUser.name}`} onClick={start}>
        Edit
      </button>
      <Dialog open={open} title={`Edit API user "${apiUser.name}"`} onClose={() => setOpen(false)}>
        <form ref={form.ref} onSubmit={submit} noValidate aria-label={`Edit API user ${apiUser.name}`}>
          <FormAlert form={form} />
          <TextField form={form} name="name" label="Name" value={name} onChange={setName} required maxLength={LIMITS.apiUserName} />
          <RolePicker
            form={form}
            roles={grantableRoles(roles, { isOwner, forApiUser: true })}
            value={roleIds}
            onChange={setRoleIds}
            canGrantOwner={false}
          />
          <DeviceAccessField form={form} devices={devices} value={access} onChange={setAccess} />
          <RadioGroup
            form={form}
            name="status"
            legend="Status"
            choices={[
              { value: 'active', label: 'Active', description: 'Its tokens work.' },
              { value: 'disabled', label: 'Disabled', description: 'Its tokens are refused until it is active again.' },
            ]}
            value={status}
            onChange={setStatus}
          />
          <TextField
            form={form}
            name="allowedCidrs"
            label="Allowed networks"
            optional
            multiline
            rows={2}
            hint="Every token of it works only from these addresses or ranges, one per line. Empty: any network."
            value={networks}
            onChange={setNetworks}
          />
          <FormDialogActions form={form} onCancel={() => setOpen(false)}>
            Save
          </FormDialogActions>
        </form>
      </Dialog>
    </>
  );
}
