import { describeUserAgent, keptUserAgent, USER_AGENT_MAX_LENGTH } from './user-agent';

describe('describeUserAgent', () => {
  it.each([
    ['Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0', 'Firefox on Linux'],
    [
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
      'Chrome on Windows',
    ],
    [
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0',
      'Edge on Windows',
    ],
    [
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
      'Safari on iPhone',
    ],
    [
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
      'Safari on macOS',
    ],
    [
      'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
      'Chrome on Android',
    ],
    ['Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36 OPR/115.0', 'Opera on Linux'],
    ['curl/8.5.0', 'curl/8.5.0'],
    ['python-requests/2.32.3', 'python-requests/2.32.3'],
    ['Mozilla/5.0 (compatible; Something)', 'A browser'],
    [null, null],
  ])('%s -> %s', (userAgent, described) => {
    expect(describeUserAgent(userAgent)).toBe(described);
  });

  it('keeps a program name short', () => {
    expect(describeUserAgent('x'.repeat(200))).toHaveLength(80);
  });
});

describe('keptUserAgent', () => {
  it.each([
    [undefined, null],
    ['', null],
    ['   ', null],
    ['\u200b\u202e', null],
    ['curl/8\u0000\u001b[31m', 'curl/8[31m'],
    [['first', 'second'], 'first'],
  ])('%j -> %j', (header, kept) => {
    expect(keptUserAgent(header as string | string[] | undefined)).toBe(kept);
  });

  it('truncates by characters, never inside a surrogate pair', () => {
    const kept = keptUserAgent('🚀'.repeat(USER_AGENT_MAX_LENGTH + 10))!;
    expect([...kept]).toHaveLength(USER_AGENT_MAX_LENGTH);
    expect(kept).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
  });
});
