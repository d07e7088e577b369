import { useState } from 'react';
import { ApiError } from '../../api/client';
import { LIMITS } from '../../api/limits';
import { Alert } from '../../components/feedback';
import { FormAlert, InvalidInput, SubmitButton, TextField, useForm } from '../../components/form';
import { Page } from '../../components/Page';
import { forgetResetSecret, peekResetSecret } from '../../mailed-link';
import { Link } from '../../router';
import { useSession } from '../../session';

/** Where the reset mail's link lands (/reset-password#token=…, moved to /#/reset-password at start-up). */
export function ResetPasswordPage() {
  const session = useSession();
  const [secret] = useState(peekResetSecret);
  const [password, setPassword] = useState('');
  const [again, setAgain] = useState('');
  const [linkDead, setLinkDead] = useState(false);
  const form = useForm({ fields: ['newPassword', 'again'] });

  const submit = form.handleSubmit(async () => {
    if (!secret) return;
    if (password.length < LIMITS.passwordMin) throw new InvalidInput({ newPassword: `must be at least ${LIMITS.passwordMin} characters` });
    if (password !== again) throw new InvalidInput({ again: 'is not the same as the new password' });
    try {
      await session.api.auth.confirmPasswordReset({ token: secret, newPassword: password });
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        forgetResetSecret();
        setLinkDead(true);
        return;
      }
      throw error;
    }
    forgetResetSecret();
    // A reset ends every session, this tab's too.
    session.ended('Your password is changed and every session is signed out. Sign in with the new password.');
  });

  return (
    <Page title="Choose a new password">
      <div className="auth-card">
        {!secret || linkDead ? (
          <Alert title={linkDead ? 'This link does not work any more' : 'This page needs the link from the mail'}>
            <p>
              {linkDead
                ? 'It was used already, or it expired, or a newer link replaced it.'
                : 'Open the link in the password-reset mail exactly as it is.'}{' '}
              <Link to="/forgot-password">Ask for a new link</Link>.
            </p>
          </Alert>
        ) : (
          <form ref={form.ref} onSubmit={submit} noValidate aria-label="Choose a new password">
            <FormAlert form={form} />
            <TextField
              form={form}
              name="newPassword"
              label="New password"
              type="password"
              autoComplete="new-password"
              hint={`At least ${LIMITS.passwordMin} characters. Every session is signed out afterwards.`}
              value={password}
              onChange={setPassword}
              required
              minLength={LIMITS.passwordMin}
              maxLength={LIMITS.password}
            />
            <TextField
              form={form}
              name="again"
              label="New password again"
              type="password"
              autoComplete="new-password"
              value={again}
              onChange={setAgain}
              required
              maxLength={LIMITS.password}
            />
            <SubmitButton form={form} busyText="Saving…">
              Set the new password
            </SubmitButton>
          </form>
        )}
      </div>
    </Page>
  );
}
