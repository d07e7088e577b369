// Trust rules: which outside OIDC tokens may sign an API user in (docs/federation.md). A rule hands out
// sessions of its API user to whoever holds a matching token, so making or removing one is acting on
// that API user: api_users:manage and a caller who holds all of its rights (assertCanActOn), as for
// minting its tokens. A rule has no end, so, as a never-expiring token, it takes a caller whose token
// could make one (capToGrantor), and its scopes are within the caller's token (assertTokenCanGrant).
import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { ApiUsersRepository } from '../api-users/api-users.repository';
import type { Actor } from '../audit/audit-log';
import { assertScopesWellFormed, assertTokenCanGrant, assertLivesForever } from '../authorization/grants';
import { ALL_SCOPES } from '../authorization/permissions';
import type { WorkspaceAccess } from '../authorization/workspace-access';
import type { WorkspaceCaller } from '../authorization/workspace-caller';
import { WorkspaceWrites } from '../authorization/workspace-writes';
import { Clock } from '../common/clock';
import { conflict, notFound, validationFailed } from '../common/errors';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { AddressPolicy, urlProblem } from '../webhooks/webhook-address';
import { conditionsProblem } from './trust-conditions';
import { CreateTrustRuleDto, MAX_TRUST_RULES_PER_API_USER, toTrustRuleView, TrustRuleListView, TrustRuleView } from './trust-rules.dto';
import { TrustRulesRepository } from './trust-rules.repository';

@Injectable()
export class TrustRulesService {
  /** What an issuer URL may be: the webhooks' rules for outgoing calls, with http:// only where federation allows it. */
  readonly issuerPolicy: AddressPolicy;

  constructor(
    private readonly rules: TrustRulesRepository,
    private readonly apiUsers: ApiUsersRepository,
    private readonly writes: WorkspaceWrites,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.issuerPolicy = new AddressPolicy(config.webhooks.allowedCidrs, config.federation.allowHttp);
  }

  async list(access: WorkspaceAccess, apiUserId: string): Promise<TrustRuleListView> {
    await this.findApiUser(access, apiUserId);
    const rows = await this.rules.listForApiUser(access.workspaceId, apiUserId);
    return { items: rows.map(toTrustRuleView) };
  }

  /**
   * list()'s answer for each of these API users of the caller's workspace, in one statement (GraphQL's
   * apiUsers { trustRules }); an id not of this workspace gets an empty list.
   */
  async listForApiUsers(access: WorkspaceAccess, apiUserIds: readonly string[]): Promise<Map<string, TrustRuleView[]>> {
    const rows = await this.rules.listForApiUsers(access.workspaceId, apiUserIds);
    return new Map(apiUserIds.map((id) => [id, rows.filter((row) => row.apiUserId === id).map(toTrustRuleView)]));
  }

  async get(access: WorkspaceAccess, apiUserId: string, ruleId: string): Promise<TrustRuleView> {
    await this.findApiUser(access, apiUserId);
    const rule = await this.rules.find(access.workspaceId, apiUserId, ruleId);
    if (!rule) throw notFound('Trust rule');
    return toTrustRuleView(rule);
  }

  async create(caller: WorkspaceCaller, actor: Actor, apiUserId: string, dto: CreateTrustRuleDto): Promise<TrustRuleView> {
    const issuer = this.checkIssuer(dto.issuer);
    const conditions = conditionsProblem({ subject: dto.subject, claims: dto.claims });
    if (conditions) throw validationFailed(conditions.field, conditions.message);
    const scopes = dto.scopes ?? null;
    if (scopes) assertScopesWellFormed(scopes);
    return this.writes.run(caller, actor, async ({ em, access, audit, assertCanActOn }) => {
      await this.findApiUserLocked(access, apiUserId, em);
      await assertCanActOn({ type: 'api_user', id: apiUserId }, 'API user', 'this API user');
      // Its sessions are bound to no device and no network: a bound maker would hand out what its binding keeps it from.
      assertTokenCanGrant(access.principal.token, {
        scopes: scopes ?? [ALL_SCOPES],
        workspaceIds: [access.workspaceId],
        deviceIds: null,
        allowedCidrs: null,
      });
      assertLivesForever(access.principal, 'A trust rule does not expire');
      // Counted under the API user's row lock: two creations at once cannot both pass the cap.
      if ((await this.rules.countForApiUser(access.workspaceId, apiUserId, em)) >= MAX_TRUST_RULES_PER_API_USER) {
        throw conflict(`An API user has at most ${MAX_TRUST_RULES_PER_API_USER} trust rules; delete one first.`);
      }
      const id = randomUUID();
      await this.rules.insert(
        access.workspaceId,
        {
          id,
          apiUserId,
          description: dto.description?.trim() ?? '',
          issuer,
          audience: dto.audience,
          subject: dto.subject ?? null,
          claims: dto.claims ?? {},
          scopes,
          maxSessionSeconds: dto.maxSessionSeconds ?? null,
          createdAt: this.clock.now(),
        },
        access.principal,
        em,
      );
      const rule = await this.rules.find(access.workspaceId, apiUserId, id, em);
      const view = toTrustRuleView(rule!);
      await audit({
        action: 'api_user.trust_rule_created',
        target: { type: 'api_user', id: apiUserId },
        details: {
          ruleId: id,
          issuer,
          audience: view.audience,
          subject: view.subject,
          claims: view.claims,
          scopes: view.scopes,
          maxSessionSeconds: view.maxSessionSeconds,
        },
      });
      return view;
    });
  }

  async delete(caller: WorkspaceCaller, actor: Actor, apiUserId: string, ruleId: string): Promise<void> {
    await this.writes.run(caller, actor, async ({ em, access, audit, assertCanActOn }) => {
      await this.findApiUserLocked(access, apiUserId, em);
      await assertCanActOn({ type: 'api_user', id: apiUserId }, 'API user', 'this API user');
      const rule = await this.rules.find(access.workspaceId, apiUserId, ruleId, em);
      if (!rule || !(await this.rules.delete(access.workspaceId, ruleId, em))) throw notFound('Trust rule');
      await audit({
        action: 'api_user.trust_rule_deleted',
        target: { type: 'api_user', id: apiUserId },
        details: { ruleId, issuer: rule.issuer },
      });
    });
  }

  /**
   * The issuer as the tokens will name it: an https URL (http where allowed) of printable ASCII (no
   * look-alike letters: an international name is written as punycode), no credentials, query or
   * fragment, whose host is a public name or address (urlProblem, the webhooks' rule). Its addresses
   * are checked again at every fetch of its keys.
   */
  private checkIssuer(raw: string): string {
    const problem = urlProblem(raw, this.issuerPolicy);
    if (problem) throw validationFailed('issuer', problem);
    const url = new URL(raw);
    if (url.search || raw.includes('?')) throw validationFailed('issuer', 'must not have a query');
    return raw;
  }

  private async findApiUser(access: WorkspaceAccess, apiUserId: string): Promise<void> {
    if (!(await this.apiUsers.find(access.workspaceId, apiUserId))) throw notFound('API user');
  }

  private async findApiUserLocked(access: WorkspaceAccess, apiUserId: string, em: EntityManager): Promise<void> {
    if (!(await this.apiUsers.findLocked(access.workspaceId, apiUserId, em))) throw notFound('API user');
  }
}
