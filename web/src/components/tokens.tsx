// How a token's lifetime, scopes and reach are shown everywhere.
import type { DeviceAccess, Token } from '../api/types';
import { expiryState, formatDate, formatRelative } from '../format';

/** Expiry in words and colour: "Expires soon" and "Expired" are said, not only coloured. */
export function ExpiryCell({ token }: { token: Pick<Token, 'expiresAt' | 'revokedAt'> & { kind?: Token['kind'] } }) {
  const state = expiryState(token);
  switch (state) {
    case 'revoked':
      return (
        <span className="status">
          <span className="badge badge-muted">Revoked</span> <time dateTime={token.revokedAt ?? undefined}>{formatDate(token.revokedAt)}</time>
        </span>
      );
    case 'grace':
      return (
        <span className="status">
          <span className="badge badge-muted">Rotated</span> old secret works until{' '}
          <time dateTime={token.revokedAt ?? undefined} title={formatDate(token.revokedAt)}>
            {formatRelative(token.revokedAt as string)}
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
export function tokenRowClass(token: Pick<Token, 'expiresAt' | 'revokedAt'> & { kind?: Token['kind'] }): string | undefined {
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
  if (access.deviceIds.length === 0) return <span className="muted">No devices</span>;
  const names = access.deviceIds.map((id) => deviceNames?.get(id) ?? `${id.slice(0, 8)}…`);
  return (
    <span>
      {access.deviceIds.length === 1 ? 'Only ' : `${access.deviceIds.length} devices: `}
      {names.join(', ')}
    </span>
  );
}
