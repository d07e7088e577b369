import { cidrsWithin, commonCidrs, NetworkMatcher, normaliseCidr, normaliseCidrList } from './network-allow-list';

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

describe('commonCidrs', () => {
  it.each([
    ['neither set', null, null, null],
    ['one set', ['10.0.0.0/8'], null, ['10.0.0.0/8']],
    ['the other set', null, ['10.0.0.0/8'], ['10.0.0.0/8']],
    ['nested: the narrower', ['10.0.0.0/8'], ['10.1.0.0/16', '192.168.0.0/16'], ['10.1.0.0/16']],
    ['nested the other way', ['10.1.2.0/24', '2001:db8::/32'], ['10.0.0.0/8', '2001:db8:1::/48'], ['10.1.2.0/24', '2001:db8:1::/48']],
    ['the same range once', ['10.0.0.0/8', '10.0.0.0/8'], ['10.0.0.0/8'], ['10.0.0.0/8']],
    ['apart: nothing', ['10.0.0.0/8'], ['192.168.0.0/16'], []],
    ['IPv4 and IPv6 never overlap', ['0.0.0.0/0'], ['::/0'], []],
  ])('%s', (_label, a, b, expected) => {
    expect(commonCidrs(a, b)).toEqual(expected);
  });

  it('matches exactly the addresses both lists allow', () => {
    const a = ['10.0.0.0/8', '192.168.1.0/24'];
    const b = ['10.20.0.0/16', '192.168.0.0/16', '172.16.0.0/12'];
    const both = new NetworkMatcher([a, b]);
    const common = new NetworkMatcher([commonCidrs(a, b)]);
    for (const ip of ['10.20.1.1', '10.21.1.1', '192.168.1.9', '192.168.2.9', '172.16.0.1', '8.8.8.8']) {
      expect(common.allows(ip)).toBe(both.allows(ip));
    }
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
