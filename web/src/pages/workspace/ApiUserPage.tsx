import { useState } from 'react';
import type { ApiUserTokenScope, IssuedToken, Token } from '../../api/models';
import { LoadState, useAnnounce } from '../../components/feedback';
import { FormAlert, SelectField, SubmitButton, TextField, useForm } from '../../components/form';
import { PagedItems } from '../../components/lists';
import { Section } from '../../components/Page';
import { ScopePicker } from '../../components/pickers';
import { SecretOnce } from '../../components/SecretOnce';
import { DeviceAccessSummary, TokenActions, tokenColumns, TokenTable } from '../../components/tokens';
import { formatDate } from '../../format';
import { useLoad } from '../../hooks';
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
  const tokens = useLoad((cursor) => api.apiUsers.tokens(workspace.id, apiUserId, { cursor }), [workspace.id, apiUserId]);
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
          onDismiss={() => setIssued(null)}
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
        <PagedItems list={tokens} empty="No tokens." moreLabel="Show more tokens">
          <TokenTable
            caption="Tokens of this API user"
            tokens={tokens.items}
            columns={[tokenColumns.name, tokenColumns.hint, tokenColumns.scopes, tokenColumns.expires, tokenColumns.lastUsed]}
            actions={
              manage &&
              ((t) => (
                <TokenActions
                  token={t}
                  onRotate={(grace) => api.apiUsers.rotateToken(workspace.id, apiUserId, t.id, grace)}
                  onRotated={showIssued}
                  onRevoke={() => revoke(t)}
                  revokeMessage="The token stops working at once, with every secret of its rotations and every session made from it."
                />
              ))
            }
          />
        </PagedItems>
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
  const [scopes, setScopes] = useState<ApiUserTokenScope[]>(['*']);
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
          <ScopePicker form={form} entries={catalog.data.permissions} value={scopes} onChange={setScopes} />
          <SubmitButton form={form}>Create token</SubmitButton>
        </form>
      )}
    </Section>
  );
}
