// The links Latchkey mails are `${LATCHKEY_PUBLIC_URL}/verify-email#token=…`, `/reset-password#token=…`
// and `/invitations/accept#token=…` (src/mail/mail.ts). Read once, before the first render: the secret
// leaves the address bar at once (history.replaceState, so it is not in the history either), is kept in
// memory only for the page that uses it, and is never logged or stored.

let verifySecret: string | null = null;
let resetSecret: string | null = null;

/** The secret of a "#token=…" fragment; null when there is none. */
export function fragmentSecret(hash: string): string | null {
  const match = /^#token=([^&]+)$/.exec(hash);
  if (!match) return null;
  try {
    const secret = decodeURIComponent(match[1]).trim();
    return secret && /^[\x21-\x7e]{1,512}$/.test(secret) ? secret : null;
  } catch {
    return null;
  }
}

/** Call once at start-up: turns a mailed link into the console's own hash route, without its secret. */
export function takeMailedLink(): void {
  const { pathname, hash } = window.location;
  const path = pathname.replace(/\/+$/, '');
  if (path !== '/verify-email' && path !== '/reset-password' && path !== '/invitations/accept') return;
  const secret = fragmentSecret(hash);
  let route: string;
  if (path === '/verify-email') {
    verifySecret = secret;
    route = '/verify-email';
  } else if (path === '/reset-password') {
    resetSecret = secret;
    route = '/reset-password';
  } else {
    // The invitation page takes its link as the console's own (/#/accept?token=…) and keeps it through
    // sign-in or registration: the secret goes there, as a link copied from the console would.
    route = secret ? `/accept?token=${encodeURIComponent(secret)}` : '/accept';
  }
  window.history.replaceState(null, '', `/#${route}`);
}

/** The secret of the verification link this page was opened with. */
export function peekVerifySecret(): string | null {
  return verifySecret;
}

export function forgetVerifySecret(): void {
  verifySecret = null;
}

/** The secret of the password-reset link this page was opened with (kept until the reset is done). */
export function peekResetSecret(): string | null {
  return resetSecret;
}

export function forgetResetSecret(): void {
  resetSecret = null;
}
