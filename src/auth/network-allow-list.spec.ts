import { cidrsWithin, NetworkMatcher, normaliseCidr, normaliseCidrList } from './network-allow-list';

describe('normaliseCidr', () => {
  it.each([
    ['10.1.2.3/8', '10.0.0.0/8'],
    ['10.1.2.3', '10.1.2.3/32'],
    ['0.0.0.0/0', '0.0.0.0/0'],
    ['2001:DB8::1/32', '2001:db8::/32'],
    ['2001:db8::1', '2001:db8::1/128'],
    ['::ffff:10.0.0.0/104', '10.0.0.0/8'],
    ['::/0', '::/0'],
    ['10.0.0.0/33', null],
    ['::/129', null],
    ['10', null],
    ['0x0a.0.0.1', null],
    ['junk', null],
    ['', null],
    ['1'.repeat(65), null],
    ['10.0.0.0/8/8', null],
  ])('%s → %s', (raw, expected) => {
    expect(normaliseCidr(raw)).toBe(expected);
  });
});

describe('normaliseCidrList', () => {
  it('deduplicates after normalising and keeps the order', () => {
    expect(normaliseCidrList(['10.1.0.0/8', '10.0.0.0/8', '::1'])).toEqual(['10.0.0.0/8', '::1/128']);
  });
  it('names the bad entry by position, never echoing it', () => {
    const verdict = normaliseCidrList(['10.0.0.0/8', 'secret-junk']);
    expect(verdict).toMatch(/^entry 2 /);
    expect(verdict).not.toContain('secret-junk');
  });
  it('refuses an empty list and more than 100 ranges', () => {
    expect(normaliseCidrList([])).toMatch(/null/);
    expect(normaliseCidrList(Array.from({ length: 101 }, (_, i) => `10.0.${i}.0/24`))).toMatch(/at most 100/);
  });
});

describe('cidrsWithin', () => {
  it.each([
    [['10.0.0.0/8'], ['10.1.0.0/16'], true],
    [['10.0.0.0/8'], ['10.0.0.0/8'], true],
    [['10.0.0.0/16'], ['10.0.0.0/8'], false],
    [['10.0.0.0/8'], ['11.0.0.0/16'], false],
    [['10.0.0.0/8', '2001:db8::/32'], ['2001:db8:1::/48', '10.2.0.0/16'], true],
    [['10.0.0.0/8'], ['::/0'], false],
  ])('%j ⊇ %j: %s', (outer, inner, expected) => {
    expect(cidrsWithin(outer, inner)).toBe(expected);
  });
});

describe('NetworkMatcher', () => {
  it.each([
    ['inside an IPv4 range', [['10.0.0.0/8']], '10.9.8.7', true],
    ['outside', [['10.0.0.0/8']], '11.0.0.1', false],
    ['an IPv4-mapped IPv6 client against an IPv4 range', [['10.0.0.0/8']], '::ffff:10.0.0.1', true],
    ['IPv6 inside', [['2001:db8::/32']], '2001:db8:1::5', true],
    ['IPv6 client, IPv4 list', [['10.0.0.0/8']], '2001:db8::1', false],
    ['inside both lists', [['10.0.0.0/8'], ['10.1.0.0/16']], '10.1.2.3', true],
    ['inside one list of two', [['10.0.0.0/8'], ['10.1.0.0/16']], '10.2.0.1', false],
    ['no address (an in-process call)', [['0.0.0.0/0']], '', false],
  ])('%s', (_case, lists, ip, expected) => {
    expect(new NetworkMatcher(lists).allows(ip)).toBe(expected);
  });

  it('remembers its last verdict per address, and judges a new address anew', () => {
    const matcher = new NetworkMatcher([['10.0.0.0/8'], null]);
    expect(matcher.restricts).toBe(true);
    expect([matcher.allows('10.0.0.1'), matcher.allows('10.0.0.1'), matcher.allows('9.0.0.1'), matcher.allows('10.0.0.1')]).toEqual([
      true,
      true,
      false,
      true,
    ]);
    expect(new NetworkMatcher([null, null]).restricts).toBe(false);
  });
});
