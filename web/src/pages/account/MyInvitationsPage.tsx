import { useState } from 'react';
import type { PendingInvitation } from '../../api/models';
import { ConfirmButton } from '../../components/Dialog';
import { LoadState, useAnnounce } from '../../components/feedback';
import { FormAlert, InvalidInput, SubmitButton, TextField, useForm } from '../../components/form';
import { Page, Section } from '../../components/Page';
import { DeviceAccessSummary } from '../../components/tokens';
import { formatDate, formatRelative } from '../../format';
import { useLoad } from '../../hooks';
import { navigate } from '../../router';
import { useSession } from '../../session';
import { invitationSecretIn } from './invitation-link';

export function MyInvitationsPage() {
  const { api, user } = useSession();
  const announce = useAnnounce();
  const invitations = useLoad(() => api.me.invitations().then((p) => p.items), []);
  const items = invitations.data ?? [];

  const decline = async (invitation: PendingInvitation) => {
    await api.invitations.decline(invitation.id);
    announce(`Invitation to ${invitation.workspace.name} declined.`);
    await invitations.reload();
  };

  return (
    <Page
      title="Invitations"
      intro="Workspaces that invited your email address. To accept, open the link from the invitation, or paste it below."
    >
      <Section title="Pending invitations">
        <LoadState loading={invitations.loading} problem={invitations.problem} hasData={!!invitations.data} />
        {invitations.data && items.length === 0 && (
          <p className="empty">
            {user?.emailVerifiedAt
              ? 'No pending invitations for your email address.'
              : 'Invitations are listed here once your email address is verified. Until then, open the link from the invitation, or paste it below.'}
          </p>
        )}
        {items.length > 0 && (
          <ul className="card-list">
            {items.map((i) => (
              <li key={i.id} className="list-card">
                <div>
                  <p className="list-card-title break-anywhere">{i.workspace.name}</p>
                  <p className="muted small break-anywhere">
                    {i.roles.length === 1 ? 'Role' : 'Roles'}: {i.roles.map((r) => r.name).join(', ')} ·{' '}
                    <DeviceAccessSummary access={i.deviceAccess} deviceNames={new Map(i.devices.map((d) => [d.id, d.name]))} /> · expires{' '}
                    <time dateTime={i.expiresAt} title={formatDate(i.expiresAt)}>
                      {formatRelative(i.expiresAt)}
                    </time>
                  </p>
                </div>
                <ConfirmButton
                  label="Decline"
                  accessibleLabel={`Decline the invitation to ${i.workspace.name}`}
                  title={`Decline the invitation to ${i.workspace.name}?`}
                  message={<p>The workspace will have to invite you again.</p>}
                  confirmLabel="Decline invitation"
                  onConfirm={() => decline(i)}
                  variant="secondary"
                />
              </li>
            ))}
          </ul>
        )}
      </Section>
      <AcceptByLink />
    </Page>
  );
}

function AcceptByLink() {
  const { api, reloadWorkspaces } = useSession();
  const announce = useAnnounce();
  const [link, setLink] = useState('');
  const form = useForm({ fields: ['token'] });
  const submit = form.handleSubmit(async () => {
    const secret = invitationSecretIn(link);
    if (!secret) throw new InvalidInput({ token: 'must be an invitation link or a secret starting with lki_' });
    const accepted = await api.invitations.accept(secret);
    await reloadWorkspaces();
    announce('Invitation accepted. Welcome to the workspace!');
    navigate(`/w/${accepted.workspaceId}`);
  });
  return (
    <Section title="Accept an invitation">
      <form ref={form.ref} onSubmit={submit} noValidate aria-label="Accept an invitation">
        <FormAlert form={form} />
        <TextField
          form={form}
          name="token"
          label="Invitation link"
          hint="The link you received, or the lki_… secret in it."
          value={link}
          onChange={setLink}
          autoComplete="off"
          spellCheck={false}
          required
        />
        <SubmitButton form={form}>Accept invitation</SubmitButton>
      </form>
    </Section>
  );
}
