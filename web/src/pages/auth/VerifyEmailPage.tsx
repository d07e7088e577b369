import { useEffect, useRef, useState } from 'react';
import { ApiError, toProblem } from '../../api/client';
import type { Problem } from '../../api/models';
import { Alert, Loading, Notice } from '../../components/feedback';
import { Page } from '../../components/Page';
import { forgetVerifySecret, peekVerifySecret } from '../../mailed-link';
import { Link } from '../../router';
import { useSession } from '../../session';

type Outcome =
  { state: 'working' } | { state: 'verified' } | { state: 'no-link' } | { state: 'used' } | { state: 'failed'; problem: Problem };

/** Where the verification mail's link lands (/verify-email#token=…, moved to /#/verify-email at start-up). */
export function VerifyEmailPage() {
  const session = useSession();
  const [secret] = useState(peekVerifySecret);
  const [outcome, setOutcome] = useState<Outcome>(secret ? { state: 'working' } : { state: 'no-link' });
  const started = useRef(false);

  useEffect(() => {
    // Once: a second POST would only find the link used.
    if (!secret || started.current) return;
    started.current = true;
    forgetVerifySecret();
    session.api.auth
      .verifyEmail(secret)
      .then(async () => {
        setOutcome({ state: 'verified' });
        if (session.status === 'signed-in') session.setUser(await session.api.me.get());
      })
      .catch((error: unknown) => {
        if (error instanceof ApiError && error.status === 404) setOutcome({ state: 'used' });
        else setOutcome({ state: 'failed', problem: toProblem(error) });
      });
  }, [secret, session]);

  const signedIn = session.status === 'signed-in';
  const onward = signedIn ? <Link to="/account">Go to your profile</Link> : <Link to="/login">Sign in</Link>;
  return (
    <Page title="Verify your email address">
      <div className="auth-card">
        {outcome.state === 'working' && <Loading label="Checking the link…" />}
        {outcome.state === 'verified' && (
          <Notice tone="success">
            <p>
              <strong>Your address is verified.</strong> Invitations sent to it can now be accepted.
            </p>
          </Notice>
        )}
        {outcome.state === 'no-link' && (
          <Alert title="This page needs the link from the mail">
            <p>Open the link in the verification mail exactly as it is; copy the whole of it if your mail program breaks it.</p>
          </Alert>
        )}
        {outcome.state === 'used' && (
          <Alert title="This link does not work any more">
            <p>It was used already, or it expired, or your address changed since it was sent.</p>
            <p>{signedIn ? 'Ask for a new link with "Send a new link" at the top of the page.' : 'Sign in to ask for a new link.'}</p>
          </Alert>
        )}
        {outcome.state === 'failed' && (
          <Alert problem={outcome.problem}>
            <p>{signedIn ? 'Ask for a new link with "Send a new link" at the top of the page.' : 'Sign in to ask for a new link.'}</p>
          </Alert>
        )}
        {outcome.state !== 'working' && <p className="auth-switch">{onward}</p>}
      </div>
    </Page>
  );
}
