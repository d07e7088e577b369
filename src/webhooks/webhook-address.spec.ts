import { AddressPolicy, urlProblem } from './webhook-address';
import { RETRY_DELAYS_MS } from './webhook-deliveries';
import { webhookEventsOf, webhookPayload, WEBHOOK_EVENT_TYPES } from './webhook-events';

const strict = new AddressPolicy([], false);
const tests = new AddressPolicy(['127.0.0.1/32', '::1/128'], true);

describe('AddressPolicy.refusal', () => {
  it.each([
    ['93.184.216.34', null],
    ['2606:2800:220:1:248:1893:25c8:1946', null],
    ['127.0.0.1', 'is a loopback address'],
    ['127.255.0.1', 'is a loopback address'],
    ['10.0.0.1', 'is a private address'],
    ['172.16.5.4', 'is a private address'],
    ['192.168.1.1', 'is a private address'],
    ['169.254.169.254', 'is a linkLocal address'],
    ['100.64.0.1', 'is a carrierGradeNat address'],
    ['0.0.0.0', 'is a unspecified address'],
    ['255.255.255.255', 'is a broadcast address'],
    ['224.0.0.1', 'is a multicast address'],
    ['192.0.2.1', 'is a reserved address'],
    ['::1', 'is a loopback address'],
    ['::', 'is a unspecified address'],
    ['fe80::1', 'is a linkLocal address'],
    ['fd00::1', 'is a uniqueLocal address'],
    ['ff02::1', 'is a multicast address'],
    ['::ffff:127.0.0.1', 'is a loopback address'],
    ['::ffff:10.0.0.1', 'is a private address'],
    ['::ffff:93.184.216.34', null],
    ['64:ff9b::a00:1', 'is a rfc6052 address'],
    ['2002:a00:1::', 'is a 6to4 address'],
    ['[::1]', 'is a loopback address'],
    ['not-an-ip', 'is not an IP address'],
  ])('%s -> %s', (address, verdict) => {
    expect(strict.refusal(address)).toBe(verdict);
  });

  it('lets configured CIDRs through, and only those', () => {
    expect(tests.refusal('127.0.0.1')).toBeNull();
    expect(tests.refusal('::ffff:127.0.0.1')).toBeNull();
    expect(tests.refusal('::1')).toBeNull();
    expect(tests.refusal('127.0.0.2')).toBe('is a loopback address');
    expect(tests.refusal('10.0.0.1')).toBe('is a private address');
  });
});

describe('urlProblem', () => {
  it.each([
    ['https://hooks.example.com/x?y=1', null],
    ['https://93.184.216.34:8443/x', null],
    ['https://xn--exmple-cua.com/', null],
    ['http://hooks.example.com/x', 'must be an https:// URL'],
    ['ftp://hooks.example.com/x', 'must be an https:// URL'],
    ['javascript:alert(1)', 'must be an https:// URL'],
    ['https://a:b@hooks.example.com/', 'must not carry credentials (user:password@)'],
    ['https://@hooks.example.com/', 'must not carry credentials (user:password@)'],
    ['https://hooks.example.com/#x', 'must not have a fragment'],
    ['https://exämple.com/', 'must be printable ASCII (write an international domain name as punycode, xn--…)'],
    ['https://hooks.example.com/a b', 'must be printable ASCII (write an international domain name as punycode, xn--…)'],
    ['nope', 'must be an absolute URL'],
    ['https://127.0.0.1/', 'points at 127.0.0.1, which is a loopback address'],
    ['https://0x7f.1/', 'points at 127.0.0.1, which is a loopback address'],
    ['https://2130706433/', 'points at 127.0.0.1, which is a loopback address'],
    ['https://[::ffff:7f00:1]/', 'points at ::ffff:7f00:1, which is a loopback address'],
    ['https://[::1]/', 'points at ::1, which is a loopback address'],
    ['https://localhost/', 'points at localhost, a local name'],
    ['https://foo.localhost./', 'points at foo.localhost., a local name'],
    ['https://printer.local/', 'points at printer.local, a local name'],
    ['https://metadata.google.internal/', 'points at metadata.google.internal, a local name'],
    [`https://hooks.example.com/${'a'.repeat(3000)}`, 'must be at most 2048 characters'],
  ])('%s -> %s', (url, verdict) => {
    expect(urlProblem(url, strict)).toBe(verdict);
  });

  it('allows http and the loopback only where configured', () => {
    expect(urlProblem('http://127.0.0.1:8080/x', tests)).toBeNull();
    expect(urlProblem('http://localhost:8080/x', tests)).toBeNull();
    expect(urlProblem('http://10.0.0.1/x', tests)).toBe('points at 10.0.0.1, which is a private address');
  });
});

describe('webhook events', () => {
  it.each([
    ['member.joined', ['member.added', 'invitation.accepted']],
    ['member.left', ['member.removed']],
    ['api_user.disabled', ['api_user.disabled']],
    ['token.expiring', ['token.expiring']],
    ['workspace.token_policy_changed', ['token_policy.changed']],
    ['team.updated', ['team.changed']],
    ['team.member_added', ['team.member_added']],
    ['webhook.created', []],
    ['login.failed', []],
    ['constructor', []],
    ['__proto__', []],
  ])('%s raises %j', (action, events) => {
    expect(webhookEventsOf(action)).toEqual(events);
  });

  it('lists every event type once', () => {
    expect(new Set(WEBHOOK_EVENT_TYPES).size).toBe(WEBHOOK_EVENT_TYPES.length);
    expect(WEBHOOK_EVENT_TYPES).toContain('device.deleted');
  });

  it('carries ids and listed facts only', () => {
    const payload = webhookPayload(
      'token.created',
      new Date('2026-01-01T00:00:00Z'),
      { type: 'user', id: 'u1', tokenId: 't0', ip: '203.0.113.9' },
      {
        action: 'token.created',
        workspaceId: 'w1',
        target: { type: 'token', id: 't1' },
        details: { scopes: ['*'], secret: 'lka_x', tokenHash: 'h' },
      },
    );
    expect(payload).toEqual({
      type: 'token.created',
      timestamp: '2026-01-01T00:00:00.000Z',
      data: { workspaceId: 'w1', actor: { type: 'user', id: 'u1' }, target: { type: 'token', id: 't1' }, scopes: ['*'] },
    });
  });
});

describe('retry schedule', () => {
  it('grows and lasts about a day', () => {
    for (let i = 1; i < RETRY_DELAYS_MS.length; i++) expect(RETRY_DELAYS_MS[i]).toBeGreaterThanOrEqual(RETRY_DELAYS_MS[i - 1]);
    const hours = RETRY_DELAYS_MS.reduce((a, b) => a + b, 0) / 3_600_000;
    expect(hours).toBeGreaterThan(24);
    expect(hours).toBeLessThan(30);
  });
});
