// Decides whether a presented secret is a live token, and whose. Every check is made at request time.
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { HotCache, tag } from '../cache/hot-cache';
import { Invalidation } from '../cache/invalidation';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { Clock } from '../common/clock';
import { RateLimits } from '../rate-limits/rate-limits';
import type { OwnRateLimit } from '../rate-limits/token-rate-limit';
import { DomainError, ErrorCode } from '../common/errors';
import { TokenCredential, TokensRepository } from '../tokens/tokens.repository';
import { TokenUsageRecorder } from '../tokens/token-usage.recorder';
import { LastUsedRecorder } from './last-used.recorder';
import { NetworkMatcher } from './network-allow-list';
import type { Principal } from './principal';
import { hashToken, hasValidChecksum, NOT_BEARER, tokenShape } from './token-format';

/**
 * The refusals every bad token gets, made once: they carry nothing of the request, so one frozen
 * instance each serves every refusal (no error object per refused check).
 */
const INVALID = Object.freeze(new DomainError(ErrorCode.TokenInvalid, 'The token is not valid.'));
const EXPIRED = Object.freeze(new DomainError(ErrorCode.TokenExpired, 'The token has expired.'));
/**
 * 403, not 401: the token is valid, only not from here. A 401 would tell a client to throw a good
 * token away and make a new one. The allow-list is never named (docs/security.md).
 */
const notFromHere = () => new DomainError(ErrorCode.NetworkNotAllowed, 'The token may not be used from this network.');

// Hashes of well-formed tokens nobody issued: a flood of random ones evicts only each other.
const UNKNOWN_TOKENS_MAX = 10_000;
const UNKNOWN: unique symbol = Symbol('unknown token');

@Injectable()
export class TokenAuthenticator implements OnApplicationBootstrap {
  private readonly logger = new Logger('TokenAuthenticator');
  /** Credentials by token hash. Every time-based check is still made per request against the clock. */
  private readonly credentials: HotCache<TokenCredential>;
  private readonly unknown: HotCache<{ [UNKNOWN]: true }>;
  private readonly principals = new WeakMap<TokenCredential, Principal | null>();
  /** Each cached credential's network matcher (null: no allow-list), parsed once. */
  private readonly networks = new WeakMap<TokenCredential, NetworkMatcher | null>();

  constructor(
    private readonly tokens: TokensRepository,
    private readonly clock: Clock,
    private readonly lastUsed: LastUsedRecorder,
    private readonly usage: TokenUsageRecorder,
    private readonly rateLimits: RateLimits,
    invalidation: Invalidation,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.credentials = new HotCache(config, { tags: credentialTags });
    this.unknown = new HotCache(config, { maxEntries: UNKNOWN_TOKENS_MAX });
    invalidation.subscribe((event) => {
      this.credentials.invalidate(event);
      if (event.kind === 'all') this.unknown.clear();
    });
  }

  /**
   * Without Redis, the tokens known to exist are learnt from the database at start (RateLimits), so a
   * restart does not leave every earlier token refusable by an address's junk. A failure only costs that.
   */
  async onApplicationBootstrap(): Promise<void> {
    const limit = this.rateLimits.knownTokensToLearn;
    if (limit === 0) return;
    try {
      this.rateLimits.learnExistingTokens(await this.tokens.liveTokenHashes(this.clock.now(), limit));
    } catch (error) {
      this.logger.warn({ err: { type: (error as Error)?.constructor?.name } }, 'live tokens not learnt at start');
    }
  }

  /**
   * Puts the credentials of the `limit` live tokens used last in the cache (the start-up warm-up,
   * src/checks/check-warm-up.ts): a restarted instance is asked about those first. Stored on fill()'s
   * terms, so a revocation that comes while they are read is not undone; while the invalidation
   * channel is down nothing is stored. Nothing else changes: every check still makes every check.
   * Returns the ids of the tokens' principals (users and API users), the most recently used first.
   */
  async prime(limit: number, em?: EntityManager): Promise<string[]> {
    const principalIds = new Set<string>();
    await this.credentials.fillMany(async () => {
      const recent = await this.tokens.recentCredentials(this.clock.now(), limit, em);
      for (const [, credential] of recent) principalIds.add((credential.apiUserId ?? credential.userId) as string);
      return recent;
    });
    return [...principalIds];
  }

  /** The stored credential of a well-formed token known neither to exist nor not to (a miss of both caches), remembering unknown ones. */
  private async lookup(tokenHash: string, ip: string): Promise<TokenCredential | null> {
    // An address flooding us with made-up tokens looks up only tokens known to exist (429 otherwise).
    const gate = this.rateLimits.assertMayLookUp(ip, tokenHash);
    if (gate) await gate;
    const credential = await this.credentials.fill(tokenHash, () => this.tokens.findCredentialByHash(tokenHash));
    // A token's row never comes back once gone, and exists before its secret is handed out: remembering a miss is safe.
    if (!credential) this.unknown.set(tokenHash, { [UNKNOWN]: true });
    else this.rateLimits.rememberToken(tokenHash);
    return credential;
  }

  /**
   * The principal a token stands for; a DomainError is thrown. A cached token is answered at once,
   * without a promise. `recordUse: false` for introspection: looking at a token is not using it; nor
   * does introspection know the address the token would be used from, so it does not check the
   * network allow-list (`checkNetwork: false`), and shows the list instead.
   */
  authenticate(secret: string, ip: string, options: { recordUse?: boolean; checkNetwork?: boolean } = {}): Principal | Promise<Principal> {
    const verdict = this.verify(secret, ip, options.recordUse !== false, options.checkNetwork !== false);
    if (verdict instanceof DomainError) throw verdict;
    if (verdict instanceof Promise)
      return verdict.then((settled) => {
        if (settled instanceof DomainError) throw settled;
        return settled;
      });
    return verdict;
  }

  /**
   * The principal a token stands for, or the refusal it gets, returned rather than thrown: a refused
   * token is as common as a good one on the token check, and each throw costs about as much as the
   * check itself (docs/performance.md). A cached token, and garbage, are answered at once, without a
   * promise (this runs on every request of the platform); others are looked up. A database failure
   * rejects the promise.
   */
  verify(secret: string, ip: string, recordUse = true, checkNetwork = true): Principal | DomainError | Promise<Principal | DomainError> {
    const prefix = tokenShape(secret);
    // Malformed: refused before any other work. Invitation secrets only accept invitations.
    if (prefix === null || NOT_BEARER.has(prefix)) return INVALID;
    const tokenHash = hashToken(secret);
    // A cached hash is one we issued, so its checksum holds: it is checked only on the way to the database.
    const cached = this.credentials.get(tokenHash);
    if (cached) return this.admit(cached, ip, recordUse, checkNetwork);
    // Garbage with a valid shape but a wrong checksum, and a token known not to exist, are refused at
    // once (no promise), before any database work.
    if (!hasValidChecksum(secret) || this.unknown.get(tokenHash)) return INVALID;
    return this.lookup(tokenHash, ip).then((credential) => (credential ? this.admit(credential, ip, recordUse, checkNetwork) : INVALID));
  }

  /** The time-based checks, made against the clock on every request, then the owner's. */
  private admit(credential: TokenCredential, ip: string, recordUse: boolean, checkNetwork: boolean): Principal | DomainError {
    const now = this.clock.nowMs();
    // A disabled token reads as a revoked one: no hint that it could come back.
    if (diedBy(credential.revokedAt, now) || credential.disabledAt !== null) return INVALID;
    if (credential.parentId !== null && (diedBy(credential.parentRevokedAt, now) || credential.parentDisabledAt !== null)) return INVALID;
    const expiresAt = earliest(credential.expiresAt, credential.parentExpiresAt);
    if (diedBy(expiresAt, now)) return EXPIRED;

    const principal = this.principalOf(credential);
    if (!principal) return INVALID;
    if (checkNetwork) {
      const network = this.networkOf(credential);
      if (network !== null && !network.allows(ip)) {
        // A use of a live token, refused: its usage shows it (the answer's hook cannot: no principal is set).
        if (recordUse) {
          this.usage.request(credential.id, now);
          this.usage.refusal(credential.id);
        }
        return notFromHere();
      }
    }
    if (recordUse) {
      this.lastUsed.record(credential.id, now, ip);
      this.usage.request(credential.id, now);
    }
    return principal;
  }

  /**
   * Whose token it is, made once per cached credential (a cached credential never changes; a change
   * evicts it): a repeated check allocates nothing. Frozen, since every request shares it.
   * null when the owner may not use any token now (deactivated user, disabled or deleted API user).
   */
  private networkOf(credential: TokenCredential): NetworkMatcher | null {
    let network = this.networks.get(credential);
    if (network === undefined) {
      const matcher = new NetworkMatcher([credential.allowedCidrs, credential.apiUserAllowedCidrs]);
      network = matcher.restricts ? matcher : null;
      this.networks.set(credential, network);
    }
    return network;
  }

  private principalOf(credential: TokenCredential): Principal | null {
    let principal = this.principals.get(credential);
    if (principal === undefined) {
      principal = buildPrincipal(credential);
      this.principals.set(credential, principal);
    }
    return principal;
  }
}

/**
 * What a credential was read from, as events name it: the token and the token it was exchanged from
 * (a revocation takes its sessions along), its owner, and the workspaces it names (deleting a
 * workspace removes it from restrictions and blocks, and deletes its API users).
 */
function credentialTags(_key: string, c: TokenCredential): string[] {
  const tags = [tag('token', c.id)];
  if (c.parentId !== null) tags.push(tag('token', c.parentId));
  if (c.userId !== null) tags.push(tag('user', c.userId));
  if (c.apiUserId !== null) tags.push(tag('api_user', c.apiUserId));
  if (c.apiUserWorkspaceId !== null) tags.push(tag('workspace', c.apiUserWorkspaceId));
  for (const id of c.workspaceIds ?? []) tags.push(tag('workspace', id));
  for (const id of c.blockedWorkspaceIds) tags.push(tag('workspace', id));
  // A bound device's deletion drops the token (its binding goes with the device), as does its workspace's.
  for (const [workspaceId, deviceId] of c.deviceBindings ?? []) tags.push(tag('workspace', workspaceId), tag('device', deviceId));
  return tags;
}

function buildPrincipal(credential: TokenCredential): Principal | null {
  const expiresAt = earliest(credential.expiresAt, credential.parentExpiresAt);
  const token = Object.freeze({
    id: credential.id,
    kind: credential.kind,
    createdAt: credential.createdAt,
    scopes: Object.freeze([...credential.scopes]) as string[],
    workspaceIds: credential.workspaceIds && (Object.freeze([...credential.workspaceIds]) as string[]),
    // A rotated token inside its grace period dies at revokedAt: clients are told so.
    expiresAt: earliest(earliest(expiresAt, credential.revokedAt), credential.parentRevokedAt),
    parentId: credential.parentId,
    root: Object.freeze(
      credential.parentKind !== null && credential.parentCreatedAt !== null
        ? { kind: credential.parentKind, createdAt: credential.parentCreatedAt, expiresAt: credential.parentExpiresAt }
        : { kind: credential.kind, createdAt: credential.createdAt, expiresAt: credential.expiresAt },
    ),
    blockedWorkspaceIds: Object.freeze([...credential.blockedWorkspaceIds, ...(credential.parentBlockedWorkspaceIds ?? [])]) as string[],
    rateLimits: ownRateLimitsOf(credential),
    boundDevices: credential.deviceBindings && devicesByWorkspace(credential.deviceBindings),
    deviceIds: credential.deviceBindings && Object.freeze(credential.deviceBindings.map(([, id]) => id)),
    allowedCidrs: credential.allowedCidrs && Object.freeze([...credential.allowedCidrs]),
  });
  if (credential.apiUserId !== null) {
    // A disabled API user's tokens fail at once; a deleted one's are gone with it.
    if (credential.apiUserStatus !== 'active' || credential.apiUserWorkspaceId === null) return null;
    return Object.freeze({ type: 'api_user', id: credential.apiUserId, workspaceId: credential.apiUserWorkspaceId, token });
  }
  // A deactivated user's tokens fail at once, every one of them.
  if (credential.userId === null || credential.userStatus !== 'active' || credential.userEmail === null) return null;
  return Object.freeze({ type: 'user', id: credential.userId, email: credential.userEmail, token });
}

/**
 * The own limits of a credential: the token's, or for an exchanged session its parent's (the same
 * bucket, so exchanging does not escape a limit), and its API user's, one bucket for all its tokens.
 */
function ownRateLimitsOf(c: TokenCredential): readonly OwnRateLimit[] {
  const limits: OwnRateLimit[] = [];
  const [tokenId, limit, windowSeconds] =
    c.parentId !== null ? [c.parentId, c.parentRateLimit, c.parentRateLimitWindowSeconds] : [c.id, c.rateLimit, c.rateLimitWindowSeconds];
  if (limit !== null && windowSeconds !== null) {
    limits.push(Object.freeze({ policy: 'token-limit', key: `t:${tokenId}:${windowSeconds}`, limit, windowSeconds }));
  }
  if (c.apiUserId !== null && c.apiUserRateLimit !== null && c.apiUserRateLimitWindowSeconds !== null) {
    limits.push(
      Object.freeze({
        policy: 'api-user-limit',
        key: `a:${c.apiUserId}:${c.apiUserRateLimitWindowSeconds}`,
        limit: c.apiUserRateLimit,
        windowSeconds: c.apiUserRateLimitWindowSeconds,
      }),
    );
  }
  return Object.freeze(limits);
}

function devicesByWorkspace(bindings: Array<[string, string]>): ReadonlyMap<string, readonly string[]> {
  const map = new Map<string, string[]>();
  for (const [workspaceId, deviceId] of bindings) {
    const list = map.get(workspaceId);
    if (list) list.push(deviceId);
    else map.set(workspaceId, [deviceId]);
  }
  for (const list of map.values()) Object.freeze(list);
  return map;
}

function diedBy(moment: Date | null, nowMs: number): boolean {
  return moment !== null && moment.getTime() <= nowMs;
}

function earliest(a: Date | null, b: Date | null): Date | null {
  if (a === null) return b;
  if (b === null) return a;
  return a.getTime() <= b.getTime() ? a : b;
}
