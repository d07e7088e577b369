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
    createdAt: new Date(0),
    blockedWorkspaceIds: [],
    parentId: null,
    parentKind: null,
    parentCreatedAt: null,
    parentExpiresAt: null,
    parentRevokedAt: null,
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
