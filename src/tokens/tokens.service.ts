// Personal, named and session tokens of users: issue, list, rotate with a grace period, revoke.
import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { SecurityNotices } from '../accounts/security-notices';
import { CurrentPassword } from '../accounts/current-password';
import { Actor, AuditLog } from '../audit/audit-log';
import { commonCidrs } from '../auth/network-allow-list';
import type { Principal, UserPrincipal } from '../auth/principal';
import { generateToken, hashToken, tokenHint } from '../auth/token-format';
import { ALL_SCOPES } from '../authorization/permissions';
import {
  assertScopesWellFormed,
  assertLivesUntil,
  assertTokenCanGrant,
  capToGrantor,
  Grantor,
  isLoginSession,
  makersNetworks,
} from '../authorization/grants';
import { CallerHold } from '../authorization/caller-hold';
import { assertPolicyAccepts } from '../authorization/token-policy';
import { Clock } from '../common/clock';
import { RateLimits } from '../rate-limits/rate-limits';
import { conflict, DomainError, ErrorCode, notFound, validationFailed } from '../common/errors';
import { decodeCursor, Page, pageLimit, toPage } from '../common/pagination';
import {
  CreateNamedTokenDto,
  ExchangeTokenDto,
  ListTokensQueryDto,
  RegeneratePersonalTokenDto,
  RotateTokenDto,
  UpdateTokenDto,
} from './token.dto';
import { rateLimitOf, type RateLimitSetting } from '../rate-limits/token-rate-limit';
import { storedCidrs } from './token-details';
import { Token, TokenKind, USER_TOKEN_KINDS } from './token.entity';
import { IssuedTokenView, PREFIX_BY_KIND, toIssuedTokenView, toTokenView, toTokenViewWithin, TokenView } from './token.view';
import { reachOfBinding } from '../authorization/device-rules';
import { transactionRetryingCollisions } from '../database/transactions';
import { type Maker, makerColumns } from '../authorization/made-by';
import { TokenOwner, TokensRepository } from './tokens.repository';

const DAY_MS = 86_400_000;
export const SESSION_LIFETIME_MS = 12 * 3_600_000;
const DEFAULT_NAMED_TOKEN_DAYS = 90;
const DEFAULT_EXCHANGE_SECONDS = 3600;
/**
 * What a regenerated personal token reaches: every workspace, with no cut-off. A token some workspace
 * cut off cannot make it (a fresh login session can).
 */
const NEW_PERSONAL_TOKEN = { scopes: [ALL_SCOPES], workspaceIds: null, blockedWorkspaceIds: [] };

export interface TokenSpec {
  kind: TokenKind;
  userId: string | null;
  apiUserId: string | null;
  name: string | null;
  scopes: string[];
  workspaceIds: string[] | null;
  expiresAt: Date | null;
  parentId?: string | null;
  blockedWorkspaceIds?: string[];
  /** A session's User-Agent, as kept (keptUserAgent). */
  userAgent?: string | null;
  /** Its own rate limit; none when left out. */
  rateLimit?: RateLimitSetting | null;
  /** Bindings and details (token-details.ts), already checked. */
  deviceIds?: string[] | null;
  allowedCidrs?: string[] | null;
  description?: string | null;
  metadata?: Record<string, unknown> | null;
  /** Who makes it, with which token (src/authorization/made-by.ts); left out: nobody recorded. */
  madeBy?: Maker | null;
  /** A federated session: the trust rule it came through. */
  trustRuleId?: string | null;
}

@Injectable()
export class TokensService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly tokens: TokensRepository,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    private readonly rateLimits: RateLimits,
    private readonly currentPassword: CurrentPassword,
    private readonly notices: SecurityNotices,
    private readonly callers: CallerHold,
  ) {}

  /** Makes a token and returns its only copy of the secret. */
  async issue(em: EntityManager, spec: TokenSpec): Promise<{ token: Token; secret: string }> {
    const secret = generateToken(PREFIX_BY_KIND[spec.kind]);
    const [createdByUserId, createdByApiUserId, createdByTokenId] = makerColumns(spec.madeBy);
    const token = Object.assign(new Token(), {
      id: randomUUID(),
      kind: spec.kind,
      userId: spec.userId,
      apiUserId: spec.apiUserId,
      name: spec.name,
      tokenHash: hashToken(secret),
      hint: tokenHint(secret),
      scopes: spec.scopes,
      workspaceIds: spec.workspaceIds,
      blockedWorkspaceIds: spec.blockedWorkspaceIds ?? [],
      parentId: spec.parentId ?? null,
      replacedById: null,
      createdAt: this.clock.now(),
      expiresAt: spec.expiresAt,
      revokedAt: null,
      lastUsedAt: null,
      lastUsedIp: null,
      userAgent: spec.userAgent ?? null,
      rateLimit: spec.rateLimit?.limit ?? null,
      rateLimitWindowSeconds: spec.rateLimit?.windowSeconds ?? null,
      deviceIds: spec.deviceIds ?? null,
      allowedCidrs: spec.allowedCidrs ?? null,
      description: spec.description ?? null,
      metadata: spec.metadata ?? null,
      disabledAt: null,
      createdByUserId,
      createdByApiUserId,
      createdByTokenId,
      trustRuleId: spec.trustRuleId ?? null,
    } satisfies Token);
    await this.tokens.insert(token, em);
    // Its first check is not refused for its address's failed checks (H3); if the insert rolls back,
    // knowing the hash only lets a lookup find nothing.
    this.rateLimits.rememberToken(token.tokenHash);
    return { token, secret };
  }

  async issuePersonal(em: EntityManager, userId: string): Promise<IssuedTokenView> {
    const { token, secret } = await this.issue(em, {
      kind: 'personal',
      userId,
      apiUserId: null,
      name: 'Personal access token',
      scopes: [ALL_SCOPES],
      workspaceIds: null,
      expiresAt: null,
    });
    return toIssuedTokenView(token, secret);
  }

  /** Null when the user is no longer active or the password hash changed since it was checked. */
  async issueLoginSession(
    userId: string,
    checkedPasswordHash: string,
    ip: string,
    userAgent: string | null = null,
  ): Promise<IssuedTokenView | null> {
    return this.dataSource.transaction(async (em) => {
      if (!(await this.tokens.holdActiveOwner(userId, checkedPasswordHash, em))) return null;
      const { token, secret } = await this.issue(em, {
        kind: 'session',
        userId,
        apiUserId: null,
        name: 'Login session',
        scopes: [ALL_SCOPES],
        workspaceIds: null,
        expiresAt: new Date(this.clock.now().getTime() + SESSION_LIFETIME_MS),
        userAgent,
      });
      await this.audit.record(
        em,
        { type: 'user', id: userId, tokenId: null, ip },
        {
          action: 'session.created',
          accountId: userId,
          target: { type: 'token', id: token.id },
        },
      );
      return toIssuedTokenView(token, secret);
    });
  }

  /** POST /auth/token: a short-lived session with its parent's scopes and workspaces, dead when the parent is. */
  async exchange(principal: Principal, actor: Actor, dto: ExchangeTokenDto, userAgent: string | null = null): Promise<IssuedTokenView> {
    if (principal.token.kind === 'session') {
      throw new DomainError(ErrorCode.Forbidden, 'Only a personal, named or API-user token can be exchanged for a session.');
    }
    const ttl = (dto.expiresInSeconds ?? DEFAULT_EXCHANGE_SECONDS) * 1000;
    const wanted = new Date(this.clock.now().getTime() + ttl);
    return this.dataSource.transaction(async (em) => {
      // The parent and its owner as they are now, held until this commits (401 otherwise). A deactivation
      // that committed after this request's token was checked (or one still open) ends every session of
      // the user; a session made now would be missed by it and come back with a reactivation (L4). An API
      // user disabled, or deleted with its workspace, has no session made for it (W1).
      const parent = (await this.callers.hold(principal, actor.ip, em)).token;
      const { token, secret } = await this.issue(em, {
        kind: 'session',
        userId: principal.type === 'user' ? principal.id : null,
        apiUserId: principal.type === 'api_user' ? principal.id : null,
        name: 'Exchanged session',
        scopes: parent.scopes,
        workspaceIds: parent.workspaceIds,
        expiresAt: parent.expiresAt && parent.expiresAt < wanted ? parent.expiresAt : wanted,
        parentId: parent.id,
        userAgent,
      });
      await this.audit.record(em, actor, {
        action: 'session.exchanged',
        workspaceId: principal.type === 'api_user' ? principal.workspaceId : null,
        accountId: principal.type === 'user' ? principal.id : null,
        target: { type: 'token', id: token.id },
        details: { parentId: parent.id, expiresAt: token.expiresAt },
      });
      return toIssuedTokenView(token, secret);
    });
  }

  async getPersonal(principal: UserPrincipal): Promise<TokenView> {
    const token = await this.tokens.findActivePersonal(principal.id);
    if (!token) throw notFound('Personal token');
    return toTokenView(token, this.clock.now());
  }

  /**
   * Replaces the default personal token; the old one stops working at once. The new one never expires,
   * so it takes a fresh proof of the password: a login session, or the current password sent along.
   * Any other token (an exchanged session, a named token) would otherwise buy a permanent credential.
   */
  async regeneratePersonal(principal: UserPrincipal, actor: Actor, dto: RegeneratePersonalTokenDto): Promise<IssuedTokenView> {
    // Refused before the password is checked, on the token as the guard saw it; held to it again below.
    assertTokenCanGrant(principal.token, NEW_PERSONAL_TOKEN);
    if (dto.currentPassword !== undefined) await this.currentPassword.assert(principal.id, dto.currentPassword);
    else if (!isLoginSession(principal)) {
      throw new DomainError(
        ErrorCode.Forbidden,
        'Regenerating the personal token needs a login session (POST /v1/auth/login) or currentPassword: the new token never expires.',
      );
    }
    return this.dataSource.transaction(async (em) => {
      // Serialises concurrent regenerations of one user.
      await this.tokens.lockOwner(principal.id, em);
      // The calling token as it stands now: one revoked or cut off since the guard checked it makes nothing.
      assertTokenCanGrant((await this.callers.hold(principal, actor.ip, em)).token, NEW_PERSONAL_TOKEN);
      const current = await this.tokens.findActivePersonal(principal.id, em);
      if (current) await this.tokens.revoke(current.id, this.clock.now(), em);
      const issued = await this.issuePersonal(em, principal.id);
      await this.audit.record(em, actor, {
        action: 'token.regenerated',
        accountId: principal.id,
        target: { type: 'token', id: issued.id },
        details: { replaced: current?.id ?? null },
      });
      await this.notices.personalTokenRegenerated(em, principal.id, issued.hint);
      return issued;
    });
  }

  async list(principal: UserPrincipal, query: ListTokensQueryDto): Promise<Page<TokenView>> {
    const limit = pageLimit(query);
    const now = this.clock.now();
    const rows = await this.tokens.listForOwner(
      { type: 'user', id: principal.id },
      {
        kinds: query.kind ? [query.kind] : [...USER_TOKEN_KINDS],
        includeInactive: query.includeInactive ?? false,
        now,
        after: decodeCursor(query.cursor),
        limit,
      },
    );
    // A device-bound token is told of no device beyond its binding, in its siblings' bindings either.
    const reach = reachOfBinding(principal.token.deviceIds);
    return toPage(rows, limit, (row) => toTokenViewWithin(row, now, reach));
  }

  async get(principal: UserPrincipal, tokenId: string): Promise<TokenView> {
    return toTokenViewWithin(await this.findOwn(principal, tokenId), this.clock.now(), reachOfBinding(principal.token.deviceIds));
  }

  async createNamed(principal: UserPrincipal, actor: Actor, dto: CreateNamedTokenDto): Promise<IssuedTokenView> {
    assertScopesWellFormed(dto.scopes);
    const workspaceIds = dto.workspaceIds ?? null;
    return this.dataSource.transaction(async (em) => {
      // The workspaces it names first, as their changes and their deletion take them: one deleted
      // meanwhile is not named (W2). Then the making token as it stands now, held until this commits: one
      // revoked meanwhile makes nothing, one cut off meanwhile passes its cut-off on (R2).
      if (workspaceIds) await this.tokens.holdWorkspaces(workspaceIds, em);
      const maker = await this.callers.hold(principal, actor.ip, em);
      // Left out, a binding is the making token's own: a bound token makes bound tokens.
      const deviceIds = dto.deviceIds === undefined ? maker.token.deviceIds && [...maker.token.deviceIds] : dto.deviceIds;
      const allowedCidrs = makersNetworks(maker.token, storedCidrs(dto.allowedCidrs));
      // The workspaces that cut the making token off stay closed to what it makes, as on a rotation and an
      // exchanged session: a cut-off is otherwise undone by one POST /v1/me/tokens.
      const blockedWorkspaceIds = [...maker.token.blockedWorkspaceIds];
      assertTokenCanGrant(maker.token, { scopes: dto.scopes, workspaceIds, deviceIds, allowedCidrs, blockedWorkspaceIds });
      if (dto.deviceIds) await this.assertDevicesReached({ type: 'user', id: principal.id }, dto.deviceIds, workspaceIds, em);
      const now = this.clock.now();
      const days = dto.expiresInDays === undefined ? DEFAULT_NAMED_TOKEN_DAYS : dto.expiresInDays;
      const expiresAt = capToGrantor(maker, days === null ? null : new Date(now.getTime() + days * DAY_MS));
      if (workspaceIds) await this.assertWorkspacesAccept(principal.id, workspaceIds, now, expiresAt, em);
      const { token, secret } = await this.issue(em, {
        kind: 'named',
        userId: principal.id,
        apiUserId: null,
        name: dto.name.trim(),
        scopes: dto.scopes,
        workspaceIds,
        blockedWorkspaceIds,
        expiresAt,
        rateLimit: dto.rateLimit ?? null,
        deviceIds,
        allowedCidrs,
        description: dto.description ?? null,
        metadata: dto.metadata ?? null,
      });
      await this.audit.record(em, actor, {
        action: 'token.created',
        accountId: principal.id,
        target: { type: 'token', id: token.id },
        details: {
          name: token.name,
          scopes: token.scopes,
          workspaceIds,
          expiresAt,
          rateLimit: dto.rateLimit ?? null,
          deviceCount: deviceIds?.length ?? null,
          allowedCidrs,
        },
      });
      return toIssuedTokenView(token, secret);
    });
  }

  /**
   * 400 unless the owner reaches every device (through a membership, within `workspaceIds` when the
   * token is restricted): an unknown id, another tenant's device and one out of reach read the same.
   */
  async assertDevicesReached(owner: TokenOwner, deviceIds: readonly string[], workspaceIds: readonly string[] | null, em?: EntityManager) {
    if ((await this.tokens.countDevicesReached(owner, deviceIds, workspaceIds, em)) !== deviceIds.length) {
      throw validationFailed('deviceIds', "names a device the token's owner cannot reach");
    }
  }

  /** PATCH /me/tokens/:id: a named token's bindings and details, or the personal token's details; enable, disable. */
  async update(principal: UserPrincipal, actor: Actor, tokenId: string, dto: UpdateTokenDto): Promise<TokenView> {
    return transactionRetryingCollisions(this.dataSource, async (em) => {
      // A change that may widen a token (enable, bind) is judged on its caller as it is now, held.
      const caller = await this.callers.hold(principal, actor.ip, em);
      // Two changes of one token take turns; each writes only the fields it was sent.
      const token = await this.tokens.findForOwnerLocked({ type: 'user', id: principal.id }, tokenId, em);
      if (!token) throw notFound('Token');
      if (token.kind === 'personal' && (dto.deviceIds !== undefined || dto.allowedCidrs !== undefined)) {
        throw conflict('The default personal token cannot be bound to devices or networks; make a named token.');
      }
      const actions = await this.changeInTransaction(em, token, dto, caller, { type: 'user', id: principal.id }, true);
      for (const action of actions) {
        await this.audit.record(em, actor, {
          action,
          accountId: principal.id,
          target: { type: 'token', id: token.id },
          details: { kind: token.kind, ...changeDetails(dto) },
        });
      }
      return toTokenView(token, this.clock.now());
    });
  }

  /**
   * Shared by named and API-user tokens: the caller has found, locked and authorised `token`, which
   * this changes in place. A change that could widen the token (enabling it, binding it to other devices
   * or networks) is held to the grantor as making it would be, and enabling it to the grantor's life too
   * (a stolen short-lived token must not bring back a disabled one that outlives it); disabling,
   * describing and narrowing are not. `checkGrantorDevices`: false for an API user's token, whose
   * devices are within the API user's access, itself within the caller's (assertCanActOn).
   * `owner.allowedCidrs`: an API user's own list, which holds its tokens too (a token may be used from
   * its own list within that one, and is judged by that). The audit actions to record, in order.
   */
  async changeInTransaction(
    em: EntityManager,
    token: Token,
    dto: UpdateTokenDto,
    grantor: Principal,
    owner: TokenOwner & { allowedCidrs?: readonly string[] | null },
    checkGrantorDevices: boolean,
  ): Promise<Array<'token.updated' | 'token.disabled' | 'token.enabled'>> {
    if (Object.keys(dto).length === 0) throw validationFailed('body', 'names nothing to change');
    if (token.kind === 'session') throw conflict('Sessions cannot be changed; they are bound as the token they were exchanged from.');
    if (dto.rateLimit !== undefined && token.kind !== 'named' && token.kind !== 'api_user') {
      throw conflict('Only named and API-user tokens take a rate limit; a session counts against the token it was exchanged from.');
    }
    const now = this.clock.now();
    if (
      (token.revokedAt !== null && token.revokedAt <= now) ||
      (token.expiresAt !== null && token.expiresAt <= now) ||
      token.replacedById !== null
    ) {
      throw conflict('A revoked, expired or rotated-out token cannot be changed.');
    }
    const allowedCidrs = storedCidrs(dto.allowedCidrs);
    const widens = dto.enabled === true || dto.deviceIds !== undefined || allowedCidrs !== undefined;
    if (dto.enabled === true && token.disabledAt !== null) {
      assertLivesUntil(
        grantor,
        token.expiresAt,
        'A token cannot enable a token that outlives it: use a login session or a token that lives at least as long.',
      );
    }
    if (widens) {
      assertTokenCanGrant(grantor.token, {
        scopes: token.scopes,
        workspaceIds: token.workspaceIds,
        blockedWorkspaceIds: token.blockedWorkspaceIds,
        deviceIds: checkGrantorDevices ? (dto.deviceIds !== undefined ? dto.deviceIds : token.deviceIds) : undefined,
        allowedCidrs: commonCidrs(allowedCidrs !== undefined ? allowedCidrs : token.allowedCidrs, owner.allowedCidrs ?? null),
      });
    }
    if (dto.deviceIds) await this.assertDevicesReached(owner, dto.deviceIds, token.workspaceIds, em);
    const changes: Parameters<TokensRepository['updateDetails']>[1] = {};
    if (dto.deviceIds !== undefined) changes.deviceIds = dto.deviceIds;
    if (allowedCidrs !== undefined) changes.allowedCidrs = allowedCidrs;
    if (dto.description !== undefined) changes.description = dto.description;
    if (dto.metadata !== undefined) changes.metadata = dto.metadata;
    const actions: Array<'token.updated' | 'token.disabled' | 'token.enabled'> = [];
    if (Object.keys(changes).length > 0 || dto.rateLimit !== undefined) actions.push('token.updated');
    if (dto.rateLimit !== undefined) {
      // Its own limit: the next check of the token, on any instance, holds it to the new one (invalidation).
      const rateLimit: RateLimitSetting | null = dto.rateLimit && {
        limit: dto.rateLimit.limit,
        windowSeconds: dto.rateLimit.windowSeconds,
      };
      await this.tokens.setRateLimit(token.id, rateLimit, em);
      token.rateLimit = rateLimit?.limit ?? null;
      token.rateLimitWindowSeconds = rateLimit?.windowSeconds ?? null;
    }
    if (dto.enabled === false && token.disabledAt === null) {
      changes.disabledAt = now;
      actions.push('token.disabled');
    } else if (dto.enabled === true && token.disabledAt !== null) {
      changes.disabledAt = null;
      actions.push('token.enabled');
    }
    await this.tokens.updateDetails(token.id, changes, em);
    Object.assign(token, changes);
    return actions;
  }

  /**
   * A token restricted to workspaces must name workspaces of the user, and each of their token
   * policies must accept it; an unrestricted token is judged in each workspace when it is used.
   */
  private async assertWorkspacesAccept(
    userId: string,
    workspaceIds: string[],
    now: Date,
    expiresAt: Date | null,
    em: EntityManager,
  ): Promise<void> {
    const rows = await this.tokens.policiesOfMemberWorkspaces(userId, workspaceIds, em);
    if (rows.length !== workspaceIds.length) throw validationFailed('workspaceIds', 'names a workspace you are not a member of');
    for (const workspace of rows) {
      // Named by its name, which the user sees in the console, not by its id.
      assertPolicyAccepts(workspace, { kind: 'named', createdAt: now, expiresAt }, `Workspace "${workspace.name}"`);
    }
  }

  async revoke(principal: UserPrincipal, actor: Actor, tokenId: string): Promise<void> {
    const token = await this.findOwn(principal, tokenId);
    if (token.kind === 'personal' && token.revokedAt === null) {
      throw conflict('The default personal token cannot be revoked; regenerate it instead.');
    }
    await this.dataSource.transaction(async (em) => {
      // Revoking a dead token again answers 204 too, but changes nothing and records nothing.
      if (!(await this.tokens.revoke(token.id, this.clock.now(), em))) return;
      await this.audit.record(em, actor, {
        action: 'token.revoked',
        accountId: principal.id,
        target: { type: 'token', id: token.id },
        details: { kind: token.kind },
      });
    });
  }

  /** A new secret for a named token; the old one keeps working for graceSeconds, then dies. */
  async rotate(principal: UserPrincipal, actor: Actor, tokenId: string, dto: RotateTokenDto): Promise<IssuedTokenView> {
    // Two self-rotations of one token both hold it, then both lock it to rotate: PostgreSQL breaks the
    // deadlock, and the one run again sees the token rotated.
    return transactionRetryingCollisions(this.dataSource, async (em) => {
      const held = await this.callers.hold(principal, actor.ip, em);
      // The row lock makes concurrent rotations of one token take turns: the second sees it replaced.
      const old = await this.tokens.findForOwnerLocked({ type: 'user', id: principal.id }, tokenId, em);
      if (!old) throw notFound('Token');
      if (old.kind !== 'named')
        throw conflict(old.kind === 'personal' ? 'Regenerate the default personal token instead.' : 'Sessions cannot be rotated.');
      this.assertRotatable(old);
      assertTokenCanGrant(held.token, {
        scopes: old.scopes,
        workspaceIds: old.workspaceIds,
        deviceIds: old.deviceIds,
        allowedCidrs: old.allowedCidrs,
        blockedWorkspaceIds: old.blockedWorkspaceIds,
      });
      const rotated = await this.rotateInTransaction(em, old, dto.graceSeconds ?? 0, held);
      await this.audit.record(em, actor, {
        action: 'token.rotated',
        accountId: principal.id,
        target: { type: 'token', id: old.id },
        details: { replacedBy: rotated.id, graceSeconds: dto.graceSeconds ?? 0 },
      });
      return rotated;
    });
  }

  /** Shared by named and API-user tokens: the caller has already found, locked and authorised `old`. */
  async rotateInTransaction(em: EntityManager, old: Token, graceSeconds: number, grantor: Grantor & Maker): Promise<IssuedTokenView> {
    const now = this.clock.now();
    // The new secret keeps the old one's lifetime, counted from now, within the rotating token's own.
    const lifetime = old.expiresAt ? old.expiresAt.getTime() - old.createdAt.getTime() : null;
    const { token, secret } = await this.issue(em, {
      kind: old.kind,
      userId: old.userId,
      apiUserId: old.apiUserId,
      name: old.name,
      scopes: old.scopes,
      workspaceIds: old.workspaceIds,
      // A workspace that cut the old secret off is not reopened by rotating it.
      blockedWorkspaceIds: old.blockedWorkspaceIds,
      // Its own limit goes with it (a new bucket: the old secret keeps its own until its grace ends).
      rateLimit: rateLimitOf(old.rateLimit, old.rateLimitWindowSeconds),
      // A new secret for the same token: the same bindings and details.
      deviceIds: old.deviceIds,
      allowedCidrs: old.allowedCidrs,
      description: old.description,
      metadata: old.metadata,
      madeBy: grantor,
      expiresAt: capToGrantor(grantor, lifetime === null ? null : new Date(now.getTime() + lifetime)),
    });
    await this.tokens.markReplaced(old.id, token.id, new Date(now.getTime() + graceSeconds * 1000), em);
    return toIssuedTokenView(token, secret);
  }

  assertRotatable(token: Token): void {
    const now = this.clock.now().getTime();
    if (token.replacedById !== null) throw conflict('This token has already been rotated; rotate its replacement.');
    // A new secret would work where the disabled one does not.
    if (token.disabledAt !== null) throw conflict('A disabled token cannot be rotated; enable it first.');
    if (token.revokedAt !== null && token.revokedAt.getTime() <= now) throw conflict('A revoked token cannot be rotated.');
    if (token.expiresAt !== null && token.expiresAt.getTime() <= now) throw conflict('An expired token cannot be rotated.');
  }

  private async findOwn(principal: UserPrincipal, tokenId: string): Promise<Token> {
    const token = await this.tokens.findForOwner({ type: 'user', id: principal.id }, tokenId);
    if (!token) throw notFound('Token');
    return token;
  }
}

/** What a token PATCH's audit events say of the change: the fields sent, and the new rate limit when it was one. */
export function changeDetails(dto: UpdateTokenDto): Record<string, unknown> {
  const rateLimit =
    dto.rateLimit === undefined
      ? {}
      : { rateLimit: dto.rateLimit && { limit: dto.rateLimit.limit, windowSeconds: dto.rateLimit.windowSeconds } };
  return { fields: Object.keys(dto), ...rateLimit };
}
