// A token's description, metadata and network allow-list as forms edit them, and its on/off switch
// (docs/tokens.md). The server judges every value; here they are only read from the fields.
import { useState } from 'react';
import type { Token } from '../api/models';
import { LIMITS } from '../api/limits';
import { ConfirmButton, Dialog } from './Dialog';
import { FormAlert, FormDialogActions, InvalidInput, TextField, useForm, type Form } from './form';

export interface TokenDetailsState {
  description: string;
  /** One range or address per line. */
  networks: string;
  /** A JSON object, or empty. */
  metadata: string;
}

export const NO_TOKEN_DETAILS: TokenDetailsState = { description: '', networks: '', metadata: '' };

/** The addresses and ranges written one per line (or separated by spaces or commas). */
export function networksOf(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((n) => n.trim())
    .filter(Boolean);
}

/** The fields of a create request (each left out when empty); InvalidInput when the metadata is not a JSON object. */
export function tokenDetailsBody(state: TokenDetailsState): {
  description?: string;
  allowedCidrs?: string[];
  metadata?: Record<string, unknown>;
} {
  const body: { description?: string; allowedCidrs?: string[]; metadata?: Record<string, unknown> } = {};
  if (state.description.trim()) body.description = state.description.trim();
  const networks = networksOf(state.networks);
  if (networks.length > 0) body.allowedCidrs = networks;
  if (state.metadata.trim()) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(state.metadata);
    } catch {
      throw new InvalidInput({ metadata: 'must be valid JSON' });
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new InvalidInput({ metadata: 'must be a JSON object' });
    body.metadata = parsed as Record<string, unknown>;
  }
  return body;
}

export function TokenDetailsInputs({
  form,
  value,
  onChange,
}: {
  form: Form;
  value: TokenDetailsState;
  onChange: (value: TokenDetailsState) => void;
}) {
  return (
    <div className="grid-2">
      <TextField
        form={form}
        name="description"
        label="Description"
        optional
        multiline
        rows={2}
        value={value.description}
        onChange={(description) => onChange({ ...value, description })}
        maxLength={LIMITS.tokenDescription}
      />
      <TextField
        form={form}
        name="allowedCidrs"
        label="Allowed networks"
        optional
        multiline
        rows={2}
        hint="One address or range per line, e.g. 203.0.113.0/24 or 2001:db8::/32. Empty: any network. Elsewhere the token is refused."
        value={value.networks}
        onChange={(networks) => onChange({ ...value, networks })}
      />
      <TextField
        form={form}
        name="metadata"
        label="Metadata (JSON object)"
        optional
        multiline
        rows={3}
        hint='For your tools, e.g. {"team": "ops"}; at most 4 KiB.'
        value={value.metadata}
        onChange={(metadata) => onChange({ ...value, metadata })}
      />
    </div>
  );
}

/** Disable (refused like a revoked token, the secret kept) or enable again. */
export function EnabledToggle({ token, onChange }: { token: Token; onChange: (enabled: boolean) => Promise<void> }) {
  const name = token.name ?? token.hint;
  if (!token.enabled) {
    return (
      <button type="button" className="button secondary small" aria-label={`Enable ${name}`} onClick={() => void onChange(true)}>
        Enable
      </button>
    );
  }
  return (
    <ConfirmButton
      label="Disable"
      accessibleLabel={`Disable ${name}`}
      title={`Disable "${name}"?`}
      message={<p>The token is refused at once, everywhere, until it is enabled again. Its secret is kept: enabling brings it back.</p>}
      confirmLabel="Disable token"
      onConfirm={() => onChange(false)}
    />
  );
}

/** The status and restrictions a token list shows beside the others. */
export function TokenRestrictions({ token, deviceNames }: { token: Token; deviceNames?: Map<string, string> }) {
  const parts: string[] = [];
  if (token.deviceIds) {
    const names = token.deviceIds.map((id) => deviceNames?.get(id)).filter((n): n is string => n !== undefined);
    parts.push(names.length > 0 ? `Devices: ${names.join(', ')}` : `${token.deviceIds.length} device(s)`);
  }
  if (token.allowedCidrs) parts.push(`Networks: ${token.allowedCidrs.join(', ')}`);
  return (
    <span className="break-anywhere">
      {!token.enabled && <span className="badge badge-muted">Disabled</span>}{' '}
      {parts.length > 0 ? parts.join('; ') : !token.enabled ? '' : <span className="muted">None</span>}
      {token.description && <span className="muted small block">{token.description}</span>}
    </span>
  );
}

function detailsOf(token: Token): TokenDetailsState {
  return {
    description: token.description ?? '',
    networks: (token.allowedCidrs ?? []).join('\n'),
    metadata: token.metadata ? JSON.stringify(token.metadata, null, 2) : '',
  };
}

/** What PATCH changes from the edit dialog: each field emptied is cleared (null). */
export interface TokenDetailsChange {
  description: string | null;
  allowedCidrs: string[] | null;
  metadata: Record<string, unknown> | null;
}

/** Edit a token's description, allowed networks and metadata in a dialog. */
export function EditTokenDetails({ token, onSave }: { token: Token; onSave: (change: TokenDetailsChange) => Promise<void> }) {
  const name = token.name ?? token.hint;
  const [open, setOpen] = useState(false);
  const [value, setValue] = useState<TokenDetailsState>(() => detailsOf(token));
  const form = useForm({ fields: ['description', 'allowedCidrs', 'metadata'] });
  const start = () => {
    setValue(detailsOf(token));
    form.reset();
    setOpen(true);
  };
  const submit = form.handleSubmit(async () => {
    const body = tokenDetailsBody(value);
    await onSave({ description: body.description ?? null, allowedCidrs: body.allowedCidrs ?? null, metadata: body.metadata ?? null });
    setOpen(false);
  });
  return (
    <>
      <button type="button" className="button secondary small" aria-label={`Edit ${name}`} onClick={start}>
        Edit
      </button>
      <Dialog open={open} title={`Edit "${name}"`} onClose={() => setOpen(false)}>
        <form ref={form.ref} onSubmit={submit} noValidate aria-label={`Edit ${name}`}>
          <FormAlert form={form} />
          <TokenDetailsInputs form={form} value={value} onChange={setValue} />
          <FormDialogActions form={form} onCancel={() => setOpen(false)}>
            Save
          </FormDialogActions>
        </form>
      </Dialog>
    </>
  );
}
