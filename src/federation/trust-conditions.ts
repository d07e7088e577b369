// The conditions of a trust rule on an OIDC token's claims, and how they match: pure functions, one
// family, checked by trust-conditions.spec.ts. A condition is an exact string or a glob where `*`
// stands for any run of characters other than `/` (so `refs/heads/*` matches `refs/heads/main` but not
// `refs/heads/feature/x`, and `my-org/*` matches every repository of my-org and nothing of another
// owner); every other character, `?` and `[` included, stands for itself. There is no `**`.

/** Claims a rule may not name: the verification itself checks them (iss, aud, exp, nbf, iat, jti); `sub` has its own field. */
export const RESERVED_CLAIMS = ['iss', 'aud', 'exp', 'nbf', 'iat', 'jti', 'sub'] as const;
export const MAX_CLAIM_CONDITIONS = 10;
export const CLAIM_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$/;
export const CONDITION_MAX_LENGTH = 512;
/** Printable characters, unicode ones included (branch names), and no control or format character. */
const CONDITION_VALUE = /^[^\p{Cc}\p{Cf}\p{Zl}\p{Zp}]+$/u;

export interface TrustConditions {
  /** The token's `sub`, exactly; null: any. */
  subject: string | null;
  /** Claim name -> exact value or glob. */
  claims: Record<string, string>;
}

/** Why these conditions cannot make a rule, or null. A rule must pin something down: see pinsSomething(). */
export function conditionsProblem(conditions: { subject?: unknown; claims?: unknown }): { field: string; message: string } | null {
  const { subject, claims } = conditions;
  if (subject !== undefined && subject !== null) {
    if (typeof subject !== 'string' || subject.length === 0 || subject.length > CONDITION_MAX_LENGTH) {
      return { field: 'subject', message: `must be a string of 1 to ${CONDITION_MAX_LENGTH} characters` };
    }
    if (!CONDITION_VALUE.test(subject)) return { field: 'subject', message: 'must not contain control or invisible format characters' };
  }
  if (claims !== undefined && claims !== null) {
    if (typeof claims !== 'object' || Array.isArray(claims))
      return { field: 'claims', message: 'must be an object of claim name to pattern' };
    const entries = Object.entries(claims as Record<string, unknown>);
    if (entries.length > MAX_CLAIM_CONDITIONS) return { field: 'claims', message: `must have at most ${MAX_CLAIM_CONDITIONS} conditions` };
    for (const [name, pattern] of entries) {
      const field = `claims.${name.slice(0, 64)}`;
      if (!CLAIM_NAME_PATTERN.test(name))
        return { field: 'claims', message: 'claim names are 1 to 64 of A-Z a-z 0-9 _ . : - (not starting with a digit)' };
      if ((RESERVED_CLAIMS as readonly string[]).includes(name)) {
        return { field, message: `${name} is checked by the exchange itself${name === 'sub' ? '; use subject' : ''}` };
      }
      if (typeof pattern !== 'string' || pattern.length === 0 || pattern.length > CONDITION_MAX_LENGTH) {
        return { field, message: `must be a string of 1 to ${CONDITION_MAX_LENGTH} characters` };
      }
      if (!CONDITION_VALUE.test(pattern)) return { field, message: 'must not contain control or invisible format characters' };
    }
  }
  const normalised = { subject: typeof subject === 'string' ? subject : null, claims: (claims ?? {}) as Record<string, string> };
  if (!pinsSomething(normalised)) {
    return {
      field: 'claims',
      message:
        'a rule must pin the token down: give subject, or a claim condition with a part that is not a wildcard (e.g. repository: "my-org/my-repo")',
    };
  }
  return null;
}

/**
 * A rule that would match any token of its issuer and audience (every repository on GitHub) is refused:
 * it needs `subject`, or one claim condition with a `/`-separated part that has no `*`.
 */
export function pinsSomething(conditions: TrustConditions): boolean {
  if (conditions.subject !== null) return true;
  return Object.values(conditions.claims).some((pattern) => pattern.split('/').some((part) => part.length > 0 && !part.includes('*')));
}

/**
 * Whether `value` matches `pattern` (exact, or a glob whose `*` does not cross `/`). Segment by segment,
 * each with the two-pointer wildcard walk: O(pattern × value) at worst, never the exponential
 * backtracking a regular expression of many `*` could take on a hostile claim value.
 */
export function globMatches(pattern: string, value: string): boolean {
  if (!pattern.includes('*')) return pattern === value;
  const patternParts = pattern.split('/');
  const valueParts = value.split('/');
  if (patternParts.length !== valueParts.length) return false;
  return patternParts.every((part, i) => segmentMatches(part, valueParts[i]));
}

function segmentMatches(pattern: string, value: string): boolean {
  let p = 0;
  let v = 0;
  let star = -1;
  let resume = 0;
  while (v < value.length) {
    if (p < pattern.length && pattern[p] !== '*' && pattern[p] === value[v]) {
      p++;
      v++;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      resume = v;
    } else if (star >= 0) {
      p = star + 1;
      v = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}

/**
 * The claims that satisfied every condition (for the audit), or null when one fails. A claim that is
 * not a string (a number, an array, an object) never matches a condition.
 */
export function matchConditions(conditions: TrustConditions, claims: Record<string, unknown>): Record<string, string> | null {
  const matched: Record<string, string> = {};
  if (conditions.subject !== null) {
    if (claims.sub !== conditions.subject) return null;
    matched.sub = conditions.subject;
  }
  for (const [name, pattern] of Object.entries(conditions.claims)) {
    const value = Object.prototype.hasOwnProperty.call(claims, name) ? claims[name] : undefined;
    // A `*` could otherwise take a control character (a NUL) into the audit's matched claims.
    if (typeof value !== 'string' || !CONDITION_VALUE.test(value) || !globMatches(pattern, value)) return null;
    matched[name] = value;
  }
  return matched;
}
