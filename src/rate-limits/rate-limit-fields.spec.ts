import { rateLimitFields, setRateLimitFields, type RateLimitState } from './rate-limit-fields';

const state = (remaining: number, msBeforeReset = 12_300): RateLimitState => ({
  policy: 'token',
  quota: 100_000_000,
  windowSeconds: 60,
  remaining,
  msBeforeReset,
});

describe('RateLimit fields', () => {
  it('write what is left as plain digits, however large, and never below zero', () => {
    expect(rateLimitFields(state(99_999_999))).toEqual({
      'RateLimit-Policy': '"token";q=100000000;w=60',
      RateLimit: '"token";r=99999999;t=13',
    });
    expect(rateLimitFields(state(0)).RateLimit).toBe('"token";r=0;t=13');
    expect(rateLimitFields(state(-3, 0)).RateLimit).toBe('"token";r=0;t=0');
  });

  it('set on an answer one by one say the same', () => {
    const sent: Record<string, string> = {};
    setRateLimitFields({ header: (name, value) => (sent[name] = value) }, state(41_999));
    expect(sent).toEqual({ 'ratelimit-policy': '"token";q=100000000;w=60', ratelimit: '"token";r=41999;t=13' });
  });
});
