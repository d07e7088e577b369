import { useState } from 'react';
import { LIMITS } from '../../api/limits';
import { useAnnounce } from '../../components/feedback';
import { FormAlert, InvalidInput, SubmitButton, TextField, useForm } from '../../components/form';
import { PagedItems } from '../../components/lists';
import { Page, Section } from '../../components/Page';
import { formatDate } from '../../format';
import { useLoad } from '../../hooks';
import { logIn, useSession } from '../../session';
import { AuditTable } from '../workspace/AuditPage';

export function ProfilePage() {
  const { user } = useSession();
  if (!user) return null;
  return (
    <Page title="Your profile" intro={`Signed in as ${user.email}. Member since ${formatDate(user.createdAt)}.`}>
      <div className="grid-2">
        <ProfileForm />
        <PasswordForm />
      </div>
      <AccountActivity />
    </Page>
  );
}

function ProfileForm() {
  const { api, user, setUser } = useSession();
  const announce = useAnnounce();
  const [name, setName] = useState(user?.name ?? '');
  const form = useForm({ fields: ['name'] });
  const submit = form.handleSubmit(async () => {
    setUser(await api.me.update({ name: name.trim() }));
    announce('Your name is saved.');
  });
  return (
    <Section title="Profile">
      <form ref={form.ref} onSubmit={submit} noValidate aria-label="Profile">
        <FormAlert form={form} />
        <TextField
          form={form}
          name="name"
          label="Name"
          autoComplete="name"
          value={name}
          onChange={setName}
          required
          maxLength={LIMITS.userName}
        />
        <div className="field">
          <span className="label-like" id="profile-email-label">
            Email
          </span>
          <p className="static-value" aria-labelledby="profile-email-label">
            {user?.email}
          </p>
        </div>
        <SubmitButton form={form}>Save profile</SubmitButton>
      </form>
    </Section>
  );
}

/** Changing the password ends every session, this one too: the page signs in again with the new one. */
function PasswordForm() {
  const { api, user, signIn } = useSession();
  const announce = useAnnounce();
  const [currentPassword, setCurrent] = useState('');
  const [password, setPassword] = useState('');
  const [confirmation, setConfirmation] = useState('');
  const form = useForm({ fields: ['currentPassword', 'password', 'confirmation'] });
  const submit = form.handleSubmit(async () => {
    if (password !== confirmation) throw new InvalidInput({ confirmation: 'does not match the new password' });
    await api.me.update({ currentPassword, password });
    await logIn(api, signIn, user?.email ?? '', password);
    setCurrent('');
    setPassword('');
    setConfirmation('');
    announce('Password changed. Your other sessions have been signed out.');
  });
  return (
    <Section title="Password">
      <form ref={form.ref} onSubmit={submit} noValidate aria-label="Change password">
        <FormAlert form={form} />
        <TextField
          form={form}
          name="currentPassword"
          label="Current password"
          type="password"
          autoComplete="current-password"
          value={currentPassword}
          onChange={setCurrent}
          required
        />
        <TextField
          form={form}
          name="password"
          label="New password"
          type="password"
          autoComplete="new-password"
          hint="At least 12 characters. Every session ends when it changes."
          value={password}
          onChange={setPassword}
          required
          maxLength={LIMITS.password}
        />
        <TextField
          form={form}
          name="confirmation"
          label="Repeat the new password"
          type="password"
          autoComplete="new-password"
          value={confirmation}
          onChange={setConfirmation}
          required
        />
        <SubmitButton form={form}>Change password</SubmitButton>
      </form>
    </Section>
  );
}

function AccountActivity() {
  const { api, user } = useSession();
  const names = new Map(user ? [[user.id, 'You']] : []);
  const events = useLoad((cursor) => api.me.auditEvents({ cursor, limit: 10 }), []);
  return (
    <Section title="Recent account activity">
      <PagedItems list={events} moreLabel="Show older events">
        <AuditTable events={events.items} caption="Events on your account, newest first" names={names} />
      </PagedItems>
    </Section>
  );
}
