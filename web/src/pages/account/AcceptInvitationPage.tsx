import { useState } from 'react';
import { toProblem } from '../../api/client';
import type { Problem } from '../../api/models';
import { Alert, Loading, Notice, useAnnounce } from '../../components/feedback';
import { Page } from '../../components/Page';
import { DeviceAccessSummary } from '../../components/tokens';
import { formatDate } from '../../format';
import { useLoad } from '../../hooks';
import { Link, navigate, useRoute } from '../../router';
import { useSession } from '../../session';
import { hintOf, invitationSecretIn } from './invitation-link';

/** Where an invitation link lands: sign in or sign up first, then accept or decline. */
export function AcceptInvitationPage() {
  const session = useSession();
  const route = useRoute();
  const secret = invitationSecretIn(route.query.get('token') ?? '');
  const here = `/accept?token=${encodeURIComponent(secret ?? '')}`;

  if (!secret) {
    return (
      <Page title="Accept an invitation">
        <Alert title="This invitation link is incomplete">
          <p>
            Copy the whole link from the invitation, or paste it on the <Link to="/account/invitations">invitations page</Link>.
          </p>
        </Alert>
      </Page>
    );
  }
  if (session.status !== 'signed-in') {
    return (
      <Page
        title="You are invited to a Latchkey workspace"
        intro="Sign in, or create an account, with the email address the invitation was sent to. You can then accept it."
      >
        <div className="auth-card button-row">
          <Link to={`/login?next=${encodeURIComponent(here)}`} className="button primary">
            Sign in to accept
          </Link>
          <Link to={`/register?next=${encodeURIComponent(here)}`} className="button secondary">
            Create an account
          </Link>
        </div>
      </Page>
    );
  }
  return <AcceptSignedIn secret={secret} />;
}

function AcceptSignedIn({ secret }: { secret: string }) {
  const { api, user, reloadWorkspaces } = useSession();
  const announce = useAnnounce();
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const pending = useLoad(() => api.me.invitations().then((p) => p.items), []);
  const match = pending.data?.find((i) => i.hint === hintOf(secret));

  const accept = async () => {
    setBusy(true);
    setProblem(null);
    try {
      const accepted = await api.invitations.accept(secret);
      await reloadWorkspaces();
      announce('Invitation accepted. Welcome to the workspace!');
      navigate(`/w/${accepted.workspaceId}`);
    } catch (error) {
      setProblem(toProblem(error));
    } finally {
      setBusy(false);
    }
  };

  const decline = async () => {
    if (!match) return;
    setBusy(true);
    try {
      await api.invitations.decline(match.id, secret);
      announce('Invitation declined.');
      navigate('/account/invitations');
    } catch (error) {
      setProblem(toProblem(error));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Page title={match ? `Join ${match.workspace.name}?` : 'Accept an invitation'}>
      {pending.loading && !pending.data && <Loading />}
      {match && (
        <dl className="details">
          <dt>Workspace</dt>
          <dd>
            {match.workspace.name} <code>{match.workspace.slug}</code>
          </dd>
          <dt>Device access</dt>
          <dd>
            <DeviceAccessSummary access={match.deviceAccess} />
          </dd>
          <dt>Expires</dt>
          <dd>{formatDate(match.expiresAt)}</dd>
        </dl>
      )}
      {pending.data && !match && (
        <Notice tone="warning">
          {user?.emailVerifiedAt
            ? `No pending invitation for ${user.email} matches this link. It may be for another email address, or already used, revoked or expired. You can still try: Latchkey will say why if it fails.`
            : `Invitations are listed for ${user?.email ?? 'your address'} only once the address is verified. You can still accept with this link: Latchkey will say why if it fails.`}
        </Notice>
      )}
      {problem && <Alert problem={problem} />}
      <div className="button-row">
        <button type="button" className="button primary" onClick={() => void accept()} aria-disabled={busy || undefined}>
          Accept invitation
        </button>
        {match && (
          <button type="button" className="button secondary" onClick={() => void decline()} aria-disabled={busy || undefined}>
            Decline
          </button>
        )}
      </div>
    </Page>
  );
}
