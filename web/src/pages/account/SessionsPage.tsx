import type { Session } from '../../api/models';
import { ConfirmButton } from '../../components/Dialog';
import { Notice, useAnnounce } from '../../components/feedback';
import { DataTable, PagedItems } from '../../components/lists';
import { Page, Section } from '../../components/Page';
import { ExpiryCell, LastUsed } from '../../components/tokens';
import { formatDate, plural } from '../../format';
import { useLoad } from '../../hooks';
import { useSession } from '../../session';

const browserOf = (s: Session) => s.device ?? 'Unknown browser';

/** Where the user is signed in (GET /v1/me/sessions), with "sign out" per session and for all others. */
export function SessionsPage() {
  const { api, signOut } = useSession();
  const announce = useAnnounce();
  const sessions = useLoad((cursor) => api.me.sessions({ cursor, limit: 100 }), []);
  const others = sessions.items.filter((s) => !s.current);

  const revoke = async (s: Session) => {
    await api.me.revokeSession(s.id);
    announce(`The session from ${browserOf(s)} is signed out.`);
    await sessions.reload();
  };
  const revokeOthers = async () => {
    const answer = await api.me.revokeOtherSessions();
    announce(answer.revoked === 1 ? 'One other session is signed out.' : `${plural(answer.revoked, 'other session')} are signed out.`);
    await sessions.reload();
  };

  return (
    <Page
      title="Sessions"
      intro="Every browser signed in to your account. Sign out the ones you do not recognise; changing your password signs out all of them."
    >
      <Section
        title="Active sessions"
        actions={
          others.length > 0 ? (
            <ConfirmButton
              label="Sign out all other sessions"
              title="Sign out all other sessions?"
              message={<p>Every browser but this one is signed out at once. Your personal and named tokens keep working.</p>}
              confirmLabel="Sign out others"
              onConfirm={revokeOthers}
              size="normal"
            />
          ) : undefined
        }
      >
        {sessions.data && others.length === 0 && <Notice>This browser is your only active session.</Notice>}
        <PagedItems list={sessions} moreLabel="Show more sessions">
          <DataTable
            caption="Your active sessions"
            items={sessions.items}
            rowKey={(s) => s.id}
            columns={[
              {
                header: 'Browser',
                rowHeader: true,
                cell: (s) => (
                  <>
                    <span title={s.userAgent ?? undefined}>{browserOf(s)}</span>
                    {s.current && <span className="badge badge-info">This browser</span>}
                    <span className="muted small block">
                      {s.signIn ? 'signed in' : 'opened with a token'} {formatDate(s.createdAt)}
                    </span>
                  </>
                ),
              },
              { header: 'IP address', cell: (s) => s.lastUsedIp ?? <span className="muted">not recorded yet</span> },
              {
                header: 'Last used',
                // The last use is recorded within a minute: the session this page runs on is in use now.
                cell: (s) => (s.current ? 'Now' : <LastUsed token={{ lastUsedAt: s.lastUsedAt, lastUsedIp: null }} />),
              },
              { header: 'Expires', cell: (s) => <ExpiryCell token={{ expiresAt: s.expiresAt, revokedAt: null, kind: 'session' }} /> },
            ]}
            actions={(s) =>
              s.current ? (
                <button type="button" className="button secondary small" onClick={() => void signOut()}>
                  Sign out
                </button>
              ) : (
                <ConfirmButton
                  label="Sign out"
                  accessibleLabel={`Sign out ${browserOf(s)}, signed in ${formatDate(s.createdAt)}`}
                  title={`Sign out ${browserOf(s)}?`}
                  message={<p>That browser is signed out at once and has to sign in again.</p>}
                  confirmLabel="Sign out session"
                  onConfirm={() => revoke(s)}
                  variant="secondary"
                />
              )
            }
          />
        </PagedItems>
      </Section>
    </Page>
  );
}
