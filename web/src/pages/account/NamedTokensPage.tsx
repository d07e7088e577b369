import { useState } from 'react';
import type { IssuedToken, Token } from '../../api/types';
import { ConfirmButton } from '../../components/Dialog';
import { LoadState, Notice, useAnnounce } from '../../components/feedback';
import { CheckboxGroup, FormAlert, SelectField, SubmitButton, TextField, useForm } from '../../components/form';
import { Page, Section } from '../../components/Page';
import { ScopePicker } from '../../components/pickers';
import { RotateButton } from '../../components/RotateButton';
import { SecretOnce } from '../../components/SecretOnce';
import { ExpiryCell, Hint, LastUsed, ScopeList, tokenRowClass } from '../../components/tokens';
import { EXPIRING_SOON_DAYS, expiryState, formatDate, isLive, plural } from '../../format';
import { usePaged } from '../../hooks';
import { useSession } from '../../session';
import { useCatalog } from '../../workspace';

const EXPIRY_CHOICES = [
  { value: '7', label: '7 days' },
  { value: '30', label: '30 days' },
  { value: '60', label: '60 days' },
  { value: '90', label: '90 days' },
  { value: '180', label: '180 days' },
  { value: '366', label: '366 days (the longest)' },
  { value: 'never', label: 'Never (if no workspace policy forbids it)' },
];

export function NamedTokensPage() {
  const { api } = useSession();
  const announce = useAnnounce();
  const [issued, setIssued] = useState<{ token: IssuedToken; rotated: boolean } | null>(null);
  const [showRevoked, setShowRevoked] = useState(false);
  const tokens = usePaged((cursor) => api.me.tokens({ kind: 'named', includeInactive: true, cursor }), []);

  const visible = tokens.items.filter((t) => showRevoked || expiryState(t) !== 'revoked');
  const soon = tokens.items.filter((t) => expiryState(t) === 'expiring').length;
  const expired = tokens.items.filter((t) => expiryState(t) === 'expired').length;

  const revoke = async (token: Token) => {
    await api.me.revokeToken(token.id);
    announce(`Token "${token.name}" revoked.`);
    await tokens.reload();
  };

  return (
    <Page title="Named tokens" intro="Tokens for scripts, CI and integrations, each with its own scopes, workspaces and expiry. Rotate them before they expire.">
      {issued && (
        <SecretOnce
          title={issued.rotated ? `New secret for "${issued.token.name}"` : `Token "${issued.token.name}" created`}
          label="Token secret"
          secret={issued.token.secret}
          onDismiss={() => {
            setIssued(null);
            document.querySelector<HTMLElement>('main h1')?.focus();
          }}
        />
      )}
      {(soon > 0 || expired > 0) && (
        <Notice tone="warning">
          <strong>Attention:</strong> {soon > 0 && `${plural(soon, 'token')} ${soon === 1 ? 'expires' : 'expire'} within ${EXPIRING_SOON_DAYS} days. `}
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
        <LoadState loading={tokens.loading} problem={tokens.problem} hasData={tokens.items.length > 0} />
        {!tokens.loading && visible.length === 0 && !tokens.problem && <p className="empty">No named tokens yet. Create one below.</p>}
        {visible.length > 0 && <NamedTokenTable tokens={visible} onRevoke={revoke} onRotated={(t) => { setIssued({ token: t, rotated: true }); void tokens.reload(); }} />}
        {tokens.hasMore && (
          <button type="button" className="button secondary" onClick={() => void tokens.loadMore()}>
            Show more tokens
          </button>
        )}
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

function NamedTokenTable({ tokens, onRevoke, onRotated }: { tokens: Token[]; onRevoke: (t: Token) => Promise<void>; onRotated: (t: IssuedToken) => void }) {
  const { api, workspaces } = useSession();
  const names = new Map(workspaces.map((w) => [w.id, w.name]));
  return (
    <div className="table-wrap">
      <table>
        <caption className="visually-hidden">Your named tokens</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Hint</th>
            <th scope="col">Scopes</th>
            <th scope="col">Workspaces</th>
            <th scope="col">Expires</th>
            <th scope="col">Last used</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {tokens.map((t) => (
            <tr key={t.id} className={tokenRowClass(t)} data-token-id={t.id}>
              <th scope="row">
                {t.name}
                <span className="muted small block">created {formatDate(t.createdAt)}</span>
              </th>
              <td>
                <Hint hint={t.hint} />
              </td>
              <td>
                <ScopeList scopes={t.scopes} />
              </td>
              <td>{t.workspaceIds ? t.workspaceIds.map((id) => names.get(id) ?? id.slice(0, 8)).join(', ') : <span className="muted">All</span>}</td>
              <td>
                <ExpiryCell token={t} />
              </td>
              <td>
                <LastUsed token={t} />
              </td>
              <td className="actions">
                {isLive(t) && (
                  <>
                    <RotateButton tokenName={t.name ?? t.hint} onRotate={(grace) => api.me.rotateToken(t.id, grace)} onRotated={onRotated} />
                    <ConfirmButton
                      label="Revoke"
                      accessibleLabel={`Revoke ${t.name}`}
                      title={`Revoke "${t.name}"?`}
                      message={<p>The token stops working at once, everywhere. This cannot be undone.</p>}
                      confirmLabel="Revoke token"
                      onConfirm={() => onRevoke(t)}
                    />
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function CreateNamedToken({ onCreated }: { onCreated: (token: IssuedToken) => void }) {
  const { api, workspaces } = useSession();
  const catalog = useCatalog();
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<string[]>([]);
  const [workspaceIds, setWorkspaceIds] = useState<string[]>([]);
  const [expiry, setExpiry] = useState('90');
  const form = useForm({ fields: ['name', 'scopes', 'workspaceIds', 'expiresInDays'] });

  const submit = form.handleSubmit(async () => {
    const token = await api.me.createToken({
      name: name.trim(),
      scopes,
      workspaceIds: workspaceIds.length > 0 ? workspaceIds : null,
      expiresInDays: expiry === 'never' ? null : Number(expiry),
    });
    setName('');
    setScopes([]);
    setWorkspaceIds([]);
    setExpiry('90');
    onCreated(token);
  });

  return (
    <Section title="Create a named token">
      <LoadState loading={catalog.loading} problem={catalog.problem} hasData={!!catalog.data} />
      {catalog.data && (
        <form ref={form.ref} onSubmit={submit} noValidate aria-label="Create a named token">
          <FormAlert form={form} />
          <div className="grid-2">
            <TextField form={form} name="name" label="Name" hint="What uses it, e.g. “CI deploy”." value={name} onChange={setName} required />
            <SelectField form={form} name="expiresInDays" label="Expires in" value={expiry} onChange={setExpiry} options={EXPIRY_CHOICES} hint="A workspace's token policy may ask for less." />
          </div>
          <ScopePicker form={form} catalog={catalog.data} value={scopes} onChange={setScopes} />
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
          <SubmitButton form={form}>Create token</SubmitButton>
        </form>
      )}
    </Section>
  );
}
