import { useState } from 'react';
import type { GovernedToken } from '../../api/models';
import { ConfirmButton } from '../../components/Dialog';
import { Notice, useAnnounce } from '../../components/feedback';
import { Checkbox, FormAlert, InvalidInput, SubmitButton, TextField, useForm } from '../../components/form';
import { PagedItems } from '../../components/lists';
import { Section } from '../../components/Page';
import { ExpiryCell, Hint, tokenColumns, TokenTable } from '../../components/tokens';
import { isExpiringOrExpired } from '../../format';
import { useLoad } from '../../hooks';
import { useSession } from '../../session';
import { useWorkspace } from '../../workspace';
import { hintOf } from '../account/invitation-link';
import { NoPermission, WorkspacePage } from './common';

export function PolicyPage() {
  const { workspace, isOwner, can } = useWorkspace();
  const policy = workspace.tokenPolicy;
  return (
    <WorkspacePage
      title="Token policy"
      intro="Rules every token must meet to be used in this workspace. A token that breaks them is refused here (403 token_policy), and only here."
    >
      {isOwner && can('workspace:update') ? (
        <PolicyForm />
      ) : (
        <Section title="Current policy">
          <dl className="details">
            <dt>Maximum token lifetime</dt>
            <dd>{policy.maxLifetimeDays ? `${policy.maxLifetimeDays} days` : 'No maximum'}</dd>
            <dt>Personal tokens</dt>
            <dd>{policy.allowPersonalTokens ? 'Allowed' : 'Refused'}</dd>
          </dl>
          <p className="muted">Only owners change the token policy.</p>
        </Section>
      )}
      {can('tokens:read') ? (
        <ReachingTokens />
      ) : (
        <Section title="Tokens that reach this workspace">
          <NoPermission permission="tokens:read" />
        </Section>
      )}
    </WorkspacePage>
  );
}

function PolicyForm() {
  const { api } = useSession();
  const { workspace, reload } = useWorkspace();
  const announce = useAnnounce();
  const [maxDays, setMaxDays] = useState(workspace.tokenPolicy.maxLifetimeDays?.toString() ?? '');
  const [allowPersonal, setAllowPersonal] = useState(workspace.tokenPolicy.allowPersonalTokens);
  const form = useForm({ fields: ['maxLifetimeDays', 'allowPersonalTokens'] });
  const submit = form.handleSubmit(async () => {
    const trimmed = maxDays.trim();
    if (trimmed && !/^\d+$/.test(trimmed))
      throw new InvalidInput({ maxLifetimeDays: 'must be a whole number of days, or empty for no maximum' });
    await api.workspaces.putPolicy(workspace.id, { maxLifetimeDays: trimmed ? Number(trimmed) : null, allowPersonalTokens: allowPersonal });
    await reload();
    announce('Token policy saved.');
  });
  return (
    <Section title="Policy">
      <form ref={form.ref} onSubmit={submit} noValidate aria-label="Token policy">
        <FormAlert form={form} />
        <TextField
          form={form}
          name="maxLifetimeDays"
          label="Maximum token lifetime (days)"
          hint="Tokens that never expire, or live longer, are refused here. Leave empty for no maximum (1 to 3650)."
          inputMode="numeric"
          value={maxDays}
          onChange={setMaxDays}
          optional
        />
        <Checkbox
          form={form}
          name="allowPersonalTokens"
          label="Allow personal tokens"
          hint="Members' personal access tokens (lkp_): their default personal token, and their named tokens too. Unticked, both are refused here; login sessions and API users' tokens are judged by the lifetime rule alone."
          checked={allowPersonal}
          onChange={setAllowPersonal}
        />
        <SubmitButton form={form}>Save policy</SubmitButton>
      </form>
    </Section>
  );
}

function ReachingTokens() {
  const { api, sessionSecret, ended } = useSession();
  const secret = sessionSecret();
  const mine = secret ? hintOf(secret) : null;
  const { workspace, can } = useWorkspace();
  const announce = useAnnounce();
  const { maxLifetimeDays, allowPersonalTokens } = workspace.tokenPolicy;
  // The server judges each token against the policy: a saved change asks it again.
  const tokens = useLoad(
    (cursor) => api.workspaceTokens.list(workspace.id, { cursor }),
    [workspace.id, maxLifetimeDays, allowPersonalTokens],
  );
  const manage = can('tokens:manage');
  const revoke = async (t: GovernedToken) => {
    await api.workspaceTokens.revoke(workspace.id, t.id);
    if (t.hint === mine) {
      ended('You revoked the session this browser was using, so you are signed out. Sign in again to continue.');
      return;
    }
    announce(`Token ${t.hint} can no longer reach this workspace.`);
    await tokens.reload();
  };
  const expiring = tokens.items.filter(isExpiringOrExpired);
  const refused = tokens.items.filter((t) => !t.policy.accepted);
  return (
    <Section title="Tokens that reach this workspace">
      <PagedItems list={tokens} empty="No active tokens reach this workspace." moreLabel="Show more tokens">
        {/* The notices speak of listed tokens, so they come with the table, above it. */}
        {expiring.length > 0 && (
          <Notice tone="warning">
            {expiring.length === 1
              ? 'One token here expires soon or has expired.'
              : `${expiring.length} tokens here expire soon or have expired.`}
          </Notice>
        )}
        {refused.length > 0 && (
          <Notice tone="warning">
            {refused.length === 1
              ? 'One token below is refused here by the policy.'
              : `${refused.length} tokens below are refused here by the policy.`}{' '}
            Their holders get 403 token_policy in this workspace.
          </Notice>
        )}
        <TokenTable
          caption={`Tokens that can reach ${workspace.name}`}
          tokens={tokens.items}
          columns={[
            {
              header: 'Token',
              rowHeader: true,
              cell: (t) => (
                <>
                  {t.name ?? <span className="muted">{t.kind === 'session' ? 'login session' : t.kind}</span>}
                  {t.hint === mine && <span className="badge badge-info">This browser</span>}
                  <span className="block">
                    <Hint hint={t.hint} />
                  </span>
                </>
              ),
            },
            { header: 'Holder', cell: (t) => (t.owner.type === 'user' ? t.owner.email : <span>API user</span>) },
            tokenColumns.scopes,
            {
              header: 'Expires',
              cell: (t) => (
                <>
                  <ExpiryCell token={t} />
                  {!t.policy.accepted && (
                    <span className="block">
                      <span className="badge badge-danger">Refused by policy</span> <span className="small">{t.policy.reason}</span>
                    </span>
                  )}
                </>
              ),
            },
            tokenColumns.lastUsed,
          ]}
          actions={
            manage &&
            ((t) => (
              <ConfirmButton
                label="Revoke here"
                accessibleLabel={`Revoke here: ${t.hint}`}
                title={`Cut ${t.hint} off from this workspace?`}
                message={
                  t.hint === mine ? (
                    <p>
                      <strong>This is the session this browser is using.</strong> Revoking it signs you out of the console at once.
                    </p>
                  ) : (
                    <p>
                      An API user's token, or one restricted to this workspace alone, is revoked. A member's token that reaches other
                      workspaces too loses this one only.
                    </p>
                  )
                }
                confirmLabel="Revoke"
                onConfirm={() => revoke(t)}
              />
            ))
          }
        />
      </PagedItems>
    </Section>
  );
}
