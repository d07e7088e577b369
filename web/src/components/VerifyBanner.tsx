// Shown above every signed-in page while GET /v1/me says the address is not verified (invitations by
// email and anything else that depends on owning the address wait for it), or while a new address asked
// for waits for its link (the verified one stays the account's until then).
import { useState } from 'react';
import { ApiError, toProblem } from '../api/client';
import type { Problem } from '../api/models';
import { useSession } from '../session';
import { Alert } from './feedback';

export function VerifyBanner() {
  const { user, api, setUser } = useSession();
  const [sent, setSent] = useState(false);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  if (!user || (user.emailVerified && !user.pendingEmail)) return null;

  const send = async () => {
    if (busy) return;
    setBusy(true);
    setProblem(null);
    try {
      await api.me.sendEmailVerification();
      setSent(true);
    } catch (error) {
      if (error instanceof ApiError && error.status === 409) {
        // Verified meanwhile (in another tab, say): the banner goes.
        setUser(await api.me.get());
      } else {
        setProblem(toProblem(error));
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="notice notice-warning verify-banner" aria-labelledby="verify-banner-title">
      <div className="verify-banner-row">
        {user.pendingEmail ? (
          <p id="verify-banner-title">
            <strong>Confirm your new address:</strong> follow the link we mailed to{' '}
            <span className="break-anywhere">{user.pendingEmail}</span>. Until then, <span className="break-anywhere">{user.email}</span>{' '}
            stays your address.
          </p>
        ) : (
          <p id="verify-banner-title">
            <strong>Verify your address:</strong> follow the link we mailed to <span className="break-anywhere">{user.email}</span>.
          </p>
        )}
        <button type="button" className="button secondary small" onClick={() => void send()} aria-disabled={busy || undefined}>
          {busy ? 'Sending…' : 'Send a new link'}
        </button>
      </div>
      <p role="status" className="verify-banner-status">
        {sent ? 'A new link is on its way.' : ''}
      </p>
      {problem && <Alert problem={problem} />}
    </section>
  );
}
