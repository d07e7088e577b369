import { conditionsProblem, globMatches, matchConditions, pinsSomething } from './trust-conditions';

describe('globMatches', () => {
  it.each([
    ['refs/heads/main', 'refs/heads/main', true],
    ['refs/heads/main', 'refs/heads/main2', false],
    ['refs/heads/*', 'refs/heads/main', true],
    ['refs/heads/*', 'refs/heads/', true],
    ['refs/heads/*', 'refs/heads/feature/x', false],
    ['refs/heads/*', 'refs/tags/v1', false],
    ['my-org/*', 'my-org/repo', true],
    ['my-org/*', 'my-org-evil/repo', false],
    ['my-org/*', 'other/my-org/repo', false],
    ['refs/tags/v*', 'refs/tags/v1.2.3', true],
    ['refs/tags/v*', 'refs/tags/1.2.3', false],
    ['*-prod', 'api-prod', true],
    ['*-prod', 'api-prod-x', false],
    ['a*b*c', 'axxbyyc', true],
    ['a*b*c', 'axxbyy', false],
    ['release/?', 'release/x', false],
    ['release/?', 'release/?', true],
    ['[ab]', 'a', false],
    ['[ab]', '[ab]', true],
    ['.*', 'anything', false],
    ['*', '', true],
    ['ö/*', 'ö/ü', true],
  ])('%s against %s: %s', (pattern, value, expected) => {
    expect(globMatches(pattern, value)).toBe(expected);
  });

  it('stays linear-ish on a hostile value (no regular-expression backtracking)', () => {
    const started = Date.now();
    expect(globMatches(`${'*a'.repeat(200)}b`, 'a'.repeat(5000))).toBe(false);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe('pinsSomething', () => {
  it.each([
    ['a subject', { subject: 'repo:x', claims: {} }, true],
    ['nothing', { subject: null, claims: {} }, false],
    ['only *', { subject: null, claims: { repository: '*' } }, false],
    ['only */*', { subject: null, claims: { repository: '*/*' } }, false],
    ['an owner and any repository', { subject: null, claims: { repository: 'my-org/*' } }, true],
    ['an exact claim', { subject: null, claims: { repository_owner: 'my-org' } }, true],
    ['a partial wildcard segment', { subject: null, claims: { ref: 'refs/heads/*' } }, true],
  ])('%s: %s', (_case, conditions, expected) => {
    expect(pinsSomething(conditions)).toBe(expected);
  });
});

describe('conditionsProblem', () => {
  it.each([
    ['a subject', { subject: 'repo:x' }, null],
    ['claims', { claims: { repository: 'a/b' } }, null],
    ['nothing', {}, 'claims'],
    ['an empty subject', { subject: '' }, 'subject'],
    ['a numeric subject', { subject: 5 }, 'subject'],
    ['claims as an array', { claims: ['a'] }, 'claims'],
    ['a claim named sub', { claims: { sub: 'x' } }, 'claims.sub'],
    ['a claim named exp', { claims: { repository: 'a/b', exp: '1' } }, 'claims.exp'],
    ['a claim name with a space', { claims: { 'a b': 'x' } }, 'claims'],
    ['a newline in a pattern', { claims: { repository: 'a\nb' } }, 'claims.repository'],
    ['a bidi control in the subject', { subject: 'repo:\u202eevil' }, 'subject'],
  ])('%s', (_case, input, field) => {
    expect(conditionsProblem(input)?.field ?? null).toBe(field);
  });
});

describe('matchConditions', () => {
  const conditions = { subject: 'repo:acme/x:ref:refs/heads/main', claims: { repository: 'acme/*', ref: 'refs/heads/*' } };
  it('answers the claims that matched', () => {
    expect(
      matchConditions(conditions, { sub: 'repo:acme/x:ref:refs/heads/main', repository: 'acme/x', ref: 'refs/heads/main', actor: 'eve' }),
    ).toEqual({ sub: 'repo:acme/x:ref:refs/heads/main', repository: 'acme/x', ref: 'refs/heads/main' });
  });
  it.each([
    ['another subject', { sub: 'repo:acme/y:ref:refs/heads/main', repository: 'acme/x', ref: 'refs/heads/main' }],
    ['a missing claim', { sub: 'repo:acme/x:ref:refs/heads/main', repository: 'acme/x' }],
    ['a claim that is an array', { sub: 'repo:acme/x:ref:refs/heads/main', repository: ['acme/x'], ref: 'refs/heads/main' }],
    ['an inherited claim name', Object.create({ repository: 'acme/x', ref: 'refs/heads/main', sub: 'repo:acme/x:ref:refs/heads/main' })],
  ])('fails on %s', (_case, claims) => {
    expect(matchConditions(conditions, claims as Record<string, unknown>)).toBeNull();
  });
});

describe('matchConditions with hostile claim values', () => {
  it('a value with a control character never matches, even where a * would take it (it would reach the audit)', () => {
    const conditions = { subject: null, claims: { repository: 'my-org/*' } };
    expect(matchConditions(conditions, { repository: 'my-org/repo' })).toEqual({ repository: 'my-org/repo' });
    expect(matchConditions(conditions, { repository: 'my-org/re\u0000po' })).toBeNull();
    expect(matchConditions(conditions, { repository: 'my-org/re\u200bpo' })).toBeNull();
  });
});
