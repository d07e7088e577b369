import { useState } from 'react';
import { LIMITS } from '../../api/limits';
import { Notice } from '../../components/feedback';
import { FormAlert, SubmitButton, TextField, useForm } from '../../components/form';
import { Page } from '../../components/Page';
import { Link } from '../../router';
import { useSession } from '../../session';

/** Asks for a reset link. The server answers the same whether or not the address has an account, and so does this page. */
export function ForgotPasswordPage() {
  const { api } = useSession();
  const [email, setEmail] = useState('');
  const [sentTo, setSentTo] = useState<string | null>(null);
  const form = useForm({ fields: ['email'] });
  const submit = form.handleSubmit(async () => {
    const address = email.trim();
    await api.auth.requestPasswordReset(address);
    setSentTo(address);
  });
  return (
    <Page title="Reset your password" intro="We mail you a link to choose a new password.">
      <div className="auth-card">
        {sentTo ? (
          <Notice tone="success">
            <p>
              If <span className="break-anywhere">{sentTo}</span> belongs to a Latchkey account, a link to reset its password is on its way.
              It works once and for a short time only.
            </p>
          </Notice>
        ) : (
          <form ref={form.ref} onSubmit={submit} noValidate aria-label="Reset your password">
            <FormAlert form={form} />
            <TextField
              form={form}
              name="email"
              label="Email"
              type="email"
              autoComplete="username"
              value={email}
              onChange={setEmail}
              required
              maxLength={LIMITS.email}
            />
            <SubmitButton form={form} busyText="Sending…">
              Send the link
            </SubmitButton>
          </form>
        )}
        <p className="auth-switch">
          <Link to="/login">Back to sign in</Link>
        </p>
      </div>
    </Page>
  );
}
