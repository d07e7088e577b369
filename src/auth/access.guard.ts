// The one global guard. It denies a route that declares no access rule, authenticates the bearer
// token through passport, and checks the rule's principal type, account scope and admin flag.
import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { UUID_PATTERN } from '../common/uuid-param';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import passport from 'passport';
import { namesWorkspace, scopesCover, ACCOUNT_SCOPES, ALL_SCOPES } from '../authorization/permissions';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { DomainError, ErrorCode, statusFor, validationFailed } from '../common/errors';
import { matchesKeyDigest } from '../common/key-digest';
import { isWarmUpRequest } from '../common/warm-up-request';
import { clientAddress } from '../common/client-address';
import { RateLimits } from '../rate-limits/rate-limits';
import { setRateLimitFields, type RateLimitState } from '../rate-limits/rate-limit-fields';
import { WorkspaceAccessResolver } from '../authorization/workspace-access';
import type { WorkspaceCaller } from '../authorization/workspace-caller';
import { PlatformAdmins } from '../accounts/platform-admins';
import { ACCESS_RULE, AccessRule } from './access.decorators';
import { BEARER_STRATEGY } from './bearer.strategy';
import type { Principal } from './principal';

export const TOKEN_EXPIRES_HEADER = 'Latchkey-Token-Expires-At';

// `Token` is what Datacake clients send; passport-http-bearer only knows `Bearer`.
const AUTHORIZATION = /^(?:Bearer|Token)[ \t]+(\S+)[ \t]*$/i;

/** The refusals of a request's Authorization header itself, made once (they carry nothing of the request). */
const TOKEN_MISSING = Object.freeze(new DomainError(ErrorCode.TokenMissing, 'Send a token in the Authorization header.'));
const NOT_A_BEARER_HEADER = Object.freeze(
  new DomainError(ErrorCode.TokenInvalid, 'The Authorization header is not "Bearer <token>" or "Token <token>".'),
);
const TOKEN_INVALID = Object.freeze(new DomainError(ErrorCode.TokenInvalid, 'The token is not valid.'));

type AuthRequest = FastifyRequest & { user?: Principal; workspaceCaller?: WorkspaceCaller; platformCaller?: boolean };
export type AuthenticatedRule = Extract<AccessRule, { kind: 'authenticated' }>;
type Handler = ReturnType<ExecutionContext['getHandler']>;

/**
 * passport's middleware for the bearer strategy, made once. @nestjs/passport's AuthGuard makes it anew
 * on every request (with its options merged three times and two promises): a fifth of the token
 * check's own cost. On success passport sets request.user; a strategy error (our DomainError) or a
 * failure comes back through `next`.
 */
const authenticateBearer = passport.authenticate(BEARER_STRATEGY, {
  session: false,
  assignProperty: 'user',
  authInfo: false,
  failWithError: true,
});

/** A form body: only routes in app.setup.ts's FORM_ROUTES get this far with one. */
export function isFormRequest(request: FastifyRequest): boolean {
  const type = request.headers['content-type'];
  return typeof type === 'string' && /^application\/x-www-form-urlencoded\s*(;|$)/i.test(type);
}

/** The limit that counted this request, on its answer (success or problem alike: Fastify keeps the fields). */
function sendRateLimitFields(reply: FastifyReply, state: RateLimitState | null): void {
  if (state) setRateLimitFields(reply, state);
}

@Injectable()
export class AccessGuard implements CanActivate {
  /** Each handler's rule, read from its metadata once (metadata does not change after start-up). */
  private readonly rules = new WeakMap<Handler, AccessRule | null>();

  constructor(
    private readonly reflector: Reflector,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly workspaces: WorkspaceAccessResolver,
    private readonly rateLimits: RateLimits,
    private readonly platformAdmins: PlatformAdmins,
  ) {}

  private ruleFor(context: ExecutionContext): AccessRule | null {
    const handler = context.getHandler();
    let rule = this.rules.get(handler);
    if (rule === undefined) {
      rule = this.reflector.getAllAndOverride<AccessRule | undefined>(ACCESS_RULE, [handler, context.getClass()]) ?? null;
      this.rules.set(handler, rule);
    }
    return rule;
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const rule = this.ruleFor(context);
    if (!rule) throw new DomainError(ErrorCode.Forbidden, 'This route declares no access rule.');
    if (context.getType<string>() === 'graphql') return this.admitResolver(rule, context);
    const http = context.switchToHttp();
    const request = http.getRequest<AuthRequest>();
    const reply = http.getResponse<FastifyReply>();
    if (rule.kind === 'public') {
      if (!rule.unlimited) sendRateLimitFields(reply, await this.rateLimits.consumePublic(clientAddress(request)));
      return true;
    }
    if (rule.tokenExchangeForm && isFormRequest(request)) {
      sendRateLimitFields(reply, await this.rateLimits.consumePublic(clientAddress(request)));
      return true;
    }
    const principal = await this.authenticateRequest(request, reply, rule);
    if (principal instanceof DomainError) throw principal;
    if (principal === 'platform') return true;
    // Under a workspace, outsiders get 404 before anything else is said about the route; the caller
    // is admitted as any transport admits one (WorkspaceAccessResolver.admit), and its rule goes with it.
    if (namesWorkspace(rule)) {
      request.workspaceCaller = await this.workspaces.admit(principal, this.workspaceIdOf(request.params), rule);
    }
    this.checkRule(rule, principal);
    if (rule.platformAdmin) await this.checkPlatformAdmin(principal);
    return true;
  }

  /**
   * The route rule of a handler that needs no workspace admission and no platform-admin check, held
   * to an HTTP request: what canActivate does for such a rule, at once (no promise) when the token is
   * cached. For the token check served outside Nest's pipeline (src/checks/token-check-route.ts), so
   * that both paths admit a request by the same code. A refused token is returned, not thrown (it is
   * the check's most common answer after a yes; TokenAuthenticator.verify says why).
   */
  admitWithoutWorkspace(
    request: AuthRequest,
    reply: FastifyReply,
    rule: AuthenticatedRule,
  ): Principal | 'platform' | DomainError | Promise<Principal | 'platform'> {
    if (namesWorkspace(rule) || rule.platformAdmin) throw new Error('admitWithoutWorkspace: the rule needs canActivate');
    const principal = this.authenticateRequest(request, reply, rule);
    if (principal instanceof DomainError) return principal;
    if (principal instanceof Promise) {
      return principal.then((admitted) => {
        if (admitted !== 'platform') this.checkRule(rule, admitted);
        return admitted;
      });
    }
    if (principal !== 'platform') this.checkRule(rule, principal);
    return principal;
  }

  /**
   * The bearer token of the request: its principal ('platform' for a platform key where the rule takes
   * one), counted by the rate limits, the fields on the answer. At once when the token is cached, or
   * refused at once (returned; a refused token counted against the address) when it is garbage or
   * known to be dead.
   */
  private authenticateRequest(
    request: AuthRequest,
    reply: FastifyReply,
    rule: AuthenticatedRule,
  ): Principal | 'platform' | DomainError | Promise<Principal | 'platform'> {
    const header = request.headers.authorization;
    // No token, or no token in it: nothing was checked, so nothing counts against the address.
    if (header === undefined || header.trim() === '') return TOKEN_MISSING;
    const match = AUTHORIZATION.exec(header);
    if (!match) return NOT_A_BEARER_HEADER;
    if (rule.platformKey && this.isPlatformKey(match[1])) {
      request.platformCaller = true;
      return 'platform';
    }
    // passport-http-bearer reads `Bearer <token>` only; a header already in that form is left as it is.
    if (!header.startsWith('Bearer ') || match[1].length !== header.length - 7) request.headers.authorization = `Bearer ${match[1]}`;

    // A flooded address is refused only the lookup of a token not known to exist (TokenAuthenticator).
    let principal: Principal | DomainError | Promise<Principal>;
    try {
      principal = this.authenticate(request, reply);
    } catch (error) {
      throw this.failedCheck(error, request, reply);
    }
    if (principal instanceof DomainError) return this.failedCheck(principal, request, reply);
    if (principal instanceof Promise) {
      return principal.then(
        (known) => this.counted(known, reply),
        (error: unknown) => {
          throw this.failedCheck(error, request, reply);
        },
      );
    }
    return this.counted(principal, reply);
  }

  /**
   * A refused token counts against its address (the fields say where it stands); the start-up warm-up's
   * refusals count against nothing (src/checks/check-warm-up.ts).
   */
  private failedCheck<E>(error: E, request: AuthRequest, reply: FastifyReply): E {
    if (error instanceof DomainError && statusFor(error.code) === 401 && !isWarmUpRequest(request.raw))
      sendRateLimitFields(reply, this.rateLimits.recordFailedCheck(clientAddress(request)));
    return error;
  }

  /** An accepted token counts against its limits; the answer says when it expires. */
  private counted(principal: Principal, reply: FastifyReply): Principal {
    sendRateLimitFields(reply, this.rateLimits.consumeToken(principal.token));
    const expiresAt = principal.token.expiresAt;
    if (expiresAt) reply.header(TOKEN_EXPIRES_HEADER, expiresAt.toISOString());
    return principal;
  }

  /**
   * A GraphQL query or mutation field. Its /graphql request was authenticated once, by this guard
   * (src/graphql/graphql-transport.ts), and the principal travels in the GraphQL context; the field's
   * rule (its REST route's own, src/graphql/same-rule.ts) is held to it here as a route's would be.
   * The workspace part of the rule is checked next, by GraphqlWorkspaceAdmission
   * (src/graphql/workspace-admission.guard.ts): it reads the field's workspace argument and admits the
   * caller there with the same rule through WorkspaceAccessResolver.admit, before the resolver runs.
   */
  private async admitResolver(rule: AccessRule, context: ExecutionContext): Promise<boolean> {
    if (rule.kind === 'public') return true;
    const principal = context.getArgByIndex<{ principal?: Principal | null } | undefined>(2)?.principal;
    if (!principal) throw new DomainError(ErrorCode.TokenMissing, 'Send a token in the Authorization header.');
    // Under a workspace, outsiders get 404 before anything else, as on a route: the resolver admits
    // the caller there first, then holds it to the rest of the rule (checkPrincipal).
    if (!namesWorkspace(rule)) await this.checkPrincipal(rule, principal);
    return true;
  }

  /** What a rule asks of the principal itself, after any workspace admission: its type, its token's scope, platform admin. */
  async checkPrincipal(rule: AuthenticatedRule, principal: Principal): Promise<void> {
    this.checkRule(rule, principal);
    if (rule.platformAdmin) await this.checkPlatformAdmin(principal);
  }

  /** The route's :wid, checked as a UUID: the one thing about a workspace this guard reads from REST. */
  private workspaceIdOf(params: unknown): string {
    const raw = (params as Record<string, string | undefined>)?.wid;
    if (raw === undefined) throw new Error('workspace access rule on a route without :wid');
    if (!UUID_PATTERN.test(raw)) throw validationFailed('wid', 'must be a UUID');
    return raw.toLowerCase();
  }

  /** Compared as SHA-256 digests in constant time, against every key (no early exit). */
  private isPlatformKey(candidate: string): boolean {
    return matchesKeyDigest(candidate, this.config.introspectionKeyDigests);
  }

  /**
   * passport with the bearer strategy. Its verify callback answers a cached token (or garbage)
   * synchronously (bearer.strategy.ts), and so passport calls back before authenticateBearer returns:
   * then the principal, or the refusal, is returned as it is, without a promise; otherwise a promise
   * of the principal. Errors other than a refusal (the database failing) are thrown or rejected.
   */
  private authenticate(request: AuthRequest, reply: FastifyReply): Principal | DomainError | Promise<Principal> {
    const pending: { settled: boolean; failure: unknown; later: ((failure: unknown) => void) | null } = {
      settled: false,
      failure: null,
      later: null,
    };
    // The raw response: passport only touches it on a failure, and then only its status and a header
    // that the problem+json answer replaces.
    authenticateBearer(request, reply.raw, (error?: unknown) => {
      // passport's AuthenticationError is a strategy failure (no token: not expected, the header was
      // checked above). Anything else (ours, or the database failing) passes through as it is.
      let failure: unknown = null;
      if (error && (error as Error).name !== 'AuthenticationError') failure = error;
      else if (error || !request.user) failure = TOKEN_INVALID;
      if (pending.later) pending.later(failure);
      else {
        pending.settled = true;
        pending.failure = failure;
      }
    });
    if (pending.settled) {
      if (pending.failure instanceof DomainError) return pending.failure;
      if (pending.failure) throw pending.failure;
      return request.user as Principal;
    }
    return new Promise((resolve, reject) => {
      pending.later = (failure) => (failure ? reject(failure) : resolve(request.user as Principal));
    });
  }

  /**
   * A token restricted to workspaces has no account-wide powers (audit finding L1, docs/security.md): it cannot mint,
   * rotate or revoke the user's tokens, end other sessions, change the profile, accept or decline
   * invitations elsewhere, create workspaces, or list what the account holds beyond its workspaces.
   * Account-scope routes refuse it unless they say `allowRestrictedTokens`.
   */
  private checkAccountWide(rule: AuthenticatedRule, principal: Principal): void {
    if (principal.token.workspaceIds === null || rule.allowRestrictedTokens || !rule.scope) return;
    if (!(ACCOUNT_SCOPES as readonly string[]).includes(rule.scope)) return;
    throw new DomainError(
      ErrorCode.InsufficientScope,
      'A workspace-restricted token cannot use account-wide routes; use a token that is not restricted to workspaces.',
    );
  }

  private checkRule(rule: AuthenticatedRule, principal: Principal): void {
    const apiUsersAllowed = rule.allowApiUsers ?? rule.permission !== undefined;
    if (principal.type === 'api_user' && !apiUsersAllowed) {
      throw new DomainError(ErrorCode.Forbidden, 'API users cannot use this route.');
    }
    if (rule.scope && !scopesCover(principal.token.scopes, rule.scope)) {
      throw new DomainError(ErrorCode.InsufficientScope, `The token lacks the scope ${rule.scope}.`);
    }
    this.checkAccountWide(rule, principal);
  }

  private async checkPlatformAdmin(principal: Principal): Promise<void> {
    if (!(await this.platformAdmins.isAdmin(principal)))
      throw new DomainError(ErrorCode.Forbidden, 'Only platform administrators may do this.');
    if (!principal.token.scopes.includes(ALL_SCOPES) || principal.token.workspaceIds !== null) {
      throw new DomainError(ErrorCode.InsufficientScope, 'Platform administration needs an unrestricted token with scope *.');
    }
  }
}
