import { createHash } from 'node:crypto';
import { DomainError, ErrorCode } from '../common/errors';
import { assertMetricsKey, assertPublicMetricsAccess } from './metrics-access';

const KEY = 'k'.repeat(40);
const digest = createHash('sha256').update(KEY).digest();

function codeOf(fn: () => void): ErrorCode | null {
  try {
    fn();
    return null;
  } catch (error) {
    return error instanceof DomainError ? error.code : null;
  }
}

describe('metrics access', () => {
  it('takes the key as a bearer credential, any case of the scheme', () => {
    expect(codeOf(() => assertMetricsKey(digest, `Bearer ${KEY}`))).toBeNull();
    expect(codeOf(() => assertMetricsKey(digest, `bearer ${KEY}`))).toBeNull();
  });

  it('refuses a missing, scheme-less, wrong, longer or shorter key', () => {
    expect(codeOf(() => assertMetricsKey(digest, undefined))).toBe(ErrorCode.TokenMissing);
    expect(codeOf(() => assertMetricsKey(digest, KEY))).toBe(ErrorCode.TokenMissing);
    expect(codeOf(() => assertMetricsKey(digest, `Token ${KEY}`))).toBe(ErrorCode.TokenMissing);
    expect(codeOf(() => assertMetricsKey(digest, `Bearer ${KEY}x`))).toBe(ErrorCode.TokenInvalid);
    expect(codeOf(() => assertMetricsKey(digest, `Bearer ${KEY.slice(1)}`))).toBe(ErrorCode.TokenInvalid);
  });

  it('is not served on the public port without a configured key, whatever is sent', () => {
    expect(codeOf(() => assertPublicMetricsAccess(null, `Bearer ${KEY}`))).toBe(ErrorCode.NotFound);
  });
});
