import { useEffect, useState } from 'react';
import type { IssuedToken } from '../../api/models';
import { ConfirmButton } from '../../components/Dialog';
import { LoadState, useAnnounce } from '../../components/feedback';
import { Page, Section } from '../../components/Page';
import { SecretOnce } from '../../components/SecretOnce';
import { ExpiryCell, Hint, LastUsed, ScopeList } from '../../components/tokens';
import { forgetPersonalTokenHandOver, peekPersonalTokenHandOver } from '../../flash';
import { formatDate } from '../../format';
import { useLoad } from '../../hooks';
import { Link, useRoute } from '../../router';
import { useApi } from '../../session';

export function PersonalTokenPage() {
  const api = useApi();
  const announce = useAnnounce();
  const route = useRoute();
  const next = route.query.get('next');
  // The secret made at registration, handed over in memory: shown here once.
  const [fresh, setFresh] = useState<{ secret: string; regenerated: boolean } | null>(() => {
    const secret = peekPersonalTokenHandOver();
    return secret ? { secret, regenerated: false } : null;
  });
  useEffect(() => forgetPersonalTokenHandOver(), []);
  const token = useLoad(() => api.me.personalToken(), []);

  const regenerate = async () => {
    const issued: IssuedToken = await api.me.regeneratePersonalToken();
    return () => {
      setFresh({ secret: issued.secret, regenerated: true });
      token.setData(issued);
      announce('Personal token regenerated. The old one no longer works.');
    };
  };

  return (
    <Page
      title="Personal token"
      intro="Your default access token: it acts as you, with every scope (*), in every workspace whose policy allows personal tokens."
    >
      {fresh && (
        <SecretOnce
          title={fresh.regenerated ? 'Your new personal token' : 'Welcome! Here is your personal token'}
          label="Personal token secret"
          secret={fresh.secret}
          onDismiss={next ? undefined : () => setFresh(null)}
          after={
            next && (
              <p>
                <Link to={next} className="button primary">
                  Continue
                </Link>
              </p>
            )
          }
        >
          <p>
            Use it as <code>Authorization: Bearer lkp_…</code> from scripts and tools. This web page signs you in with a separate session
            instead.
          </p>
        </SecretOnce>
      )}
      <Section
        title="Token details"
        actions={
          <ConfirmButton
            label="Regenerate"
            title="Regenerate your personal token?"
            message={<p>A new secret replaces the current one, which stops working at once. Scripts using it will need the new secret.</p>}
            confirmLabel="Regenerate token"
            onConfirm={regenerate}
            size="normal"
          />
        }
      >
        <LoadState loading={token.loading} problem={token.problem} hasData={!!token.data} />
        {token.data && (
          <dl className="details">
            <dt>Hint</dt>
            <dd>
              <Hint hint={token.data.hint} />
            </dd>
            <dt>Scopes</dt>
            <dd>
              <ScopeList scopes={token.data.scopes} />
            </dd>
            <dt>Created</dt>
            <dd>{formatDate(token.data.createdAt)}</dd>
            <dt>Expires</dt>
            <dd>
              <ExpiryCell token={token.data} />
            </dd>
            <dt>Last used</dt>
            <dd>
              <LastUsed token={token.data} />
            </dd>
          </dl>
        )}
      </Section>
    </Page>
  );
}
