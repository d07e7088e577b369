import { useState } from 'react';
import { LIMITS } from '../../api/limits';
import type { Device, DeviceAccess, Invitation, InvitationStatus } from '../../api/models';
import { ConfirmButton, Dialog } from '../../components/Dialog';
import { useAnnounce } from '../../components/feedback';
import { FormAlert, FormDialogActions, SelectField, SubmitButton, TextField, useForm } from '../../components/form';
import { DataTable, PagedItems } from '../../components/lists';
import { Section } from '../../components/Page';
import { assertDevicesChosen, DeviceAccessField, RolePicker } from '../../components/pickers';
import { SecretOnce } from '../../components/SecretOnce';
import { formatDate, formatRelative } from '../../format';
import { useLoad } from '../../hooks';
import { useSession } from '../../session';
import { useWorkspace } from '../../workspace';
import { invitationLink } from '../account/invitation-link';
import { accessColumns, grantableRoles, NoPermission, roleNames, useAllDevices, WorkspacePage } from './common';

const STATUS_BADGE: Record<InvitationStatus, string> = {
  pending: 'badge-info',
  accepted: 'badge-success',
  declined: 'badge-muted',
  revoked: 'badge-muted',
  expired: 'badge-danger',
};

export function InvitationsPage() {
  const { api } = useSession();
  const { workspace, roles, can } = useWorkspace();
  const announce = useAnnounce();
  const [sent, setSent] = useState<{ email: string; secret: string; resent: boolean } | null>(null);
  const invitations = useLoad((cursor) => api.workspaceInvitations.list(workspace.id, { cursor }), [workspace.id]);
  const devices = useAllDevices(can('devices:read'));
  const manage = can('members:manage');

  const revoke = async (i: Invitation) => {
    await api.workspaceInvitations.revoke(workspace.id, i.id);
    announce(`The invitation for ${i.email} was revoked.`);
    await invitations.reload();
  };
  const resend = async (i: Invitation) => {
    const answer = await api.workspaceInvitations.resend(workspace.id, i.id);
    return () => {
      setSent({ email: i.email, secret: answer.secret, resent: true });
      void invitations.reload();
    };
  };

  if (!can('members:read')) {
    return (
      <WorkspacePage title="Invitations">
        <NoPermission permission="members:read">Your roles here do not let you see invitations.</NoPermission>
      </WorkspacePage>
    );
  }

  return (
    <WorkspacePage
      title="Invitations"
      intro={
        manage
          ? 'Invite people by email. Each invitation is a link with a secret, shown once: send it to them yourself.'
          : 'Invitations sent from this workspace. Members who manage members send and change them.'
      }
    >
      {sent && (
        <SecretOnce
          title={sent.resent ? `New invitation link for ${sent.email}` : `Invitation for ${sent.email} created`}
          label="Invitation link"
          secret={invitationLink(sent.secret)}
          onDismiss={() => setSent(null)}
        >
          <p>
            Send this link to {sent.email}. They sign in (or sign up) with that address and accept.
            {sent.resent && ' The previous link no longer works.'}
          </p>
        </SecretOnce>
      )}
      <Section title="Sent invitations">
        <PagedItems list={invitations} empty="No invitations yet." moreLabel="Show more invitations">
          <DataTable
            caption={`Invitations of ${workspace.name}`}
            items={invitations.items}
            rowKey={(i) => i.id}
            columns={[
              {
                header: 'Email',
                rowHeader: true,
                cell: (i) => (
                  <>
                    {i.email}
                    <span className="muted small block">sent {formatDate(i.createdAt)}</span>
                  </>
                ),
              },
              { header: 'Status', cell: (i) => <span className={`badge ${STATUS_BADGE[i.status]}`}>{i.status}</span> },
              ...accessColumns((i: Invitation) => roleNames(i.roleIds, roles), devices.data),
              {
                header: 'Expires',
                cell: (i) => (
                  <time dateTime={i.expiresAt} title={formatDate(i.expiresAt)}>
                    {formatRelative(i.expiresAt)}
                  </time>
                ),
              },
            ]}
            actions={
              manage &&
              // The server says which invitations this caller may act on (only owners those for the owner role).
              ((i) =>
                i.manageable &&
                (i.status === 'pending' || i.status === 'expired') && (
                  <>
                    {i.status === 'pending' && (
                      <EditInvitation invitation={i} devices={devices.data ?? []} onSaved={() => void invitations.reload()} />
                    )}
                    <ConfirmButton
                      label="Resend"
                      accessibleLabel={`Resend the invitation for ${i.email}`}
                      title={`Resend the invitation for ${i.email}?`}
                      message={<p>A new link is made and shown once; the old link stops working. The expiry starts again.</p>}
                      confirmLabel="Make a new link"
                      onConfirm={() => resend(i)}
                      variant="secondary"
                    />
                    <ConfirmButton
                      label="Revoke"
                      accessibleLabel={`Revoke the invitation for ${i.email}`}
                      title={`Revoke the invitation for ${i.email}?`}
                      message={<p>The link stops working at once.</p>}
                      confirmLabel="Revoke invitation"
                      onConfirm={() => revoke(i)}
                    />
                  </>
                ))
            }
          />
        </PagedItems>
      </Section>
      {manage && (
        <InviteForm
          devices={devices.data ?? []}
          onSent={(email, secret) => {
            setSent({ email, secret, resent: false });
            void invitations.reload();
          }}
        />
      )}
    </WorkspacePage>
  );
}

const EXPIRY_CHOICES = [1, 3, 7, 14, 30].map((d) => ({ value: String(d), label: d === 1 ? '1 day' : `${d} days` }));

function InviteForm({ devices, onSent }: { devices: Device[]; onSent: (email: string, secret: string) => void }) {
  const { api } = useSession();
  const { workspace, roles, isOwner } = useWorkspace();
  const memberRole = roles.find((r) => r.builtIn && r.name === 'member');
  const [email, setEmail] = useState('');
  const [roleIds, setRoleIds] = useState<string[]>(memberRole ? [memberRole.id] : []);
  const [access, setAccess] = useState<DeviceAccess>({ mode: 'all' });
  const [expires, setExpires] = useState('7');
  const form = useForm({ fields: ['email', 'roleIds', 'deviceAccess', 'deviceAccess.deviceIds', 'expiresInDays'], conflictField: 'email' });
  const submit = form.handleSubmit(async () => {
    assertDevicesChosen(access, devices);
    const answer = await api.workspaceInvitations.create(workspace.id, {
      email: email.trim(),
      roleIds,
      deviceAccess: access,
      expiresInDays: Number(expires),
    });
    setEmail('');
    onSent(answer.invitation.email, answer.secret);
  });
  return (
    <Section title="Invite someone">
      <form ref={form.ref} onSubmit={submit} noValidate aria-label="Invite someone">
        <FormAlert form={form} />
        <div className="grid-2">
          <TextField
            form={form}
            name="email"
            label="Email address"
            type="email"
            autoComplete="off"
            value={email}
            onChange={setEmail}
            required
            maxLength={LIMITS.email}
          />
          <SelectField
            form={form}
            name="expiresInDays"
            label="Link valid for"
            value={expires}
            onChange={setExpires}
            options={EXPIRY_CHOICES}
          />
        </div>
        <RolePicker form={form} roles={grantableRoles(roles, { isOwner })} value={roleIds} onChange={setRoleIds} canGrantOwner={isOwner} />
        <DeviceAccessField form={form} devices={devices} value={access} onChange={setAccess} />
        <SubmitButton form={form}>Create invitation</SubmitButton>
      </form>
    </Section>
  );
}

/** Roles and device access of a pending invitation, changed in place: the link stays the same. */
function EditInvitation({ invitation, devices, onSaved }: { invitation: Invitation; devices: Device[]; onSaved: () => void }) {
  const { api } = useSession();
  const { workspace, roles, isOwner } = useWorkspace();
  const announce = useAnnounce();
  const [open, setOpen] = useState(false);
  const [roleIds, setRoleIds] = useState(invitation.roleIds);
  const [access, setAccess] = useState<DeviceAccess>(invitation.deviceAccess);
  const form = useForm({ fields: ['roleIds', 'deviceAccess', 'deviceAccess.deviceIds'] });
  const start = () => {
    setRoleIds(invitation.roleIds);
    setAccess(invitation.deviceAccess);
    form.reset();
    setOpen(true);
  };
  const submit = form.handleSubmit(async () => {
    assertDevicesChosen(access, devices);
    await api.workspaceInvitations.update(workspace.id, invitation.id, { roleIds, deviceAccess: access });
    setOpen(false);
    announce(`The invitation for ${invitation.email} is saved. Its link is unchanged.`);
    onSaved();
  });
  return (
    <>
      <button type="button" className="button secondary small" aria-label={`Edit the invitation for ${invitation.email}`} onClick={start}>
        Edit
      </button>
      <Dialog open={open} title={`Edit the invitation for ${invitation.email}`} onClose={() => setOpen(false)}>
        <form ref={form.ref} onSubmit={submit} noValidate aria-label={`Edit the invitation for ${invitation.email}`}>
          <FormAlert form={form} />
          <RolePicker
            form={form}
            roles={grantableRoles(roles, { isOwner })}
            value={roleIds}
            onChange={setRoleIds}
            canGrantOwner={isOwner}
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
