import { withoutPort } from './client-address';

describe('withoutPort', () => {
  it.each([
    ['203.0.113.9', '203.0.113.9'],
    ['203.0.113.9:51234', '203.0.113.9'],
    ['2001:db8::1', '2001:db8::1'],
    ['::ffff:203.0.113.9', '::ffff:203.0.113.9'],
    ['[2001:db8::1]:51234', '2001:db8::1'],
    ['[2001:db8::1]', '2001:db8::1'],
    // Not an address with a port: left as it is (it is its own rate-limit key, and matches no allow-list).
    ['203.0.113.9:http', '203.0.113.9:http'],
    ['203.0.113.9:123456', '203.0.113.9:123456'],
    ['[2001:db8::1]junk', '[2001:db8::1]junk'],
    ['[]:80', '[]:80'],
    ['unknown', 'unknown'],
    ['', ''],
  ])('%s → %s', (raw, expected) => {
    expect(withoutPort(raw)).toBe(expected);
  });
});
