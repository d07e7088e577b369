// The IETF RateLimit header fields (draft-ietf-httpapi-ratelimit-headers): which limit counted the
// request, its quota per window (RateLimit-Policy) and what is left of it (RateLimit). Sent on every
// answer a limit counted, 2xx and 4xx alike; a 429 adds Retry-After. Clients slow down before they are
// refused instead of after.

/** One limit's standing for the caller, just after this request was counted. */
export interface RateLimitState {
  /** The limit's name as the fields show it: `token`, `ip`, `failed-checks`, `register`, `password-change`. */
  policy: string;
  /** Requests allowed per window. */
  quota: number;
  windowSeconds: number;
  /** Requests left in this window (0 once refused). */
  remaining: number;
  /** Until the window ends. */
  msBeforeReset: number;
}

export const RATE_LIMIT_POLICY_HEADER = 'RateLimit-Policy';
export const RATE_LIMIT_HEADER = 'RateLimit';

export function rateLimitFields(state: RateLimitState): Record<string, string> {
  return { [RATE_LIMIT_POLICY_HEADER]: policyField(state), [RATE_LIMIT_HEADER]: standingField(state) };
}

/** The same fields set on an answer one by one: the token check sets them on every request, without an object between. */
export function setRateLimitFields(reply: { header(name: string, value: string): unknown }, state: RateLimitState): void {
  reply.header('ratelimit-policy', policyField(state));
  reply.header('ratelimit', standingField(state));
}

const policyField = (state: RateLimitState) => `"${state.policy}";q=${state.quota};w=${state.windowSeconds}`;
const standingField = (state: RateLimitState) =>
  `"${state.policy}";r=${uncachedDigits(Math.max(0, state.remaining))};t=${Math.max(0, Math.ceil(state.msBeforeReset / 1000))}`;

/**
 * A whole number's digits without V8's number-to-string cache. A template literal (or String(n)) keeps
 * each string it makes in that cache, a table in the old generation, so every string outlives two
 * young collections and is promoted there: for a count that differs on every check (what is left of
 * the token's limit), one dead string per check, which brought a full collection every few seconds
 * (docs/performance.md, "At scale"). toFixed makes its string afresh, to die young; about 50 ns dearer.
 * The seconds and the quota take few values, so the cache serves them without growing.
 */
const uncachedDigits = (n: number): string => n.toFixed(0);
