// The signing keys of the OIDC issuers that trust rules name. An issuer's keys are found as OpenID
// Connect Discovery says: <issuer>/.well-known/openid-configuration, whose `issuer` must be the rule's
// exactly, names `jwks_uri`. Both are fetched as webhooks are sent (WebhookSender.request: every address
// the host resolves to must be public unless configured, the socket goes to the checked address, no
// redirect, timeouts, a size cap). Keys are cached per issuer for CACHE_MS; a token whose `kid` is not
// among them makes one refetch, at most once per REFETCH_COOLDOWN_MS per issuer, and a fetch that failed
// is not tried again for as long either: tokens with made-up kids, or naming an issuer whose documents
// cannot be had, cannot make Latchkey hammer an issuer (or an address an attacker names as one).
import { Inject, Injectable } from '@nestjs/common';
import { createLocalJWKSet, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import { LRUCache } from 'lru-cache';
import { Clock } from '../common/clock';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { AddressPolicy } from '../webhooks/webhook-address';
import { WebhookSender } from '../webhooks/webhook-sender';

export const CACHE_MS = 10 * 60_000;
export const REFETCH_COOLDOWN_MS = 60_000;
const MAX_DISCOVERY_BYTES = 64 * 1024;
const MAX_JWKS_BYTES = 256 * 1024;
const MAX_KEYS = 100;
/**
 * Issuers remembered at once, keys and failures each; past it the least recently used is forgotten
 * (issuers come from trust rules, so few). Not a clear-all: many made-up issuers must not make
 * Latchkey forget, and so fetch again at once, every issuer it knew had failed.
 */
export const MAX_ISSUERS = 1000;

/** The issuer's keys could not be had; the message says why and never holds a token. */
export class IssuerKeysError extends Error {}

interface Entry {
  getKey: JWTVerifyGetKey;
  fetchedAt: number;
}

interface Failure {
  error: unknown;
  failedAt: number;
}

@Injectable()
export class IssuerKeys {
  private readonly cache = new LRUCache<string, Entry>({ max: MAX_ISSUERS });
  /** The last failed fetch of each issuer, answered again until REFETCH_COOLDOWN_MS has passed. */
  private readonly failures = new LRUCache<string, Failure>({ max: MAX_ISSUERS });
  /** Fetches under way, by issuer: concurrent exchanges wait for one fetch. */
  private readonly pending = new Map<string, Promise<Entry>>();
  private readonly policy: AddressPolicy;

  constructor(
    private readonly sender: WebhookSender,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.policy = new AddressPolicy(config.webhooks.allowedCidrs, config.federation.allowHttp);
  }

  /** The issuer's keys, from the cache while fresh. */
  keys(issuer: string): Promise<JWTVerifyGetKey> | JWTVerifyGetKey {
    const cached = this.cache.get(issuer);
    if (cached && this.clock.now().getTime() - cached.fetchedAt < CACHE_MS) return cached.getKey;
    return this.fetch(issuer).then((entry) => entry.getKey);
  }

  /** After a token named a kid the cached keys lack: the keys fetched again, or null when the last fetch is too recent. */
  async refetch(issuer: string): Promise<JWTVerifyGetKey | null> {
    const cached = this.cache.get(issuer);
    if (cached && this.clock.now().getTime() - cached.fetchedAt < REFETCH_COOLDOWN_MS) return null;
    return (await this.fetch(issuer)).getKey;
  }

  private fetch(issuer: string): Promise<Entry> {
    const failure = this.failures.get(issuer);
    if (failure && this.clock.now().getTime() - failure.failedAt < REFETCH_COOLDOWN_MS) return Promise.reject(failure.error);
    let pending = this.pending.get(issuer);
    if (!pending) {
      pending = this.load(issuer)
        .then(
          (entry) => {
            this.failures.delete(issuer);
            return entry;
          },
          (error: unknown) => {
            this.failures.set(issuer, { error, failedAt: this.clock.now().getTime() });
            throw error;
          },
        )
        .finally(() => this.pending.delete(issuer));
      this.pending.set(issuer, pending);
    }
    return pending;
  }

  private async load(issuer: string): Promise<Entry> {
    const discoveryUrl = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
    const discovery = await this.getJson(discoveryUrl, MAX_DISCOVERY_BYTES, 'discovery document');
    if (discovery.issuer !== issuer) {
      throw new IssuerKeysError('the discovery document names another issuer than the trust rule');
    }
    if (typeof discovery.jwks_uri !== 'string') throw new IssuerKeysError('the discovery document has no jwks_uri');
    const jwks = await this.getJson(discovery.jwks_uri, MAX_JWKS_BYTES, 'JWKS');
    if (!Array.isArray(jwks.keys) || jwks.keys.length > MAX_KEYS) {
      throw new IssuerKeysError(`the JWKS must have a keys array of at most ${MAX_KEYS} keys`);
    }
    let getKey: JWTVerifyGetKey;
    try {
      getKey = createLocalJWKSet(jwks as unknown as JSONWebKeySet);
    } catch {
      throw new IssuerKeysError('the JWKS is not a valid JSON Web Key Set');
    }
    const entry = { getKey, fetchedAt: this.clock.now().getTime() };
    this.cache.set(issuer, entry);
    return entry;
  }

  private async getJson(url: string, maxBytes: number, what: string): Promise<Record<string, unknown>> {
    const result = await this.sender.request(url, {
      method: 'GET',
      headers: { accept: 'application/json', 'user-agent': 'Latchkey-Federation/1' },
      // One byte more than allowed: reading it says the document is too large.
      maxBytes: maxBytes + 1,
      policy: this.policy,
      connectTimeoutMs: this.config.federation.timeoutMs,
      timeoutMs: this.config.federation.timeoutMs,
    });
    if (!result.ok) throw new IssuerKeysError(`fetching the issuer's ${what} failed: ${result.error}`);
    if (result.truncated) throw new IssuerKeysError(`the issuer's ${what} is larger than ${maxBytes} bytes`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(result.body ?? '');
    } catch {
      throw new IssuerKeysError(`the issuer's ${what} is not JSON`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new IssuerKeysError(`the issuer's ${what} is not a JSON object`);
    return parsed as Record<string, unknown>;
  }
}
