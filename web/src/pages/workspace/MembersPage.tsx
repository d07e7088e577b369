import { useState } from 'react';
import type { Device, DeviceAccess, Member } from '../../api/models';
import { ConfirmButton, Dialog } from '../../components/Dialog';
import { useAnnounce } from '../../components/feedback';
import { FormAlert, FormDialogActions, useForm } from '../../components/form';
import { DataTable, PagedItems } from '../../components/lists';
import { Section } from '../../components/Page';
import { assertDevicesChosen, DeviceAccessField, RolePicker } from '../../components/pickers';
import { formatDate } from '../../format';
import { useLoad } from '../../hooks';
import { Link } from '../../router';
import { useSession } from '../../session';
import { useWorkspace } from '../../workspace';
import { accessColumns, useAllDevices, WorkspacePage } from './common';

export function MembersPage() {
  const { api, user } = useSession();
  const { workspace, can } = useWorkspace();
  const announce = useAnnounce();
  const members = useLoad((cursor) => api.members.list(workspace.id, { cursor }), [workspace.id]);
  const devices = useAllDevices(can('devices:read'));
  const manage = can('members:manage');

  const remove = async (m: Member) => {
    await api.members.remove(workspace.id, m.userId);
    announce(`${m.name} was removed from the workspace.`);
    await members.reload();
  };

  return (
    <WorkspacePage title="Members" intro="People in this workspace. Roles decide what they may do; device access decides on which devices.">
      <Section
        title="Members"
        actions={
          can('members:manage') ? (
            <Link to={`/w/${workspace.id}/invitations`} className="button secondary small">
              Invite someone
            </Link>
          ) : undefined
        }
        id="members-list"
      >
        <PagedItems list={members} moreLabel="Show more members">
          <DataTable
            caption={`Members of ${workspace.name}`}
            items={members.items}
            rowKey={(m) => m.userId}
            columns={[
              {
                header: 'Member',
                rowHeader: true,
                cell: (m) => (
                  <>
                    {m.name}
                    {m.userId === user?.id && <span className="muted"> (you)</span>}
                    <span className="muted small block">{m.email}</span>
                  </>
                ),
              },
              ...accessColumns((m: Member) => m.roles, devices.data),
              { header: 'Joined', cell: (m) => formatDate(m.joinedAt) },
            ]}
            actions={
              manage &&
              ((m) => (
                <>
                  <EditMember member={m} devices={devices.data ?? []} onSaved={() => void members.reload()} />
                  {m.userId !== user?.id && (
                    <ConfirmButton
                      label="Remove"
                      accessibleLabel={`Remove ${m.name}`}
                      title={`Remove ${m.name}?`}
                      message={<p>{m.name} loses access to this workspace at once, and so do their tokens here.</p>}
                      confirmLabel="Remove member"
                      onConfirm={() => remove(m)}
                    />
                  )}
                </>
              ))
            }
          />
        </PagedItems>
      </Section>
    </WorkspacePage>
  );
}

function EditMember({ member, devices, onSaved }: { member: Member; devices: Device[]; onSaved: () => void }) {
  const { api } = useSession();
  const { workspace, roles, isOwner } = useWorkspace();
  const announce = useAnnounce();
  const [open, setOpen] = useState(false);
  const [roleIds, setRoleIds] = useState(member.roles.map((r) => r.id));
  const [access, setAccess] = useState<DeviceAccess>(member.deviceAccess);
  const form = useForm({ fields: ['roleIds', 'deviceAccess', 'deviceAccess.deviceIds'] });
  const submit = form.handleSubmit(async () => {
    assertDevicesChosen(access, devices);
    await api.members.update(workspace.id, member.userId, { roleIds, deviceAccess: access });
    setOpen(false);
    announce(`${member.name}'s access is saved.`);
    onSaved();
  });
  const start = () => {
    setRoleIds(member.roles.map((r) => r.id));
    setAccess(member.deviceAccess);
    form.reset();
    setOpen(true);
  };
  return (
    <>
      <button type="button" className="button secondary small" aria-label={`Edit ${member.name}`} onClick={start}>
        Edit
      </button>
      <Dialog open={open} title={`Edit ${member.name}`} onClose={() => setOpen(false)}>
        <form ref={form.ref} onSubmit={submit} noValidate aria-label={`Edit ${member.name}`}>
          <FormAlert form={form} />
          <RolePicker form={form} roles={roles} value={roleIds} onChange={setRoleIds} canGrantOwner={isOwner} />
          <DeviceAccessField form={form} devices={devices} value={access} onChange={setAccess} />
          <FormDialogActions form={form} onCancel={() => setOpen(false)}>
            Save
          </FormDialogActions>
        </form>
      </Dialog>
    </>
  );
}
