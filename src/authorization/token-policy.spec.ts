import { ErrorCode } from '../common/errors';
import type { TokenKind } from '../tokens/token.entity';
import { assertPolicyAccepts, JudgedToken, policyLoosens, policyRefusal, TokenPolicy } from './token-policy';
import { verdict } from '../../test/support/rule-verdict';

const DAY_MS = 86_400_000;
const CREATED = new Date('2026-01-01T00:00:00Z');
/** A token of `kind` living `days` (null: never expiring), plus `extraMs`. */
const tokenOf = (kind: TokenKind, days: number | null, extraMs = 0): JudgedToken => ({
  kind,
  createdAt: CREATED,
  expiresAt: days === null ? null : new Date(CREATED.getTime() + days * DAY_MS + extraMs),
});
const policy = (maxLifetimeDays: number | null, allowPersonalTokens = true): TokenPolicy => ({ maxLifetimeDays, allowPersonalTokens });

const NO_PERSONAL = 'does not accept personal access tokens';
const within = (days: number) => `accepts only tokens that expire within ${days} days`;

describe('policyRefusal', () => {
  it.each<[string, TokenPolicy, JudgedToken, string | null]>([
    // No limits: everything, never-expiring tokens too.
    ['no limits, a never-expiring personal token', policy(null), tokenOf('personal', null), null],
    ['no limits, a never-expiring API-user token', policy(null), tokenOf('api_user', null), null],
    // Personal tokens off: personal and named refused, API-user tokens and sessions not.
    ['personal off, a personal token', policy(null, false), tokenOf('personal', null), NO_PERSONAL],
    ['personal off, a named token', policy(null, false), tokenOf('named', 1), NO_PERSONAL],
    ['personal off, an API-user token', policy(null, false), tokenOf('api_user', null), null],
    ['personal off, a login session', policy(null, false), tokenOf('session', 0.5), null],
    ['personal off and a limit, a short personal token: the kind is named first', policy(30, false), tokenOf('personal', 1), NO_PERSONAL],
    // A maximum lifetime: at the limit is within it, a millisecond more is not, never-expiring is not.
    ['30 days, a token of 29', policy(30), tokenOf('named', 29), null],
    ['30 days, a token of exactly 30', policy(30), tokenOf('named', 30), null],
    ['30 days, a token of 30 and 1 ms', policy(30), tokenOf('named', 30, 1), within(30)],
    ['30 days, a never-expiring API-user token', policy(30), tokenOf('api_user', null), within(30)],
    ['30 days, a never-expiring personal token', policy(30), tokenOf('personal', null), within(30)],
    ['1 day, a 12-hour session', policy(1), tokenOf('session', 0.5), null],
    ['1 day, a session of 1 day and 1 ms', policy(1), tokenOf('session', 1, 1), within(1)],
    ['a token that already expired is within any limit', policy(1), tokenOf('api_user', -1), null],
  ])('%s', (_case, judgedBy, token, expected) => {
    expect(policyRefusal(judgedBy, token)).toBe(expected);
  });
});

describe('assertPolicyAccepts', () => {
  const refused = (detail: string) => ({ code: ErrorCode.TokenPolicy, detail });
  it.each<[string, TokenPolicy, JudgedToken, string, string | undefined, unknown]>([
    ['an accepted token', policy(30), tokenOf('named', 30), 'This workspace', undefined, 'allowed'],
    [
      'at a request',
      policy(null, false),
      tokenOf('personal', null),
      'This workspace',
      undefined,
      refused('This workspace does not accept personal access tokens.'),
    ],
    [
      'making an API-user token',
      policy(7),
      tokenOf('api_user', null),
      'This workspace',
      'set expiresInDays',
      refused('This workspace accepts only tokens that expire within 7 days; set expiresInDays.'),
    ],
    [
      'making a named token for several workspaces',
      policy(7),
      tokenOf('named', 8),
      'Workspace w1',
      undefined,
      refused('Workspace w1 accepts only tokens that expire within 7 days.'),
    ],
  ])('%s', (_case, judgedBy, token, who, advice, expected) => {
    expect(verdict(() => assertPolicyAccepts(judgedBy, token, who, advice))).toEqual(expected);
  });
});

describe('policyLoosens', () => {
  it.each([
    [policy(30), policy(null), true],
    [policy(30), policy(31), true],
    [policy(30, false), policy(30, true), true],
    [policy(30), policy(30), false],
    [policy(30), policy(7), false],
    [policy(null), policy(null), false],
    [policy(null), policy(7), false],
    [policy(null, true), policy(null, false), false],
    [policy(30, false), policy(60, false), true],
  ])('%o to %o: %s', (before, after, loosens) => {
    expect(policyLoosens(before, after)).toBe(loosens);
  });
});
