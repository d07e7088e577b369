import type { Token } from '../../api/models';
import { ConfirmButton } from '../../components/Dialog';
import { Notice, useAnnounce } from '../../components/feedback';
import { DataTable, PagedItems } from '../../components/lists';
import { Page, Section } from '../../components/Page';
import { ExpiryCell, LastUsed } from '../../components/tokens';
import { formatDate } from '../../format';
import { useLoad } from '../../hooks';
import { useSession } from '../../session';
import { hintOf } from './invitation-link';
import { describeBrowser } from './user-agent';

type SessionToken = Token & { userAgent?: string | null };

/** Where the user is signed in: one login session (lks_) per browser sign-in, with "sign out others". */
export function SessionsPage() {
  const { api, sessionSecret, signOut } = useSession();
  const announce = useAnnounce();
  const sessions = useLoad((cursor) => api.me.tokens({ kind: 'session', cursor, limit: 100 }), []);
  const secret = sessionSecret();
  const mine = secret ? hintOf(secret) : null;
  const items = sessions.items as SessionToken[];
  const others = items.filter((t) => t.hint !== mine);

  const revoke = async (t: SessionToken) => {
    await api.me.revokeToken(t.id);
    announce('That session is signed out.');
    await sessions.reload();
  };
  const revokeOthers = async () => {
    // One by one: each is the user's own, and a failure stops with the rest still listed.
    for (const t of others) await api.me.revokeToken(t.id);
    announce(others.length === 1 ? 'The other session is signed out.' : `${others.length} other sessions are signed out.`);
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
        {sessions.data && others.length === 0 && <Notice>This is your only active session.</Notice>}
        <PagedItems list={sessions} moreLabel="Show more sessions">
          <DataTable
            caption="Your active sessions"
            items={items}
            rowKey={(t) => t.id}
            columns={[
              {
                header: 'Browser',
                rowHeader: true,
                cell: (t) => (
                  <>
                    {describeBrowser(t.userAgent)}
                    {t.hint === mine && <span className="badge badge-info">This browser</span>}
                    <span className="muted small block">signed in {formatDate(t.createdAt)}</span>
                  </>
                ),
              },
              { header: 'IP address', cell: (t) => t.lastUsedIp ?? <span className="muted">unknown</span> },
              { header: 'Last used', cell: (t) => <LastUsed token={{ ...t, lastUsedIp: null }} /> },
              { header: 'Expires', cell: (t) => <ExpiryCell token={t} /> },
            ]}
            actions={(t) =>
              t.hint === mine ? (
                <button type="button" className="button secondary small" onClick={() => void signOut()}>
                  Sign out
                </button>
              ) : (
                <ConfirmButton
                  label="Sign out"
                  accessibleLabel={`Sign out the session from ${describeBrowser(t.userAgent)} signed in ${formatDate(t.createdAt)}`}
                  title="Sign out this session?"
                  message={<p>That browser is signed out at once and has to sign in again.</p>}
                  confirmLabel="Sign out session"
                  onConfirm={() => revoke(t)}
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
