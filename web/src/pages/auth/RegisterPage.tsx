import { useState } from 'react';
import { LIMITS } from '../../api/limits';
import { FormAlert, SubmitButton, TextField, useForm } from '../../components/form';
import { Page } from '../../components/Page';
import { handOverPersonalToken } from '../../flash';
import { Link, useRoute } from '../../router';
import { logIn, useSession } from '../../session';

/**
 * Registration answers with the personal token's secret, once. The page signs in with the same
 * email and password (a 12-hour, revocable session: the personal token itself never sits in the
 * browser's storage) and hands the secret to the personal-token page, which shows it once.
 */
export function RegisterPage() {
  const { api, signIn } = useSession();
  const route = useRoute();
  const next = route.query.get('next');
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const form = useForm({ fields: ['name', 'email', 'password'], conflictField: 'email' });

  const submit = form.handleSubmit(async () => {
    const registered = await api.auth.register({ name: name.trim(), email: email.trim(), password });
    handOverPersonalToken(registered.personalToken.secret);
    await logIn(api, signIn, email.trim(), password);
  });

  return (
    <Page
      title="Create your Latchkey account"
      intro="One account for every workspace you are invited to. You also get a personal access token for scripts and tools."
    >
      <div className="auth-card">
        <form ref={form.ref} onSubmit={submit} noValidate aria-label="Create account">
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
          <TextField
            form={form}
            name="email"
            label="Email"
            type="email"
            autoComplete="email"
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
            autoComplete="new-password"
            hint="At least 12 characters. A few unrelated words make a good one."
            value={password}
            onChange={setPassword}
            required
            minLength={12}
            maxLength={LIMITS.password}
          />
          <SubmitButton form={form} busyText="Creating your account…">
            Create account
          </SubmitButton>
        </form>
        <p className="auth-switch">
          Have an account? <Link to={`/login${next ? `?next=${encodeURIComponent(next)}` : ''}`}>Sign in</Link>
        </p>
      </div>
    </Page>
  );
}
