import { useState } from 'react';
import { LIMITS } from '../../api/limits';
import type { ApiUserDetail, ApiUserTokenScope, Device, IssuedToken, Token } from '../../api/models';
import { defaultExpiry, expiresInDays, expiryChoices } from '../../components/expiry';
import { LoadState, useAnnounce } from '../../components/feedback';
import { CheckboxGroup, FormAlert, SelectField, SubmitButton, TextField, useForm } from '../../components/form';
import {
  EditTokenDetails,
  EnabledToggle,
  NO_TOKEN_DETAILS,
  tokenDetailsBody,
  TokenDetailsInputs,
  TokenRestrictions,
  type TokenDetailsState,
} from '../../components/token-details';
import { PagedItems } from '../../components/lists';
import { Section } from '../../components/Page';
import { ScopePicker } from '../../components/pickers';
import { SecretOnce } from '../../components/SecretOnce';
import { DeviceAccessSummary, TokenActions, tokenColumns, TokenTable } from '../../components/tokens';
import { formatDate, isLive } from '../../format';
import { useLoad } from '../../hooks';
import { Link } from '../../router';
import { useSession } from '../../session';
import { useCatalog, useWorkspace } from '../../workspace';
import { EditApiUser } from './ApiUsersPage';
import { TrustRulesSection } from './TrustRules';
import { RoleChips, useAllDevices, WorkspacePage } from './common';
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

export function ApiUserPage({ params }: { params: Record<string, string> }) {
  const { api } = useSession();
  const { workspace, can } = useWorkspace();
  const announce = useAnnounce();
  const apiUserId = params.apiUserId;
  const apiUser = useLoad(() => api.apiUsers.get(workspace.id, apiUserId), [workspace.id, apiUserId]);
  const tokens = useLoad((cursor) => api.apiUsers.tokens(workspace.id, apiUserId, { cursor }), [workspace.id, apiUserId]);
  const devices = useAllDevices(can('devices:read'));
  const deviceNames = new Map((devices.data ?? []).map((d) => [d.id, d.name]));
  const [issued, setIssued] = useState<IssuedToken | null>(null);
  // The server says whether this caller may change this API user (it must hold all the API user holds).
  const manage = apiUser.data?.manageable ?? false;

  const revoke = async (t: Token) => {
    await api.apiUsers.revokeToken(workspace.id, apiUserId, t.id);
    announce(`Token "${t.name ?? t.hint}" revoked.`);
    await tokens.reload();
  };
  const toggle = async (t: Token, enabled: boolean) => {
    await api.apiUsers.updateToken(workspace.id, apiUserId, t.id, { enabled });
    announce(`Token "${t.name ?? t.hint}" ${enabled ? 'enabled' : 'disabled'}.`);
    await tokens.reload();
  };
  const showIssued = (t: IssuedToken) => {
    setIssued(t);
    void tokens.reload();
  };

  const title = apiUser.data ? `API user: ${apiUser.data.name}` : 'API user';
  return (
    <WorkspacePage title={title} intro={<Link to={`/w/${workspace.id}/api-users`}>← All API users</Link>}>
      {issued && (
        <SecretOnce
          title={`Token "${issued.name ?? issued.hint}" for ${apiUser.data?.name ?? 'the API user'}`}
          label="API user token secret"
          secret={issued.secret}
          onDismiss={() => setIssued(null)}
        />
      )}
      <Section
        title="Details"
        actions={
          manage && apiUser.data ? (
            <EditApiUser apiUser={apiUser.data} devices={devices.data ?? []} onSaved={() => void apiUser.reload()} />
          ) : undefined
        }
      >
        <LoadState loading={apiUser.loading} problem={apiUser.problem} hasData={!!apiUser.data} />
        {apiUser.data && (
          <dl className="details">
            <dt>Status</dt>
            <dd>
              <span className={`badge ${apiUser.data.status === 'active' ? 'badge-success' : 'badge-muted'}`}>{apiUser.data.status}</span>
            </dd>
            <dt>Roles</dt>
            <dd>
              <RoleChips roles={apiUser.data.roles} />
            </dd>
            <dt>Device access</dt>
            <dd>
              <DeviceAccessSummary access={apiUser.data.deviceAccess} deviceNames={deviceNames} />
            </dd>
            <dt>Rate limit</dt>
            <dd>
              <RateLimitText rateLimit={apiUser.data.rateLimit} none="None of its own" />{' '}
              {manage && (
                <RateLimitButton
                  name={apiUser.data.name}
                  rateLimit={apiUser.data.rateLimit}
                  onSave={(rateLimit) => api.apiUsers.update(workspace.id, apiUserId, { rateLimit })}
                  onSaved={() => void apiUser.reload()}
                />
              )}
              <span className="muted small block">One allowance shared by all its tokens.</span>
            </dd>
            <dt>Allowed networks</dt>
            <dd>{apiUser.data.allowedCidrs ? apiUser.data.allowedCidrs.join(', ') : <span className="muted">Any network</span>}</dd>
            <dt>Created</dt>
            <dd>{formatDate(apiUser.data.createdAt)}</dd>
          </dl>
        )}
      </Section>
      <Section title="Tokens">
        <PagedItems list={tokens} empty="No tokens." moreLabel="Show more tokens">
          <TokenTable
            caption="Tokens of this API user"
            tokens={tokens.items}
            columns={[
              tokenColumns.name,
              tokenColumns.hint,
              tokenColumns.scopes,
              {
                header: 'Restrictions',
                cell: (t) => (
                  <>
                    <TokenRestrictions token={t} deviceNames={deviceNames} />
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
              {
                header: 'Last 30 days',
                cell: (t) => (
                  <UsageChart
                    load={() => api.apiUsers.tokenUsage(workspace.id, apiUserId, t.id)}
                    deps={[workspace.id, apiUserId, t.id, t.lastUsedAt]}
                  />
                ),
              },
            ]}
            actions={
              manage &&
              ((t) => (
                <>
                  {isLive(t) && (
                    <EditTokenDetails
                      token={t}
                      onSave={async (change) => {
                        await api.apiUsers.updateToken(workspace.id, apiUserId, t.id, change);
                        announce(`Token "${t.name ?? t.hint}" saved.`);
                        await tokens.reload();
                      }}
                    />
                  )}
                  {isLive(t) && <EnabledToggle token={t} onChange={(enabled) => toggle(t, enabled)} />}
                  {isLive(t) && t.kind === 'api_user' && (
                    <RateLimitButton
                      name={t.name ?? t.hint}
                      rateLimit={t.rateLimit}
                      onSave={(rateLimit) => api.apiUsers.updateToken(workspace.id, apiUserId, t.id, { rateLimit })}
                      onSaved={() => void tokens.reload()}
                    />
                  )}
                  <TokenActions
                    token={t}
                    onRotate={(grace) => api.apiUsers.rotateToken(workspace.id, apiUserId, t.id, grace)}
                    onRotated={showIssued}
                    onRevoke={() => revoke(t)}
                    revokeMessage="The token stops working at once, with every secret of its rotations and every session made from it."
                  />
                </>
              ))
            }
          />
        </PagedItems>
      </Section>
      {manage && apiUser.data && <CreateApiUserToken apiUser={apiUser.data} devices={devices.data ?? []} onCreated={showIssued} />}
      {apiUser.data && <TrustRulesSection apiUserId={apiUserId} apiUserName={apiUser.data.name} manage={manage} />}
    </WorkspacePage>
  );
}

/** A token of the API user: the scopes offered are the server's `grantablePermissions` (what its roles give, within the caller's token). */
function CreateApiUserToken({
  apiUser,
  devices,
  onCreated,
}: {
  apiUser: ApiUserDetail;
  devices: Device[];
  onCreated: (t: IssuedToken) => void;
}) {
  const { api } = useSession();
  const { workspace } = useWorkspace();
  const catalog = useCatalog();
  const choices = expiryChoices({ longest: LIMITS.apiUserTokenDays, policyMaxDays: workspace.tokenPolicy.maxLifetimeDays });
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<ApiUserTokenScope[]>(['*']);
  const [expiry, setExpiry] = useState(() => defaultExpiry(choices));
  const [rateLimit, setRateLimit] = useState<RateLimitInput>(NO_RATE_LIMIT);
  const [details, setDetails] = useState<TokenDetailsState>(NO_TOKEN_DETAILS);
  const [deviceIds, setDeviceIds] = useState<string[]>([]);
  const form = useForm({
    fields: ['name', 'scopes', 'expiresInDays', 'deviceIds', 'description', 'allowedCidrs', 'metadata', ...RATE_LIMIT_FIELDS],
  });
  const grantable = new Set<string>(apiUser.grantablePermissions);
  // The devices a token of it can be bound to: those the API user reaches.
  const reachable =
    apiUser.deviceAccess.mode === 'all'
      ? devices
      : devices.filter((d) => (apiUser.deviceAccess.mode === 'selected' ? apiUser.deviceAccess.deviceIds.includes(d.id) : false));
  const submit = form.handleSubmit(async () => {
    const token = await api.apiUsers.createToken(workspace.id, apiUser.id, {
      ...tokenDetailsBody(details),
      ...(deviceIds.length > 0 ? { deviceIds } : {}),
      ...(name.trim() ? { name: name.trim() } : {}),
      scopes,
      expiresInDays: expiresInDays(expiry),
      rateLimit: rateLimitBody(rateLimit),
    });
    setName('');
    setRateLimit(NO_RATE_LIMIT);
    setDetails(NO_TOKEN_DETAILS);
    setDeviceIds([]);
    onCreated(token);
  });
  return (
    <Section title="Create a token for this API user">
      <LoadState loading={catalog.loading} problem={catalog.problem} hasData={!!catalog.data} />
      {catalog.data && (
        <form ref={form.ref} onSubmit={submit} noValidate aria-label="Create an API user token">
          <FormAlert form={form} />
          <div className="grid-2">
            <TextField form={form} name="name" label="Token name" optional value={name} onChange={setName} maxLength={LIMITS.tokenName} />
            <SelectField
              form={form}
              name="expiresInDays"
              label="Expires in"
              value={expiry}
              onChange={setExpiry}
              options={choices}
              hint={
                workspace.tokenPolicy.maxLifetimeDays
                  ? `This workspace's token policy accepts tokens of at most ${workspace.tokenPolicy.maxLifetimeDays} days.`
                  : undefined
              }
            />
          </div>
          <ScopePicker
            form={form}
            entries={catalog.data.permissions.filter((p) => grantable.has(p.name))}
            value={scopes}
            onChange={setScopes}
            hint={`What the token may do: only what the roles of ${apiUser.name} grant. Give it more roles to offer more.`}
          />
          <CheckboxGroup
            form={form}
            name="deviceIds"
            legend="Bind to devices (optional)"
            hint="Leave all unticked for every device the API user reaches. A bound token reaches only the ticked ones, and cannot create devices or see webhooks."
            choices={reachable.map((d) => ({ value: d.id, label: d.name, description: <code>{d.serial}</code> }))}
            value={deviceIds}
            onChange={setDeviceIds}
            empty={<p className="muted">No devices to bind to.</p>}
            compact
          />
          <TokenDetailsInputs form={form} value={details} onChange={setDetails} />
          <RateLimitFields form={form} value={rateLimit} onChange={setRateLimit} />
          <SubmitButton form={form}>Create token</SubmitButton>
        </form>
      )}
    </Section>
  );
}
