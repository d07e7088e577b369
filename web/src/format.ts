// Dates and token lifetimes as people read them.

export const EXPIRING_SOON_DAYS = 7;
const DAY_MS = 86_400_000;

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const relativeTime = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

export function formatDate(iso: string | null | undefined): string {
  return iso ? dateTime.format(new Date(iso)) : '—';
}

export function formatRelative(iso: string, now = Date.now()): string {
  const diff = new Date(iso).getTime() - now;
  const abs = Math.abs(diff);
  if (abs < 60_000) return relativeTime.format(Math.round(diff / 1000), 'second');
  if (abs < 3_600_000) return relativeTime.format(Math.round(diff / 60_000), 'minute');
  if (abs < DAY_MS) return relativeTime.format(Math.round(diff / 3_600_000), 'hour');
  return relativeTime.format(Math.round(diff / DAY_MS), 'day');
}

/** "grace": rotated, the old secret still works until its expiresAt, the end of its grace period. */
export type ExpiryState = 'revoked' | 'grace' | 'expired' | 'expiring' | 'active' | 'never';

interface Lifetime {
  kind?: string;
  createdAt?: string;
  expiresAt: string | null;
  revokedAt?: string | null;
  replacedById?: string | null;
}

/**
 * Login sessions live hours by design: they are never "expiring soon", only expired. A rotated-out
 * token is listed unrevoked until its grace period ends, with that end as its expiry. "Expiring soon"
 * is within EXPIRING_SOON_DAYS and past half of the token's life: a 7-day token is not flagged the
 * moment it is made, only once it has used half of its week.
 */
export function expiryState(token: Lifetime, now = Date.now()): ExpiryState {
  if (token.revokedAt) return new Date(token.revokedAt).getTime() > now ? 'grace' : 'revoked';
  if (!token.expiresAt) return 'never';
  const left = new Date(token.expiresAt).getTime() - now;
  if (left <= 0) return 'expired';
  if (token.replacedById) return 'grace';
  if (token.kind === 'session' || left > EXPIRING_SOON_DAYS * DAY_MS) return 'active';
  const lifetime = token.createdAt ? new Date(token.expiresAt).getTime() - new Date(token.createdAt).getTime() : Infinity;
  return left <= lifetime / 2 ? 'expiring' : 'active';
}

export function isExpiringOrExpired(token: Lifetime): boolean {
  const state = expiryState(token);
  return state === 'expiring' || state === 'expired';
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** Whether a token can still be rotated or revoked from a list. */
export function isLive(token: Lifetime): boolean {
  const state = expiryState(token);
  return state === 'active' || state === 'expiring' || state === 'never';
}
