// The cache-fill race: a lookup that began before a revocation committed must not put the old row
// back into the cache after the invalidation arrived.
import { RateLimits } from '../rate-limits/rate-limits';
import { Invalidation } from '../cache/invalidation';
import { Clock, SystemClock } from '../common/clock';
import { loadConfig } from '../config/app-config';
import type { TokenCredential, TokensRepository } from '../tokens/tokens.repository';
import type { TokenUsageRecorder } from '../tokens/token-usage.recorder';
import type { LastUsedRecorder } from './last-used.recorder';
import { TokenAuthenticator } from './token-authenticator';
import { generateToken } from './token-format';
import { DomainError } from '../common/errors';

function credential(revokedAt: Date | null): TokenCredential {
  return {
    id: 'tok-1',
    kind: 'named',
    userId: 'user-1',
    apiUserId: null,
    scopes: ['*'],
    workspaceIds: null,
    expiresAt: null,
    revokedAt,
    revokedOutright: false,
    createdAt: new Date(0),
    blockedWorkspaceIds: [],
    parentId: null,
    parentKind: null,
    parentCreatedAt: null,
    parentExpiresAt: null,
    parentRevokedAt: null,
    parentRevokedOutright: false,
    parentBlockedWorkspaceIds: null,
    userStatus: 'active',
    userEmail: 'u@example.com',
    apiUserStatus: null,
    apiUserWorkspaceId: null,
    rateLimit: null,
    rateLimitWindowSeconds: null,
    parentRateLimit: null,
    parentRateLimitWindowSeconds: null,
    apiUserRateLimit: null,
    apiUserRateLimitWindowSeconds: null,
    disabledAt: null,
    parentDisabledAt: null,
    deviceBindings: null,
    allowedCidrs: null,
    apiUserAllowedCidrs: null,
  };
}

const noLimits = { assertMayLookUp: () => undefined, rememberToken: () => undefined } as unknown as RateLimits;

describe('TokenAuthenticator cache', () => {
  it('does not keep a row read before a revocation that was announced while it was being read', async () => {
    const config = loadConfig({});
    const invalidation = new Invalidation(config);
    const secret = generateToken('lkp_');
    let release: (row: TokenCredential) => void = () => undefined;
    const reads: number[] = [];
    const tokens = {
      findCredentialByHash: jest.fn(() => {
        reads.push(Date.now());
        // The first read is slow and sees the row as it was before the revocation.
        if (reads.length === 1) return new Promise<TokenCredential>((resolve) => (release = resolve));
        return Promise.resolve(credential(new Date(Date.now() - 1000)));
      }),
    } as unknown as TokensRepository;
    const authenticator = new TokenAuthenticator(
      tokens,
      new SystemClock() as Clock,
      { record: () => undefined } as unknown as LastUsedRecorder,
      { request: () => undefined } as unknown as TokenUsageRecorder,
      noLimits,
      invalidation,
      config,
    );

    const first = Promise.resolve(authenticator.authenticate(secret, '127.0.0.1'));
    // The revocation commits and its notification arrives while the first read is in flight.
    await invalidation.publish({ query: async () => [] } as never, { kind: 'token', id: 'tok-1' });
    release(credential(null));
    await expect(first).resolves.toMatchObject({ type: 'user', id: 'user-1' });

    await expect(Promise.resolve().then(() => authenticator.authenticate(secret, '127.0.0.1'))).rejects.toMatchObject({
      code: 'token_invalid',
    });
    expect(reads).toHaveLength(2);
  });
});

// Security review of refusals as values: verify() returns what authenticate() throws, and never
// anything that could pass for a principal; a database failure is a rejection, never a refusal.
describe('TokenAuthenticator.verify', () => {
  const day = 86_400_000;
  const ago = (ms: number) => new Date(Date.now() - ms);
  const cases: Array<[string, Partial<TokenCredential> | null, string | null]> = [
    ['a live token', {}, null],
    ['an unknown token', null, 'token_invalid'],
    ['a revoked token', { revokedAt: ago(1000) }, 'token_invalid'],
    ['a disabled token', { disabledAt: ago(1000) }, 'token_invalid'],
    ['an expired token', { expiresAt: ago(1000) }, 'token_expired'],
    ['a session of a revoked parent', { parentId: 'p', parentKind: 'named', parentRevokedAt: ago(1000) }, 'token_invalid'],
    // Revoked through an instance whose clock runs ahead of this one: its time is still to come here.
    ['a token revoked outright, at a time still to come here', { revokedAt: ago(-3000), revokedOutright: true }, 'token_invalid'],
    [
      'a session of a parent revoked outright, at a time still to come here',
      { parentId: 'p', parentKind: 'named', parentRevokedAt: ago(-3000), parentRevokedOutright: true },
      'token_invalid',
    ],
    ['a rotated-out token in its grace (a revocation time to come, not outright)', { revokedAt: ago(-3000) }, null],
    ['a session of a disabled parent', { parentId: 'p', parentKind: 'named', parentDisabledAt: ago(1000) }, 'token_invalid'],
    ['a session of an expired parent', { parentId: 'p', parentKind: 'named', parentExpiresAt: ago(day) }, 'token_expired'],
    ["a deactivated owner's token", { userStatus: 'deactivated' as TokenCredential['userStatus'] }, 'token_invalid'],
    ['a token from another network', { allowedCidrs: ['203.0.113.0/24'] }, 'network_not_allowed'],
  ];

  function authenticatorReading(row: TokenCredential | null | Error): TokenAuthenticator {
    const config = loadConfig({});
    const tokens = {
      findCredentialByHash: jest.fn(() => (row instanceof Error ? Promise.reject(row) : Promise.resolve(row))),
    } as unknown as TokensRepository;
    return new TokenAuthenticator(
      tokens,
      new SystemClock() as Clock,
      { record: () => undefined } as unknown as LastUsedRecorder,
      { request: () => undefined, refusal: () => undefined } as unknown as TokenUsageRecorder,
      noLimits,
      new Invalidation(config),
      config,
    );
  }

  it.each(cases)(
    '%s: the same verdict returned after the lookup and from the cache, and thrown by authenticate()',
    async (_label, changes, code) => {
      const authenticator = authenticatorReading(changes && { ...credential(null), ...changes });
      const secret = generateToken('lkp_');
      const looked = authenticator.verify(secret, '127.0.0.1');
      expect(looked).toBeInstanceOf(Promise);
      const first = await looked;
      const again = authenticator.verify(secret, '127.0.0.1');
      expect(again).not.toBeInstanceOf(Promise);
      for (const verdict of [first, again]) {
        if (code === null) expect(verdict).toMatchObject({ type: 'user', id: 'user-1' });
        else {
          expect(verdict).toBeInstanceOf(DomainError);
          expect((verdict as DomainError).code).toBe(code);
          expect((verdict as DomainError).extras).toEqual({});
        }
      }
      const thrown = (() => {
        try {
          return authenticator.authenticate(secret, '127.0.0.1');
        } catch (error) {
          return error;
        }
      })();
      if (code === null) expect(thrown).toMatchObject({ type: 'user' });
      else expect(thrown).toMatchObject({ code });
    },
  );

  it.each([
    ['garbage', 'not-a-token'],
    ['an invitation secret', generateToken('lki_')],
    ['a mailed-link secret', generateToken('lkv_')],
    ['a password-reset secret', generateToken('lkr_')],
    ['a wrong checksum', `${generateToken('lkp_').slice(0, -2)}!!`],
    ['an empty string', ''],
  ])('%s is refused at once, without a lookup, and authenticate() throws it', (_label, secret) => {
    const authenticator = authenticatorReading(credential(null));
    const verdict = authenticator.verify(secret, '127.0.0.1');
    expect(verdict).toBeInstanceOf(DomainError);
    expect(verdict).toMatchObject({ code: 'token_invalid' });
    expect(Object.isFrozen(verdict)).toBe(true);
    expect(() => authenticator.authenticate(secret, '127.0.0.1')).toThrow(DomainError);
  });

  it('a database failure during the lookup rejects (a 503 upstream), never resolves to a refusal or a principal', async () => {
    const down = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const authenticator = authenticatorReading(down);
    await expect(authenticator.verify(generateToken('lkp_'), '127.0.0.1')).rejects.toBe(down);
    await expect(authenticator.authenticate(generateToken('lkp_'), '127.0.0.1')).rejects.toBe(down);
  });
});
