import { useState } from 'react';
import { LIMITS } from '../../api/limits';
import type { GovernedToken, TokenPolicyPreview } from '../../api/models';
import { ConfirmButton } from '../../components/Dialog';
import { Notice, useAnnounce } from '../../components/feedback';
import { Checkbox, FormAlert, InvalidInput, SubmitButton, TextField, useForm } from '../../components/form';
import { PagedItems } from '../../components/lists';
import { Section } from '../../components/Page';
import { ExpiryCell, Hint, tokenColumns, TokenTable } from '../../components/tokens';
import { isExpiringOrExpired, plural } from '../../format';
import { useLoad } from '../../hooks';
import { useSession } from '../../session';
import { useWorkspace } from '../../workspace';
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
            <dt>Unused tokens</dt>
            <dd>{policy.revokeUnusedAfterDays ? `Cut off after ${policy.revokeUnusedAfterDays} days unused` : 'Kept'}</dd>
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
  const [maxDays, setMaxDaysValue] = useState(workspace.tokenPolicy.maxLifetimeDays?.toString() ?? '');
  const [allowPersonal, setAllowPersonalValue] = useState(workspace.tokenPolicy.allowPersonalTokens);
  const [unusedDays, setUnusedDays] = useState(workspace.tokenPolicy.revokeUnusedAfterDays?.toString() ?? '');
  // What the server says the proposed policy would do; saving is offered only once it is shown.
  const [preview, setPreview] = useState<TokenPolicyPreview | null>(null);
  const form = useForm({ fields: ['maxLifetimeDays', 'allowPersonalTokens', 'revokeUnusedAfterDays'] });
  const setMaxDays = (value: string) => {
    setMaxDaysValue(value);
    setPreview(null);
  };
  const setAllowPersonal = (value: boolean) => {
    setAllowPersonalValue(value);
    setPreview(null);
  };
  const proposed = () => {
    const trimmed = maxDays.trim();
    if (trimmed && (!/^\d+$/.test(trimmed) || Number(trimmed) < 1 || Number(trimmed) > LIMITS.policyDays))
      throw new InvalidInput({ maxLifetimeDays: `must be a whole number of days from 1 to ${LIMITS.policyDays}, or empty for no maximum` });
    const unused = unusedDays.trim();
    if (unused && (!/^\d+$/.test(unused) || Number(unused) < LIMITS.unusedDaysMin || Number(unused) > LIMITS.policyDays))
      throw new InvalidInput({
        revokeUnusedAfterDays: `must be a whole number of days from ${LIMITS.unusedDaysMin} to ${LIMITS.policyDays}, or empty to keep unused tokens`,
      });
    return {
      maxLifetimeDays: trimmed ? Number(trimmed) : null,
      allowPersonalTokens: allowPersonal,
      revokeUnusedAfterDays: unused ? Number(unused) : null,
    };
  };
  const submit = form.handleSubmit(async () => {
    if (!preview) {
      setPreview(await api.workspaces.previewPolicy(workspace.id, proposed()));
      return;
    }
    await api.workspaces.putPolicy(workspace.id, proposed());
    setPreview(null);
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
          hint={`Every token used here (personal, named, API users' tokens, login sessions) must expire within this many days of being made; one that never expires is refused. Empty for no maximum (1 to ${LIMITS.policyDays}).`}
          inputMode="numeric"
          value={maxDays}
          onChange={setMaxDays}
          optional
          maxLength={4}
        />
        <Checkbox
          form={form}
          name="allowPersonalTokens"
          label="Allow personal tokens"
          hint="Members' personal access tokens (lkp_): their default personal token, and their named tokens too. Unticked, both are refused here; login sessions and API users' tokens are judged by the lifetime rule alone."
          checked={allowPersonal}
          onChange={setAllowPersonal}
        />
        <TextField
          form={form}
          name="revokeUnusedAfterDays"
          label="Cut off tokens unused for (days)"
          hint={`Personal, named and API users' tokens not used for this many days stop working here; their owners (an API user's: this workspace's owners and admins) are mailed a week before. Empty to keep them (${LIMITS.unusedDaysMin} to ${LIMITS.policyDays}).`}
          inputMode="numeric"
          value={unusedDays}
          onChange={setUnusedDays}
          optional
          maxLength={4}
        />
        {preview && <PolicyPreviewPanel preview={preview} />}
        <div className="button-row">
          {preview ? (
            <>
              <SubmitButton form={form} variant={preview.newlyRefused > 0 ? 'danger' : 'primary'}>
                {preview.newlyRefused > 0 ? `Save and cut off ${plural(preview.newlyRefused, 'token')}` : 'Save policy'}
              </SubmitButton>
              <button type="button" className="button secondary" onClick={() => setPreview(null)}>
                Change the policy
              </button>
            </>
          ) : (
            <SubmitButton form={form} busyText="Checking every token…">
              Preview the change
            </SubmitButton>
          )}
        </div>
      </form>
    </Section>
  );
}

/** What saving would do, before it is done: how many tokens would be refused, and which ones stop working. */
function PolicyPreviewPanel({ preview }: { preview: TokenPolicyPreview }) {
  const cutOff = preview.items.filter((t) => t.currentPolicy.accepted);
  return (
    <div className="preview" data-testid="policy-preview">
      <Notice tone={preview.newlyRefused > 0 || preview.callerRefused ? 'warning' : 'success'}>
        <p>
          <strong>
            {preview.newlyRefused > 0
              ? `${plural(preview.newlyRefused, 'token')} that ${preview.newlyRefused === 1 ? 'works' : 'work'} here now would stop working here.`
              : 'No token that works here now would stop working.'}
          </strong>{' '}
          {plural(preview.checked, 'live token')} {preview.checked === 1 ? 'reaches' : 'reach'} this workspace; with this policy{' '}
          {preview.refused === 0 ? 'none is refused' : `${preview.refused} ${preview.refused === 1 ? 'is' : 'are'} refused`}.
        </p>
        {preview.callerRefused && (
          <p>
            <strong>The session you are using would be refused too:</strong> you would lose access to this workspace from this browser.
          </p>
        )}
      </Notice>
      {cutOff.length > 0 && (
        <ul className="card-list" aria-label="Tokens that would stop working here">
          {cutOff.map((t) => (
            <li key={t.id} className="list-card">
              <div>
                <p className="list-card-title break-anywhere">
                  {t.name ?? t.kind} <Hint hint={t.hint} />
                </p>
                <p className="muted small break-anywhere">
                  {t.owner.type === 'user' ? t.owner.email : 'API user'} · {t.policy.reason}
                </p>
              </div>
            </li>
          ))}
        </ul>
      )}
      {preview.truncated && <p className="muted small">More tokens are refused than listed here.</p>}
    </div>
  );
}

function ReachingTokens() {
  const { api, ended } = useSession();
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
    if (t.current) {
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
                  {t.current && <span className="badge badge-info">This browser</span>}
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
                  t.current ? (
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
