// Decides whether a presented secret is a live token, and whose. Every check is made at request time.
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { HotCache, tag } from '../cache/hot-cache';
import { Invalidation } from '../cache/invalidation';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { Clock } from '../common/clock';
import { RateLimits } from '../rate-limits/rate-limits';
import { DomainError } from '../common/errors';
import { TokenCredential, TokensRepository } from '../tokens/tokens.repository';
import { TokenUsageRecorder } from '../tokens/token-usage.recorder';
import { buildPrincipal, deadOrExpired, INVALID, networkRuleOf, NOT_FROM_HERE } from './credential-verdict';
import { LastUsedRecorder } from './last-used.recorder';
import { NetworkMatcher } from './network-allow-list';
import type { Principal } from './principal';
import { hashToken, hasValidChecksum, NOT_BEARER, tokenShape } from './token-format';

/**
 * 403, not 401: the token is valid, only not from here. A 401 would tell a client to throw a good
 * token away and make a new one. The allow-list is never named (docs/security.md).
 */

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
    const dead = deadOrExpired(credential, now);
    if (dead) return dead;
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
        return NOT_FROM_HERE;
      }
    }
    if (recordUse) {
      this.lastUsed.record(credential.id, now, ip);
      this.usage.request(credential.id, now);
    }
    return principal;
  }

  /** The credential's network allow-list, parsed once per cached credential; null: any network. */
  private networkOf(credential: TokenCredential): NetworkMatcher | null {
    let network = this.networks.get(credential);
    if (network === undefined) {
      network = networkRuleOf(credential);
      this.networks.set(credential, network);
    }
    return network;
  }

  /**
   * Whose token it is (buildPrincipal), made once per cached credential (a cached credential never
   * changes; a change evicts it): a repeated check allocates nothing.
   */
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
