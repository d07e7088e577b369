// Teams: roles and device access shared by the members and API users in them. Whether the caller may
// change a team is the server's answer (`manageable`: teams:manage and every right the team hands out).
import { useState } from 'react';
import { LIMITS } from '../../api/limits';
import type { Device, DeviceAccess, Team } from '../../api/models';
import { ConfirmButton, Dialog } from '../../components/Dialog';
import { useAnnounce } from '../../components/feedback';
import { FormAlert, FormDialogActions, SelectField, SubmitButton, TextField, useForm } from '../../components/form';
import { DataTable, PagedItems } from '../../components/lists';
import { Section } from '../../components/Page';
import { assertDevicesChosen, DeviceAccessField, RolePicker } from '../../components/pickers';
import { useLoad } from '../../hooks';
import { useSession } from '../../session';
import { useWorkspace } from '../../workspace';
import { accessColumns, grantableRoles, NoPermission, useAllDevices, WorkspacePage } from './common';

export function TeamsPage() {
  const { api } = useSession();
  const { workspace, can } = useWorkspace();
  const announce = useAnnounce();
  const teams = useLoad((cursor) => api.teams.list(workspace.id, { cursor }), [workspace.id]);
  const devices = useAllDevices(can('devices:read'));
  const manage = can('teams:manage');

  if (!can('teams:read')) {
    return (
      <WorkspacePage title="Teams">
        <NoPermission permission="teams:read" />
      </WorkspacePage>
    );
  }

  const remove = async (team: Team) => {
    await api.teams.remove(workspace.id, team.id);
    announce(`Team "${team.name}" deleted.`);
    await teams.reload();
  };

  return (
    <WorkspacePage
      title="Teams"
      intro="Everyone in a team holds its roles and device access on top of their own; taking someone out takes them away at once."
    >
      <Section title="Teams" id="teams-list">
        <PagedItems list={teams} empty="No teams yet." moreLabel="Show more teams">
          <DataTable
            caption={`Teams of ${workspace.name}`}
            items={teams.items}
            rowKey={(team) => team.id}
            columns={[
              { header: 'Name', rowHeader: true, cell: (team) => <span className="break-anywhere">{team.name}</span> },
              ...accessColumns((team: Team) => team.roles, devices.data),
              {
                header: 'In the team',
                cell: (team) => <TeamPrincipals team={team} manage={manage && team.manageable} onChanged={() => void teams.reload()} />,
              },
            ]}
            actions={
              manage &&
              ((team) =>
                team.manageable ? (
                  <>
                    <AddToTeam team={team} onAdded={() => void teams.reload()} />
                    <EditTeam team={team} devices={devices.data ?? []} onSaved={() => void teams.reload()} />
                    <ConfirmButton
                      label="Delete"
                      accessibleLabel={`Delete ${team.name}`}
                      title={`Delete "${team.name}"?`}
                      message={<p>Everyone in it loses the roles and devices it handed out, at once.</p>}
                      confirmLabel="Delete team"
                      onConfirm={() => remove(team)}
                    />
                  </>
                ) : (
                  <span className="muted">It hands out more than you hold</span>
                ))
            }
          />
        </PagedItems>
      </Section>
      {manage && <CreateTeam devices={devices.data ?? []} onCreated={() => void teams.reload()} />}
    </WorkspacePage>
  );
}

/** The members and API users in a team, each with a button to take them out when the caller may. */
function TeamPrincipals({ team, manage, onChanged }: { team: Team; manage: boolean; onChanged: () => void }) {
  const { api } = useSession();
  const { workspace } = useWorkspace();
  const announce = useAnnounce();
  const principals = [
    ...team.members.map((m) => ({
      key: `u:${m.userId}`,
      label: m.email,
      out: () => api.teams.removeMember(workspace.id, team.id, m.userId),
    })),
    ...team.apiUsers.map((a) => ({
      key: `a:${a.id}`,
      label: `${a.name} (API user)`,
      out: () => api.teams.removeApiUser(workspace.id, team.id, a.id),
    })),
  ];
  if (principals.length === 0) return <span className="muted">No one yet</span>;
  return (
    <ul className="card-list" aria-label={`In ${team.name}`}>
      {principals.map((p) => (
        <li key={p.key}>
          <span className="break-anywhere">{p.label}</span>{' '}
          {manage && (
            <ConfirmButton
              label="Remove"
              accessibleLabel={`Remove ${p.label} from ${team.name}`}
              title={`Take ${p.label} out of "${team.name}"?`}
              message={<p>They lose what the team hands out at once; their own roles stay.</p>}
              confirmLabel="Remove from team"
              variant="secondary"
              onConfirm={async () => {
                await p.out();
                announce(`${p.label} is out of "${team.name}".`);
                onChanged();
              }}
            />
          )}
        </li>
      ))}
    </ul>
  );
}

/** Puts a member or an API user in the team: the lists the caller may read, less those in it already. */
function AddToTeam({ team, onAdded }: { team: Team; onAdded: () => void }) {
  const { api } = useSession();
  const { workspace, can } = useWorkspace();
  const announce = useAnnounce();
  const [open, setOpen] = useState(false);
  const [chosen, setChosen] = useState('');
  const candidates = useLoad(async () => {
    if (!open) return [];
    const inTeam = new Set([...team.members.map((m) => `u:${m.userId}`), ...team.apiUsers.map((a) => `a:${a.id}`)]);
    const members = can('members:read') ? (await api.members.list(workspace.id, { limit: 200 })).items : [];
    const bots = can('api_users:read') ? (await api.apiUsers.list(workspace.id, { limit: 200 })).items : [];
    return [
      ...members.map((m) => ({ value: `u:${m.userId}`, label: m.email })),
      ...bots.map((b) => ({ value: `a:${b.id}`, label: `${b.name} (API user)` })),
    ].filter((c) => !inTeam.has(c.value));
  }, [open, team, workspace.id]);
  const form = useForm({ fields: ['principal'] });
  const options = candidates.data ?? [];
  const value = options.some((o) => o.value === chosen) ? chosen : (options[0]?.value ?? '');
  const submit = form.handleSubmit(async () => {
    const [kind, id] = value.split(':');
    if (kind === 'u') await api.teams.addMember(workspace.id, team.id, id);
    else await api.teams.addApiUser(workspace.id, team.id, id);
    setOpen(false);
    announce(`${options.find((o) => o.value === value)?.label ?? 'They'} joined "${team.name}".`);
    onAdded();
  });
  return (
    <>
      <button
        type="button"
        className="button secondary small"
        aria-label={`Add to ${team.name}`}
        onClick={() => {
          form.reset();
          setOpen(true);
        }}
      >
        Add
      </button>
      <Dialog open={open} title={`Add to "${team.name}"`} onClose={() => setOpen(false)}>
        <form ref={form.ref} onSubmit={submit} noValidate aria-label={`Add to team ${team.name}`}>
          <FormAlert form={form} />
          {options.length === 0 ? (
            <p className="muted">{candidates.loading ? 'Loading…' : 'Everyone you can see is in this team already.'}</p>
          ) : (
            <SelectField
              form={form}
              name="principal"
              label="Member or API user"
              value={value}
              onChange={setChosen}
              options={options}
              hint="They get the team's roles and devices on top of their own."
            />
          )}
          <FormDialogActions form={form} onCancel={() => setOpen(false)}>
            Add to team
          </FormDialogActions>
        </form>
      </Dialog>
    </>
  );
}

function CreateTeam({ devices, onCreated }: { devices: Device[]; onCreated: () => void }) {
  const { api } = useSession();
  const { workspace, roles } = useWorkspace();
  const announce = useAnnounce();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [roleIds, setRoleIds] = useState<string[]>([]);
  const [access, setAccess] = useState<DeviceAccess>({ mode: 'all' });
  const form = useForm({ fields: ['name', 'description', 'roleIds', 'deviceAccess', 'deviceAccess.deviceIds'], conflictField: 'name' });
  const submit = form.handleSubmit(async () => {
    assertDevicesChosen(access, devices);
    await api.teams.create(workspace.id, {
      name: name.trim(),
      description: description.trim() || undefined,
      roleIds,
      deviceAccess: access,
    });
    announce(`Team "${name.trim()}" created.`);
    setName('');
    setDescription('');
    setRoleIds([]);
    setAccess({ mode: 'all' });
    onCreated();
  });
  return (
    <Section title="Create a team">
      <form ref={form.ref} onSubmit={submit} noValidate aria-label="Create a team">
        <FormAlert form={form} />
        <TextField form={form} name="name" label="Name" value={name} onChange={setName} required maxLength={LIMITS.teamName} />
        <TextField
          form={form}
          name="description"
          label="Description"
          value={description}
          onChange={setDescription}
          optional
          maxLength={LIMITS.teamDescription}
        />
        {/* A team never holds the owner role: ownership stays personal. */}
        <RolePicker
          form={form}
          roles={grantableRoles(roles, { isOwner: false })}
          value={roleIds}
          onChange={setRoleIds}
          canGrantOwner={false}
        />
        <DeviceAccessField form={form} devices={devices} value={access} onChange={setAccess} />
        <SubmitButton form={form}>Create team</SubmitButton>
      </form>
    </Section>
  );
}

/** Name, roles and device access of a team, in a dialog. */
function EditTeam({ team, devices, onSaved }: { team: Team; devices: Device[]; onSaved: () => void }) {
  const { api } = useSession();
  const { workspace, roles } = useWorkspace();
  const announce = useAnnounce();
  const [open, setOpen] = useState(false);
  const [name, setName] = useState(team.name);
  const [roleIds, setRoleIds] = useState(team.roles.map((r) => r.id));
  const [access, setAccess] = useState<DeviceAccess>(team.deviceAccess);
  const form = useForm({ fields: ['name', 'roleIds', 'deviceAccess', 'deviceAccess.deviceIds'], conflictField: 'name' });
  const start = () => {
    setName(team.name);
    setRoleIds(team.roles.map((r) => r.id));
    setAccess(team.deviceAccess);
    form.reset();
    setOpen(true);
  };
  const submit = form.handleSubmit(async () => {
    assertDevicesChosen(access, devices);
    await api.teams.update(workspace.id, team.id, { name: name.trim(), roleIds, deviceAccess: access });
    setOpen(false);
    announce(`Team "${name.trim()}" saved.`);
    onSaved();
  });
  return (
    <>
      <button type="button" className="button secondary small" aria-label={`Edit ${team.name}`} onClick={start}>
        Edit
      </button>
      <Dialog open={open} title={`Edit team "${team.name}"`} onClose={() => setOpen(false)}>
        <form ref={form.ref} onSubmit={submit} noValidate aria-label={`Edit team ${team.name}`}>
          <FormAlert form={form} />
          <TextField form={form} name="name" label="Name" value={name} onChange={setName} required maxLength={LIMITS.teamName} />
          <RolePicker
            form={form}
            roles={grantableRoles(roles, { isOwner: false })}
            value={roleIds}
            onChange={setRoleIds}
            canGrantOwner={false}
          />
          <DeviceAccessField form={form} devices={devices} value={access} onChange={setAccess} />
          <FormDialogActions form={form} onCancel={() => setOpen(false)}>
            Save
          </FormDialogActions>
        </form>
      </Dialog>
    </>
  );
}
