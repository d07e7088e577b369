import { useState } from 'react';
import type { IssuedToken, Token } from '../../api/types';
import { ConfirmButton } from '../../components/Dialog';
import { LoadState, useAnnounce } from '../../components/feedback';
import { FormAlert, SelectField, SubmitButton, TextField, useForm } from '../../components/form';
import { Section } from '../../components/Page';
import { ScopePicker } from '../../components/pickers';
import { RotateButton } from '../../components/RotateButton';
import { SecretOnce } from '../../components/SecretOnce';
import { DeviceAccessSummary, ExpiryCell, Hint, LastUsed, ScopeList, tokenRowClass } from '../../components/tokens';
import { formatDate, isLive } from '../../format';
import { useLoad, usePaged } from '../../hooks';
import { Link } from '../../router';
import { useSession } from '../../session';
import { useCatalog, useWorkspace } from '../../workspace';
import { RoleChips, useAllDevices, WorkspacePage } from './common';

const EXPIRY_CHOICES = [
  { value: 'never', label: 'Never' },
  { value: '30', label: '30 days' },
  { value: '90', label: '90 days' },
  { value: '180', label: '180 days' },
  { value: '366', label: '1 year' },
];

export function ApiUserPage({ params }: { params: Record<string, string> }) {
  const { api } = useSession();
  const { workspace, can } = useWorkspace();
  const announce = useAnnounce();
  const apiUserId = params.apiUserId;
  const apiUser = useLoad(() => api.apiUsers.get(workspace.id, apiUserId), [workspace.id, apiUserId]);
  const tokens = usePaged((cursor) => api.apiUsers.tokens(workspace.id, apiUserId, { cursor }), [workspace.id, apiUserId]);
  const devices = useAllDevices(can('devices:read'));
  const deviceNames = new Map((devices.data ?? []).map((d) => [d.id, d.name]));
  const [issued, setIssued] = useState<IssuedToken | null>(null);
  const manage = can('api_users:manage');

  const revoke = async (t: Token) => {
    await api.apiUsers.revokeToken(workspace.id, apiUserId, t.id);
    announce(`Token "${t.name ?? t.hint}" revoked.`);
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
          onDismiss={() => {
            setIssued(null);
            document.querySelector<HTMLElement>('main h1')?.focus();
          }}
        />
      )}
      <Section title="Details">
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
            <dt>Created</dt>
            <dd>{formatDate(apiUser.data.createdAt)}</dd>
          </dl>
        )}
      </Section>
      <Section title="Tokens">
        <LoadState loading={tokens.loading} problem={tokens.problem} hasData={tokens.items.length > 0} />
        {!tokens.loading && tokens.items.length === 0 && !tokens.problem && <p className="empty">No tokens.</p>}
        {tokens.items.length > 0 && (
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">Tokens of this API user</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Hint</th>
                  <th scope="col">Scopes</th>
                  <th scope="col">Expires</th>
                  <th scope="col">Last used</th>
                  {manage && (
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  )}
                </tr>
              </thead>
              <tbody>
                {tokens.items.map((t) => (
                  <tr key={t.id} className={tokenRowClass(t)}>
                    <th scope="row">
                      {t.name ?? <span className="muted">unnamed</span>}
                      <span className="muted small block">created {formatDate(t.createdAt)}</span>
                    </th>
                    <td>
                      <Hint hint={t.hint} />
                    </td>
                    <td>
                      <ScopeList scopes={t.scopes} />
                    </td>
                    <td>
                      <ExpiryCell token={t} />
                    </td>
                    <td>
                      <LastUsed token={t} />
                    </td>
                    {manage && (
                      <td className="actions">
                        {isLive(t) && (
                          <>
                            <RotateButton tokenName={t.name ?? t.hint} onRotate={(grace) => api.apiUsers.rotateToken(workspace.id, apiUserId, t.id, grace)} onRotated={showIssued} />
                            <ConfirmButton
                              label="Revoke"
                              accessibleLabel={`Revoke ${t.name ?? t.hint}`}
                              title={`Revoke "${t.name ?? t.hint}"?`}
                              message={<p>The token stops working at once.</p>}
                              confirmLabel="Revoke token"
                              onConfirm={() => revoke(t)}
                            />
                          </>
                        )}
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {tokens.hasMore && (
          <button type="button" className="button secondary" onClick={() => void tokens.loadMore()}>
            Show more tokens
          </button>
        )}
      </Section>
      {manage && <CreateApiUserToken apiUserId={apiUserId} onCreated={showIssued} />}
    </WorkspacePage>
  );
}

function CreateApiUserToken({ apiUserId, onCreated }: { apiUserId: string; onCreated: (t: IssuedToken) => void }) {
  const { api } = useSession();
  const { workspace } = useWorkspace();
  const catalog = useCatalog();
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<string[]>(['*']);
  const [expiry, setExpiry] = useState('never');
  const form = useForm({ fields: ['name', 'scopes', 'expiresInDays'] });
  const submit = form.handleSubmit(async () => {
    const token = await api.apiUsers.createToken(workspace.id, apiUserId, {
      ...(name.trim() ? { name: name.trim() } : {}),
      scopes,
      expiresInDays: expiry === 'never' ? null : Number(expiry),
    });
    setName('');
    onCreated(token);
  });
  return (
    <Section title="Create a token for this API user">
      <LoadState loading={catalog.loading} problem={catalog.problem} hasData={!!catalog.data} />
      {catalog.data && (
        <form ref={form.ref} onSubmit={submit} noValidate aria-label="Create an API user token">
          <FormAlert form={form} />
          <div className="grid-2">
            <TextField form={form} name="name" label="Token name" optional value={name} onChange={setName} />
            <SelectField form={form} name="expiresInDays" label="Expires in" value={expiry} onChange={setExpiry} options={EXPIRY_CHOICES} />
          </div>
          <ScopePicker form={form} catalog={catalog.data} value={scopes} onChange={setScopes} includeAccountScopes={false} />
          <SubmitButton form={form}>Create token</SubmitButton>
        </form>
      )}
    </Section>
  );
}
