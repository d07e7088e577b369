// Workload identity federation's exchange (RFC 8693): a CI job or cloud workload sends the OIDC token
// its platform gave it to POST /v1/auth/token as a form, and gets an lks_ session of the API user whose
// trust rule the token meets. The token is verified with jose against the issuer's published keys
// (IssuerKeys): asymmetric algorithms only, iss, exp, nbf and iat with a minute of skew on the app's
// clock, jti and exp required, aud held to the rule; then its (issuer, jti) is recorded until it
// expires, so it buys one session. The subject token is never logged, stored or echoed.
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { decodeJwt, decodeProtectedHeader, errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { ApiUsersRepository } from '../api-users/api-users.repository';
import { AuditLog } from '../audit/audit-log';
import { scopesInclude } from '../authorization/grants';
import { ALL_SCOPES, PERMISSIONS } from '../authorization/permissions';
import { Clock } from '../common/clock';
import { Retention } from '../outbox/retention';
import { DomainError, ErrorCode } from '../common/errors';
import { UUID_PATTERN } from '../common/uuid-param';
import { TokensService } from '../tokens/tokens.service';
import { IssuerKeys, IssuerKeysError } from './issuer-keys';
import { matchConditions } from './trust-conditions';
import { AUDIENCE_PATTERN, ISSUER_MAX_LENGTH, MAX_FEDERATED_SESSION_SECONDS } from './trust-rules.dto';
import { MAX_RULES_PER_UNNAMED_EXCHANGE, TrustRuleRecord, TrustRulesRepository } from './trust-rules.repository';

export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const JWT_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:jwt';
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
/** Signatures accepted: asymmetric only. `none` and HS* (a shared secret, which an issuer's public key must never become) are refused. */
export const ALLOWED_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];
/** Clocks of issuer and Latchkey may differ by this much. */
export const CLOCK_SKEW_SECONDS = 60;
/**
 * A subject token may live at most this long from now: CI tokens live minutes, cloud ones an hour. It
 * also bounds how long its jti is kept for the replay guard.
 */
export const MAX_SUBJECT_TOKEN_SECONDS = 24 * 3600;
/** The route reads at most 8 KiB of body (app.setup.ts); a CI platform's token is 1 to 2 KiB. */
const MAX_SUBJECT_TOKEN_LENGTH = 8 * 1024;
const MAX_JTI_LENGTH = 256;
/** Audiences of one token looked up at most (a platform's token names one or two). */
const MAX_AUDIENCES = 10;
/** An issuer or jti is printable ASCII: anything else matches no rule and must not reach the database (a NUL would fail there). */
const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;
const MAX_SCOPE_LENGTH = 2000;
const RULE_SCOPES = new Set<string>([...PERMISSIONS, ALL_SCOPES]);

/** The form, as parsed (a repeated parameter arrives as an array). */
export type TokenExchangeForm = Record<string, unknown>;

export interface TokenExchangeAnswer {
  access_token: string;
  issued_token_type: string;
  token_type: string;
  expires_in: number;
  scope: string;
}

function invalidRequest(description: string): DomainError {
  return new DomainError(ErrorCode.InvalidRequest, description);
}

@Injectable()
export class TokenExchange implements OnModuleInit {
  private readonly logger = new Logger('Federation');

  constructor(
    private readonly rules: TrustRulesRepository,
    private readonly apiUsers: ApiUsersRepository,
    private readonly keys: IssuerKeys,
    private readonly tokens: TokensService,
    private readonly audit: AuditLog,
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly retention: Retention,
  ) {}

  onModuleInit(): void {
    // A used token's row matters only while the token could still pass its exp check; not the
    // retention period's cutoff, which is for rows kept to look back at.
    this.retention.register('federation_used_tokens', (_cutoff, limit) =>
      this.rules.purgeUsed(new Date(this.clock.now().getTime() - 2 * CLOCK_SKEW_SECONDS * 1000), limit),
    );
  }

  /** `ip` and `userAgent` of the caller, for the audit and the session. */
  async exchange(form: TokenExchangeForm, ip: string | null, userAgent: string | null): Promise<TokenExchangeAnswer> {
    let issuer: string | null = null;
    try {
      const request = readForm(form);
      const unverified = decodeSubjectToken(request.subjectToken);
      issuer = unverified.issuer;
      return await this.exchangeVerified(request, unverified, ip, userAgent);
    } catch (error) {
      if (error instanceof DomainError) {
        // Who tried and why, never the token itself.
        this.logger.warn({ ip, issuer: issuer?.slice(0, 200) ?? null, error: error.code, reason: error.detail }, 'token exchange refused');
      }
      throw error;
    }
  }

  private async exchangeVerified(
    request: ExchangeRequest,
    unverified: { issuer: string; alg: string },
    ip: string | null,
    userAgent: string | null,
  ): Promise<TokenExchangeAnswer> {
    const { issuer } = unverified;
    // Only an issuer some rule names is ever asked for keys (an anonymous caller names the issuer).
    if (!(await this.rules.trustsIssuer(issuer)))
      throw invalidRequest('No trust rule accepts tokens from this issuer (the token\'s "iss").');
    if (!ALLOWED_ALGORITHMS.includes(unverified.alg)) {
      throw invalidRequest(
        `The token is signed with "${unverified.alg.slice(0, 20)}"; only asymmetric algorithms are accepted (${ALLOWED_ALGORITHMS.join(', ')}).`,
      );
    }
    const claims = await this.verify(request.subjectToken, issuer);
    // Only values a rule's audience could be (the DTO's pattern) are looked up: the others match none.
    const audiences = (typeof claims.aud === 'string' ? [claims.aud] : Array.isArray(claims.aud) ? claims.aud : [])
      .filter((aud): aud is string => typeof aud === 'string' && AUDIENCE_PATTERN.test(aud))
      .slice(0, MAX_AUDIENCES);
    const forAudience = await this.rules.findForExchange(issuer, audiences, request.apiUserId);
    if (forAudience.length > MAX_RULES_PER_UNNAMED_EXCHANGE) {
      throw new DomainError(
        ErrorCode.InvalidTarget,
        "Too many trust rules accept this issuer and audience to choose among; name the API user with audience=<the API user's id>.",
      );
    }
    if (forAudience.length === 0) {
      throw request.apiUserId === null
        ? invalidRequest('No trust rule of this issuer accepts the token\'s audience ("aud").')
        : new DomainError(ErrorCode.InvalidTarget, "No trust rule of this API user accepts the token's issuer and audience.");
    }
    const matches: Array<{ rule: TrustRuleRecord; matched: Record<string, string> }> = [];
    for (const rule of forAudience) {
      const matched = matchConditions({ subject: rule.subject, claims: rule.claims }, claims);
      if (matched) matches.push({ rule, matched });
    }
    if (matches.length === 0) throw invalidRequest("No trust rule of this issuer and audience matches the token's claims.");
    if (new Set(matches.map((m) => m.rule.apiUserId)).size > 1) {
      throw new DomainError(
        ErrorCode.InvalidTarget,
        "The token meets trust rules of several API users; name one with audience=<the API user's id>.",
      );
    }
    // Of one API user's rules, the oldest that matches decides (scopes, session length).
    const { rule, matched } = matches[0];
    const ruleScopes = rule.scopes ?? [ALL_SCOPES];
    const scopes = request.scopes ?? ruleScopes;
    if (!scopesInclude(ruleScopes, scopes)) {
      throw new DomainError(ErrorCode.InvalidScope, `The trust rule allows only: ${ruleScopes.join(' ')}.`);
    }
    const jti = claims.jti as string;
    const expiresAtMs = Math.min(this.clock.now().getTime() + (rule.maxSessionSeconds ?? MAX_FEDERATED_SESSION_SECONDS) * 1000);
    return this.dataSource.transaction(async (em) => {
      const apiUser = await this.apiUsers.find(rule.workspaceId, rule.apiUserId, em);
      // Deleted with its rules (cascade), or disabled: no session.
      if (!apiUser || apiUser.status !== 'active') throw invalidRequest('The API user of the matching trust rule is disabled.');
      if (!(await this.rules.markUsed(issuer, jti, new Date((claims.exp as number) * 1000), em))) {
        throw invalidRequest('This token has been exchanged already (its "jti" was seen before); ask the platform for a new one.');
      }
      const { token, secret } = await this.tokens.issue(em, {
        kind: 'session',
        userId: null,
        apiUserId: rule.apiUserId,
        name: 'Federated session',
        scopes,
        workspaceIds: [rule.workspaceId],
        expiresAt: new Date(expiresAtMs),
        parentId: null,
        userAgent,
        trustRuleId: rule.id,
      });
      await this.audit.record(
        em,
        { type: 'api_user', id: rule.apiUserId, tokenId: token.id, ip },
        {
          action: 'session.federated',
          workspaceId: rule.workspaceId,
          target: { type: 'token', id: token.id },
          details: {
            apiUserId: rule.apiUserId,
            ruleId: rule.id,
            issuer,
            audience: rule.audience,
            matchedClaims: matched,
            jti,
            scopes,
            expiresAt: token.expiresAt,
          },
        },
      );
      return {
        access_token: secret,
        issued_token_type: ACCESS_TOKEN_TYPE,
        token_type: 'Bearer',
        expires_in: Math.round((expiresAtMs - this.clock.now().getTime()) / 1000),
        scope: scopes.join(' '),
      };
    });
  }

  /** The token's verified claims, or invalid_request saying what is wrong with it. */
  private async verify(subjectToken: string, issuer: string): Promise<JWTPayload> {
    const attempt = (getKey: JWTVerifyGetKey) =>
      jwtVerify(subjectToken, getKey, {
        issuer,
        algorithms: ALLOWED_ALGORITHMS,
        currentDate: this.clock.now(),
        clockTolerance: CLOCK_SKEW_SECONDS,
        requiredClaims: ['exp', 'iat', 'jti'],
      });
    let payload: JWTPayload;
    try {
      try {
        payload = (await attempt(await this.keys.keys(issuer))).payload;
      } catch (error) {
        if (!(error instanceof joseErrors.JWKSNoMatchingKey)) throw error;
        // Keys rotate: the cache may predate the token's key. Asked again at most once a minute.
        const fresh = await this.keys.refetch(issuer);
        if (!fresh) throw error;
        payload = (await attempt(fresh)).payload;
      }
    } catch (error) {
      throw invalidRequest(describeFailure(error));
    }
    const now = this.clock.now().getTime() / 1000;
    if ((payload.exp as number) > now + MAX_SUBJECT_TOKEN_SECONDS) {
      throw invalidRequest(
        `The token expires more than ${MAX_SUBJECT_TOKEN_SECONDS / 3600} hours from now; tokens for exchange must be short-lived.`,
      );
    }
    if (typeof payload.iat === 'number' && payload.iat > now + CLOCK_SKEW_SECONDS)
      throw invalidRequest('The token was issued in the future ("iat").');
    if (
      typeof payload.jti !== 'string' ||
      payload.jti.length === 0 ||
      payload.jti.length > MAX_JTI_LENGTH ||
      !PRINTABLE_ASCII.test(payload.jti)
    ) {
      throw invalidRequest(`The token's "jti" must be a string of 1 to ${MAX_JTI_LENGTH} printable ASCII characters.`);
    }
    return payload;
  }
}

function describeFailure(error: unknown): string {
  if (error instanceof IssuerKeysError) return `The issuer's signing keys could not be had: ${error.message}.`;
  if (error instanceof joseErrors.JWTExpired) return 'The token has expired ("exp").';
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf') return 'The token is not valid yet ("nbf").';
    if (error.claim === 'iat') return 'The token was issued in the future ("iat").';
    if (error.reason === 'missing') return `The token lacks the "${error.claim}" claim.`;
    return `The token's "${error.claim}" claim is not acceptable.`;
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'The token is signed with an algorithm that is not accepted.';
  if (error instanceof joseErrors.JWKSNoMatchingKey) return 'No key of the issuer\'s JWKS matches the token\'s "kid" and algorithm.';
  if (error instanceof joseErrors.JWKSMultipleMatchingKeys)
    return 'Several keys of the issuer\'s JWKS match the token; it must name one with "kid".';
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return "The token's signature does not verify with the issuer's key.";
  if (error instanceof joseErrors.JOSENotSupported) return 'The token uses a key or algorithm that is not supported.';
  return 'The token is not a valid signed JWT.';
}

interface ExchangeRequest {
  subjectToken: string;
  /** From `scope`, null when not sent. */
  scopes: string[] | null;
  /** From `audience`: the API user meant, when several could match. */
  apiUserId: string | null;
}

/** The form's parameters, checked (RFC 8693 §2.1); anything else in it is ignored, as RFC 6749 §3.2 says. */
function readForm(form: TokenExchangeForm): ExchangeRequest {
  const param = (name: string, max: number): string | null => {
    const value = form[name];
    if (value === undefined || value === '') return null;
    if (typeof value !== 'string') throw invalidRequest(`${name} must be sent once.`);
    if (value.length > max) throw invalidRequest(`${name} is longer than ${max} characters.`);
    return value;
  };
  const grantType = param('grant_type', 200);
  if (grantType === null) throw invalidRequest('grant_type is missing.');
  if (grantType !== TOKEN_EXCHANGE_GRANT) {
    throw new DomainError(ErrorCode.UnsupportedGrantType, `Only grant_type=${TOKEN_EXCHANGE_GRANT} is accepted here.`);
  }
  const subjectToken = param('subject_token', MAX_SUBJECT_TOKEN_LENGTH);
  if (subjectToken === null) throw invalidRequest('subject_token is missing.');
  const subjectTokenType = param('subject_token_type', 200);
  if (subjectTokenType !== JWT_TOKEN_TYPE) throw invalidRequest(`subject_token_type must be ${JWT_TOKEN_TYPE}.`);
  const requested = param('requested_token_type', 200);
  if (requested !== null && requested !== ACCESS_TOKEN_TYPE) throw invalidRequest(`requested_token_type can only be ${ACCESS_TOKEN_TYPE}.`);
  if (param('actor_token', MAX_SUBJECT_TOKEN_LENGTH) !== null) throw invalidRequest('actor_token (delegation) is not supported.');
  const audience = param('audience', 100);
  if (audience !== null && !UUID_PATTERN.test(audience)) {
    throw new DomainError(ErrorCode.InvalidTarget, 'audience, when sent, must be the id (a UUID) of the API user to sign in as.');
  }
  const scope = param('scope', MAX_SCOPE_LENGTH);
  let scopes: string[] | null = null;
  if (scope !== null) {
    scopes = [...new Set(scope.split(' ').filter((s) => s !== ''))];
    const unknown = scopes.find((s) => !RULE_SCOPES.has(s));
    if (scopes.length === 0 || unknown !== undefined) {
      throw new DomainError(
        ErrorCode.InvalidScope,
        `scope must be space-separated permissions of the catalog, or *${unknown ? `; "${unknown.slice(0, 60)}" is not one` : ''}.`,
      );
    }
    if (scopes.includes(ALL_SCOPES) && scopes.length > 1)
      throw new DomainError(ErrorCode.InvalidScope, '"*" cannot be combined with other scopes.');
  }
  return { subjectToken, scopes, apiUserId: audience?.toLowerCase() ?? null };
}

/** What can be read of the token before its signature is checked: only to find rules and keys, never trusted. */
function decodeSubjectToken(token: string): { issuer: string; alg: string } {
  let header: { alg?: unknown };
  let payload: JWTPayload;
  try {
    header = decodeProtectedHeader(token);
    payload = decodeJwt(token);
  } catch {
    throw invalidRequest('subject_token is not a JWT (three base64url parts: header, claims, signature).');
  }
  if (typeof payload.iss !== 'string' || payload.iss.length === 0) throw invalidRequest('The token has no issuer ("iss").');
  // Rules hold printable-ASCII issuers of at most a URL's length (checkIssuer): no other value can match one.
  if (payload.iss.length > ISSUER_MAX_LENGTH || !PRINTABLE_ASCII.test(payload.iss))
    throw invalidRequest('No trust rule accepts tokens from this issuer (the token\'s "iss").');
  if (typeof header.alg !== 'string') throw invalidRequest('The token\'s header has no "alg".');
  return { issuer: payload.iss, alg: header.alg };
}
