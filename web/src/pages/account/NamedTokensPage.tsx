import { useState } from 'react';
import { LIMITS } from '../../api/limits';
import { defaultExpiry, expiresInDays, expiryChoices } from '../../components/expiry';
import type { IssuedToken, Token, TokenScope } from '../../api/models';
import { LoadState, Notice, useAnnounce } from '../../components/feedback';
import { CheckboxGroup, FormAlert, SelectField, SubmitButton, TextField, useForm } from '../../components/form';
import { PagedItems, type Column } from '../../components/lists';
import { Page, Section } from '../../components/Page';
import { ScopePicker } from '../../components/pickers';
import { SecretOnce } from '../../components/SecretOnce';
import { TokenActions, tokenColumns, TokenTable } from '../../components/tokens';
import {
  EditTokenDetails,
  EnabledToggle,
  NO_TOKEN_DETAILS,
  tokenDetailsBody,
  TokenDetailsInputs,
  TokenRestrictions,
  type TokenDetailsChange,
  type TokenDetailsState,
} from '../../components/token-details';
import { EXPIRING_SOON_DAYS, expiryState, isLive, plural } from '../../format';
import { useLoad } from '../../hooks';
import { useSession } from '../../session';
import { useCatalog } from '../../workspace';
import {
  NO_RATE_LIMIT,
  RATE_LIMIT_FIELDS,
  RateLimitButton,
  RateLimitFields,
  rateLimitBody,
  RateLimitText,
  UsageChart,
  type RateLimitInput,
} from '../../components/rate-limits';

const EXPIRY_CHOICES = expiryChoices({ longest: LIMITS.namedTokenDays });

export function NamedTokensPage() {
  const { api } = useSession();
  const announce = useAnnounce();
  const [issued, setIssued] = useState<{ token: IssuedToken; rotated: boolean } | null>(null);
  const [showRevoked, setShowRevoked] = useState(false);
  const tokens = useLoad((cursor) => api.me.tokens({ kind: 'named', includeInactive: true, cursor }), []);

  const visible = tokens.items.filter((t) => showRevoked || expiryState(t) !== 'revoked');
  const soon = tokens.items.filter((t) => expiryState(t) === 'expiring').length;
  const expired = tokens.items.filter((t) => expiryState(t) === 'expired').length;

  const revoke = async (token: Token) => {
    await api.me.revokeToken(token.id);
    announce(`Token "${token.name}" revoked.`);
    await tokens.reload();
  };

  return (
    <Page
      title="Named tokens"
      intro="Tokens for scripts, CI and integrations, each with its own scopes, workspaces and expiry. Rotate them before they expire."
    >
      {issued && (
        <SecretOnce
          title={issued.rotated ? `New secret for "${issued.token.name}"` : `Token "${issued.token.name}" created`}
          label="Token secret"
          secret={issued.token.secret}
          onDismiss={() => setIssued(null)}
        />
      )}
      {(soon > 0 || expired > 0) && (
        <Notice tone="warning">
          <strong>Attention:</strong>{' '}
          {soon > 0 && `${plural(soon, 'token')} ${soon === 1 ? 'expires' : 'expire'} within ${EXPIRING_SOON_DAYS} days. `}
          {expired > 0 && `${plural(expired, 'token')} ${expired === 1 ? 'has' : 'have'} expired. `}
          Rotate the ones still in use.
        </Notice>
      )}
      <Section
        title="Your named tokens"
        actions={
          <label className="inline-check">
            <input type="checkbox" checked={showRevoked} onChange={(e) => setShowRevoked(e.target.checked)} /> Show revoked tokens
          </label>
        }
      >
        <PagedItems list={tokens} shown={visible.length} empty="No named tokens yet. Create one below." moreLabel="Show more tokens">
          <NamedTokenTable
            tokens={visible}
            onChanged={() => void tokens.reload()}
            onRevoke={revoke}
            onEdit={async (t, change) => {
              await api.me.updateToken(t.id, change);
              announce(`Token "${t.name}" saved.`);
              await tokens.reload();
            }}
            onToggle={async (t, enabled) => {
              await api.me.updateToken(t.id, { enabled });
              announce(`Token "${t.name}" ${enabled ? 'enabled' : 'disabled'}.`);
              await tokens.reload();
            }}
            onRotated={(t) => {
              setIssued({ token: t, rotated: true });
              void tokens.reload();
            }}
          />
        </PagedItems>
      </Section>
      <CreateNamedToken
        onCreated={(t) => {
          setIssued({ token: t, rotated: false });
          void tokens.reload();
        }}
      />
    </Page>
  );
}

function NamedTokenTable({
  tokens,
  onRevoke,
  onRotated,
  onChanged,
  onToggle,
  onEdit,
}: {
  tokens: Token[];
  onEdit: (t: Token, change: TokenDetailsChange) => Promise<void>;
  onRevoke: (t: Token) => Promise<void>;
  onRotated: (t: IssuedToken) => void;
  onChanged: () => void;
  onToggle: (t: Token, enabled: boolean) => Promise<void>;
}) {
  const { api, workspaces } = useSession();
  const names = new Map(workspaces.map((w) => [w.id, w.name]));
  const workspacesColumn: Column<Token> = {
    header: 'Workspaces',
    cell: (t) =>
      t.workspaceIds ? t.workspaceIds.map((id) => names.get(id) ?? 'a workspace you left').join(', ') : <span className="muted">All</span>,
  };
  return (
    <TokenTable
      caption="Your named tokens"
      tokens={tokens}
      columns={[
        tokenColumns.name,
        tokenColumns.hint,
        tokenColumns.scopes,
        workspacesColumn,
        // The rate limit is a restriction too: one column for both keeps the row within the page.
        {
          header: 'Restrictions',
          cell: (t) => (
            <>
              <TokenRestrictions token={t} />
              {t.rateLimit && (
                <span className="muted small block">
                  Limit: <RateLimitText rateLimit={t.rateLimit} />
                </span>
              )}
            </>
          ),
        },
        tokenColumns.expires,
        tokenColumns.lastUsed,
        { header: 'Last 30 days', cell: (t) => <UsageChart load={() => api.me.tokenUsage(t.id)} deps={[t.id, t.lastUsedAt]} /> },
      ]}
      actions={(t) => (
        <>
          {isLive(t) && <EditTokenDetails token={t} onSave={(change) => onEdit(t, change)} />}
          {isLive(t) && (
            <RateLimitButton
              name={t.name ?? t.hint}
              rateLimit={t.rateLimit}
              onSave={(rateLimit) => api.me.updateToken(t.id, { rateLimit })}
              onSaved={onChanged}
            />
          )}
          {isLive(t) && <EnabledToggle token={t} onChange={(enabled) => onToggle(t, enabled)} />}
          <TokenActions
            token={t}
            onRotate={(grace) => api.me.rotateToken(t.id, grace)}
            onRotated={onRotated}
            onRevoke={() => onRevoke(t)}
            revokeMessage="The token stops working at once, everywhere, with every secret of its rotations and every session made from it. This cannot be undone."
          />
        </>
      )}
    />
  );
}

function CreateNamedToken({ onCreated }: { onCreated: (token: IssuedToken) => void }) {
  const { api, workspaces } = useSession();
  const catalog = useCatalog();
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<TokenScope[]>([]);
  const [workspaceIds, setWorkspaceIds] = useState<string[]>([]);
  const [expiry, setExpiry] = useState(defaultExpiry(EXPIRY_CHOICES));
  const [rateLimit, setRateLimit] = useState<RateLimitInput>(NO_RATE_LIMIT);
  const [details, setDetails] = useState<TokenDetailsState>(NO_TOKEN_DETAILS);
  const form = useForm({
    fields: ['name', 'scopes', 'workspaceIds', 'expiresInDays', 'description', 'allowedCidrs', 'metadata', ...RATE_LIMIT_FIELDS],
  });
  // Restricted to workspaces: what the user may do there and their token policies, as the server answers them.
  const restricted = useLoad(
    () => (workspaceIds.length === 0 ? Promise.resolve([]) : Promise.all(workspaceIds.map((id) => api.workspaces.get(id)))),
    [workspaceIds.join(',')],
  );
  const reached = restricted.data ?? [];
  const held = reached.length > 0 ? new Set<string>(reached.flatMap((w) => w.access.permissions)) : null;
  const policyMax = reached.reduce<number | null>(
    (max, w) => (w.tokenPolicy.maxLifetimeDays === null ? max : Math.min(max ?? Infinity, w.tokenPolicy.maxLifetimeDays)),
    null,
  );
  const choices = policyMax === null ? EXPIRY_CHOICES : expiryChoices({ longest: LIMITS.namedTokenDays, policyMaxDays: policyMax });
  const refusing = reached.filter((w) => !w.tokenPolicy.allowPersonalTokens);
  const chosenExpiry = choices.some((c) => c.value === expiry) ? expiry : defaultExpiry(choices);

  const submit = form.handleSubmit(async () => {
    // A scope ticked before the workspaces narrowed the list is no longer shown: it is not sent either.
    const shown = new Set<string>(['*', ...(catalog.data?.accountScopes ?? []).map((e) => e.name)]);
    const token = await api.me.createToken({
      ...tokenDetailsBody(details),
      name: name.trim(),
      scopes: scopes.filter((scope) => !held || shown.has(scope) || held.has(scope)),
      workspaceIds: workspaceIds.length > 0 ? workspaceIds : null,
      expiresInDays: expiresInDays(chosenExpiry),
      rateLimit: rateLimitBody(rateLimit),
    });
    setName('');
    setRateLimit(NO_RATE_LIMIT);
    setScopes([]);
    setWorkspaceIds([]);
    setExpiry(defaultExpiry(EXPIRY_CHOICES));
    setDetails(NO_TOKEN_DETAILS);
    onCreated(token);
  });

  return (
    <Section title="Create a named token">
      <LoadState loading={catalog.loading} problem={catalog.problem} hasData={!!catalog.data} />
      {catalog.data && (
        <form ref={form.ref} onSubmit={submit} noValidate aria-label="Create a named token">
          <FormAlert form={form} />
          <div className="grid-2">
            <TextField
              form={form}
              name="name"
              label="Name"
              hint="What uses it, e.g. “CI deploy”."
              value={name}
              onChange={setName}
              required
              maxLength={LIMITS.tokenName}
            />
            <SelectField
              form={form}
              name="expiresInDays"
              label="Expires in"
              value={chosenExpiry}
              onChange={setExpiry}
              options={choices}
              hint={
                policyMax === null
                  ? 'In a workspace whose token policy sets a maximum lifetime, a longer-lived token (or one that never expires) is refused.'
                  : `The workspaces ticked below accept tokens of at most ${policyMax} days.`
              }
            />
          </div>
          <CheckboxGroup
            form={form}
            name="workspaceIds"
            legend="Restrict to workspaces (optional)"
            hint="Leave all unticked for every workspace you belong to."
            choices={workspaces.map((w) => ({ value: w.id, label: w.name, description: <code>{w.slug}</code> }))}
            value={workspaceIds}
            onChange={setWorkspaceIds}
            empty={<p className="muted">You are not in any workspace yet.</p>}
          />
          <ScopePicker
            form={form}
            entries={[...catalog.data.accountScopes, ...catalog.data.permissions.filter((p) => !held || held.has(p.name))]}
            value={scopes}
            onChange={setScopes}
            hint={
              held
                ? 'What the token may do: account scopes, and what your roles give you in the workspaces ticked above.'
                : 'What the token may do. In a workspace it can never do more than your roles allow there.'
            }
          />
          <TokenDetailsInputs form={form} value={details} onChange={setDetails} />
          <RateLimitFields form={form} value={rateLimit} onChange={setRateLimit} />
          {refusing.length > 0 && (
            <Notice tone="warning">
              {refusing.map((w) => w.name).join(', ')} {refusing.length === 1 ? 'refuses' : 'refuse'} personal access tokens, named ones
              included: this token would not work there.
            </Notice>
          )}
          <SubmitButton form={form}>Create token</SubmitButton>
        </form>
      )}
    </Section>
  );
}
