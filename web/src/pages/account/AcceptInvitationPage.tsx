import { useState, type ReactNode } from 'react';
import { toProblem } from '../../api/client';
import type { InvitationPreview, Problem } from '../../api/models';
import { Alert, Loading, useAnnounce } from '../../components/feedback';
import { Page } from '../../components/Page';
import { formatDate, formatRelative } from '../../format';
import { useLoad } from '../../hooks';
import { Link, navigate, useRoute } from '../../router';
import { useSession } from '../../session';
import { hintOf, invitationSecretIn } from './invitation-link';

/**
 * Where an invitation link lands: what it invites to (POST /v1/invitations/preview: the workspace,
 * who sent it, to which address, the roles and devices by name), then sign in or sign up, then
 * accept or decline.
 */
export function AcceptInvitationPage() {
  const session = useSession();
  const route = useRoute();
  const secret = invitationSecretIn(route.query.get('token') ?? '');
  const here = `/accept?token=${encodeURIComponent(secret ?? '')}`;
  const preview = useLoad(() => (secret ? session.api.invitations.preview(secret) : Promise.resolve(null)), [secret]);

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
  const invitation = preview.data ?? null;
  const title = invitation ? `Join ${invitation.workspace.name}` : 'You are invited to a Latchkey workspace';
  if (session.status !== 'signed-in') {
    return (
      <Page
        title={title}
        intro={
          invitation
            ? `Sign in, or create an account, with the address the invitation was sent to (${invitation.emailMasked}). You can then accept it.`
            : 'Sign in, or create an account, with the email address the invitation was sent to. You can then accept it.'
        }
      >
        <InvitationDetails preview={preview.data} loading={preview.loading} problem={preview.problem} />
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
  return (
    <AcceptSignedIn secret={secret} title={title}>
      <InvitationDetails preview={preview.data} loading={preview.loading} problem={preview.problem} />
    </AcceptSignedIn>
  );
}

function InvitationDetails({
  preview,
  loading,
  problem,
}: {
  preview: InvitationPreview | null | undefined;
  loading: boolean;
  problem: Problem | null;
}) {
  if (problem)
    return (
      <Alert
        problem={
          problem.status === 404
            ? {
                ...problem,
                title: 'This invitation link does not work',
                detail: 'It may have been used, revoked or resent, or it has expired. Ask for a new one.',
              }
            : problem
        }
      />
    );
  if (loading && !preview) return <Loading label="Reading the invitation…" />;
  if (!preview) return null;
  const inviter = preview.invitedBy;
  return (
    <dl className="details card">
      <dt>Workspace</dt>
      <dd className="break-anywhere">
        {preview.workspace.name} <code>{preview.workspace.slug}</code>
      </dd>
      <dt>Invited by</dt>
      <dd className="break-anywhere">
        {inviter ? (
          <>
            {inviter.name}
            {inviter.type === 'api_user' && <span className="muted"> (an integration of the workspace)</span>}
          </>
        ) : (
          <span className="muted">not recorded</span>
        )}
      </dd>
      <dt>Sent to</dt>
      <dd>{preview.emailMasked}</dd>
      <dt>Roles</dt>
      <dd>
        <ul className="chips" aria-label="Roles">
          {preview.roles.map((r) => (
            <li key={r.id} className="chip">
              {r.name}
            </li>
          ))}
        </ul>
      </dd>
      <dt>Devices</dt>
      <dd className="break-anywhere">
        {preview.deviceAccess.mode === 'all'
          ? 'All devices, including ones added later'
          : preview.deviceAccess.devices.length === 0
            ? 'No devices'
            : preview.deviceAccess.devices.map((d) => d.name).join(', ')}
      </dd>
      <dt>Expires</dt>
      <dd>
        <time dateTime={preview.expiresAt} title={formatDate(preview.expiresAt)}>
          {formatRelative(preview.expiresAt)}
        </time>
      </dd>
    </dl>
  );
}

function AcceptSignedIn({ secret, title, children }: { secret: string; title: string; children: ReactNode }) {
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
    <Page title={title} intro={`You are signed in as ${user?.email ?? 'you'}; the invitation must be for this address.`}>
      {children}
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
