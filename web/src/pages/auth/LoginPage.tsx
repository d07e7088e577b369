import { useState } from 'react';
import { LIMITS } from '../../api/limits';
import { Notice } from '../../components/feedback';
import { FormAlert, SubmitButton, TextField, useForm } from '../../components/form';
import { Page } from '../../components/Page';
import { Link, useRoute } from '../../router';
import { logIn, useSession } from '../../session';

export function LoginPage() {
  const { api, signIn, notice } = useSession();
  const route = useRoute();
  const next = route.query.get('next');
  const invited = next?.startsWith('/accept');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const form = useForm({ fields: ['email', 'password'] });

  // The shell moves on once the session is set.
  const submit = form.handleSubmit(async () => {
    await logIn(api, signIn, email.trim(), password);
  });

  return (
    <Page
      title="Sign in to Latchkey"
      intro={invited ? 'Sign in with the email address the invitation was sent to, and you can accept it.' : undefined}
    >
      <div className="auth-card">
        {notice && <Notice>{notice}</Notice>}
        <form ref={form.ref} onSubmit={submit} noValidate aria-label="Sign in">
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
          <TextField
            form={form}
            name="password"
            label="Password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={setPassword}
            required
            maxLength={LIMITS.password}
          />
          <SubmitButton form={form} busyText="Signing in…">
            Sign in
          </SubmitButton>
        </form>
        <p className="auth-switch">
          <Link to="/forgot-password">Forgot your password?</Link>
        </p>
        <p className="auth-switch">
          New to Latchkey? <Link to={`/register${next ? `?next=${encodeURIComponent(next)}` : ''}`}>Create an account</Link>
        </p>
      </div>
    </Page>
  );
}
