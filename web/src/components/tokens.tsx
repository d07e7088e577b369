// How a token's lifetime, scopes and reach are shown everywhere, and the table that lists tokens.
import type { ReactNode } from 'react';
import type { DeviceAccess, IssuedToken, Token } from '../api/models';
import { expiryState, formatDate, formatRelative, isLive } from '../format';
import { ConfirmButton } from './Dialog';
import { DataTable, type Column } from './lists';
import { RotateButton } from './RotateButton';

/** Expiry in words and colour: "Expires soon" and "Expired" are said, not only coloured. */
export function ExpiryCell({
  token,
}: {
  token: Pick<Token, 'expiresAt' | 'revokedAt'> & { kind?: Token['kind']; replacedById?: string | null; createdAt?: string };
}) {
  const state = expiryState(token);
  // The end of a grace period: the expiry of a rotated-out secret (or, from an older server, its future revokedAt).
  const graceEnd = token.revokedAt ?? token.expiresAt;
  switch (state) {
    case 'revoked':
      return (
        <span className="status">
          <span className="badge badge-muted">Revoked</span>{' '}
          <time dateTime={token.revokedAt ?? undefined}>{formatDate(token.revokedAt)}</time>
        </span>
      );
    case 'grace':
      return (
        <span className="status">
          <span className="badge badge-muted">Rotated</span> old secret stops working{' '}
          <time dateTime={graceEnd ?? undefined} title={formatDate(graceEnd)}>
            {formatRelative(graceEnd as string)}
          </time>
        </span>
      );
    case 'never':
      return <span className="muted">Never expires</span>;
    case 'expired':
      return (
        <span className="status">
          <span className="badge badge-danger">
            <span aria-hidden="true">✕ </span>Expired
          </span>{' '}
          <time dateTime={token.expiresAt ?? undefined}>{formatRelative(token.expiresAt as string)}</time>
        </span>
      );
    case 'expiring':
      return (
        <span className="status">
          <span className="badge badge-warning">
            <span aria-hidden="true">⚠ </span>Expires soon
          </span>{' '}
          <time dateTime={token.expiresAt ?? undefined} title={formatDate(token.expiresAt)}>
            {formatRelative(token.expiresAt as string)}
          </time>
        </span>
      );
    default:
      return (
        <time dateTime={token.expiresAt ?? undefined} title={formatRelative(token.expiresAt as string)}>
          {formatDate(token.expiresAt)}
        </time>
      );
  }
}

/** The class a token's table row gets, so expiring and expired ones stand out. */
export function tokenRowClass(
  token: Pick<Token, 'expiresAt' | 'revokedAt'> & { kind?: Token['kind']; replacedById?: string | null; createdAt?: string },
): string | undefined {
  const state = expiryState(token);
  if (state === 'expiring') return 'row-warning';
  if (state === 'expired') return 'row-danger';
  if (state === 'revoked' || state === 'grace') return 'row-muted';
  return undefined;
}

export function LastUsed({ token }: { token: Pick<Token, 'lastUsedAt' | 'lastUsedIp'> }) {
  if (!token.lastUsedAt) return <span className="muted">Never used</span>;
  return (
    <span>
      <time dateTime={token.lastUsedAt} title={formatDate(token.lastUsedAt)}>
        {formatRelative(token.lastUsedAt)}
      </time>
      {token.lastUsedIp && <span className="muted small"> from {token.lastUsedIp}</span>}
    </span>
  );
}

export function ScopeList({ scopes }: { scopes: string[] }) {
  if (scopes.includes('*')) return <span className="chip chip-strong">All scopes (*)</span>;
  return (
    <ul className="chips" aria-label="Scopes">
      {scopes.map((s) => (
        <li key={s} className="chip">
          {s}
        </li>
      ))}
    </ul>
  );
}

export function Hint({ hint }: { hint: string }) {
  return <code className="hint-code">{hint}</code>;
}

export function DeviceAccessSummary({ access, deviceNames }: { access: DeviceAccess; deviceNames?: Map<string, string> }) {
  if (access.mode === 'all') return <span>All devices</span>;
  const ids = access.deviceIds;
  if (ids.length === 0) return <span className="muted">No devices</span>;
  // Names only: an id means nothing to a person. Devices the viewer cannot see are counted.
  const names = ids.map((id) => deviceNames?.get(id)).filter((n): n is string => n !== undefined);
  const unnamed = ids.length - names.length;
  if (names.length === 0) return <span>{ids.length === 1 ? '1 selected device' : `${ids.length} selected devices`}</span>;
  return (
    <span className="break-anywhere">
      {ids.length === 1 ? 'Only ' : `${ids.length} devices: `}
      {names.join(', ')}
      {unnamed > 0 && ` and ${unnamed} more`}
    </span>
  );
}

/** The columns the token lists share; each list picks its own and may add more. */
export const tokenColumns = {
  name: {
    header: 'Name',
    rowHeader: true,
    cell: (t) => (
      <>
        {t.name ?? <span className="muted">unnamed</span>}
        <span className="muted small block">created {formatDate(t.createdAt)}</span>
      </>
    ),
  },
  hint: { header: 'Hint', cell: (t) => <Hint hint={t.hint} /> },
  scopes: { header: 'Scopes', cell: (t) => <ScopeList scopes={t.scopes} /> },
  expires: { header: 'Expires', cell: (t) => <ExpiryCell token={t} /> },
  lastUsed: { header: 'Last used', cell: (t) => <LastUsed token={t} /> },
} satisfies Record<string, Column<Token>>;

interface TokenTableProps<T extends Token> {
  caption: string;
  tokens: T[];
  columns: Array<Column<T>>;
  actions?: ((token: T) => ReactNode) | false;
}

/** A list of tokens, a row each; expiring, expired and revoked rows stand out. */
export function TokenTable<T extends Token>({ caption, tokens, columns, actions }: TokenTableProps<T>) {
  return <DataTable caption={caption} items={tokens} columns={columns} rowKey={(t) => t.id} rowClass={tokenRowClass} actions={actions} />;
}

interface TokenActionsProps {
  token: Token;
  onRotate: (graceSeconds: number) => Promise<IssuedToken>;
  /** Called with the new token once the rotate dialog has closed, to show its secret. */
  onRotated: (token: IssuedToken) => void;
  onRevoke: () => Promise<void>;
  /** What revoking does, said before it is confirmed. */
  revokeMessage: string;
}

/**
 * Rotate and Revoke for a token that still works; Revoke alone for a rotated-out secret in its grace
 * period (it has been rotated already); nothing for a revoked or expired one.
 */
export function TokenActions({ token, onRotate, onRotated, onRevoke, revokeMessage }: TokenActionsProps) {
  const name = token.name ?? token.hint;
  if (expiryState(token) === 'grace') {
    return (
      <ConfirmButton
        label="Revoke"
        accessibleLabel={`Revoke ${name}`}
        title={`Revoke "${name}"?`}
        message={<p>{revokeMessage} This old secret and the secret that replaced it both stop working.</p>}
        confirmLabel="Revoke token"
        onConfirm={onRevoke}
      />
    );
  }
  if (!isLive(token)) return null;
  return (
    <>
      {/* A disabled token is not rotated (the server refuses it): enable it first. */}
      {token.enabled !== false && <RotateButton tokenName={name} onRotate={onRotate} onRotated={onRotated} />}
      <ConfirmButton
        label="Revoke"
        accessibleLabel={`Revoke ${name}`}
        title={`Revoke "${name}"?`}
        message={<p>{revokeMessage}</p>}
        confirmLabel="Revoke token"
        onConfirm={onRevoke}
      />
    </>
  );
}
