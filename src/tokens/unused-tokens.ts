// Tokens nobody uses stop working. A workspace's policy `revokeUnusedAfterDays` (and the instance's
// LATCHKEY_REVOKE_UNUSED_AFTER_DAYS) names a number of days: a personal, named or API-user token not
// used for that long (its last use, or its creation if never used; last-used is kept in batches, so to
// the minute) is warned about a week before, then cut off. In a workspace, a member's token that also
// reaches other workspaces is cut off there only, as a workspace admin's revocation would; an API
// user's token, or one restricted to that workspace alone, is revoked. The instance's rule revokes.
// A token is never cut off without a warning at least a week old for the same idle spell: a policy set
// today warns first, a token used after its warning starts over, and a policy lengthened after a
// warning warns again a week before the new day.
import { NoticeBudget } from './notice-budget';
import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Actor, AuditLog } from '../audit/audit-log';
import { Clock } from '../common/clock';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { Mail } from '../mail/mail';
import { PeriodicJobs, PeriodicTask } from '../outbox/periodic-jobs';
import { Retention } from '../outbox/retention';
import { TokenExpiryRepository } from './token-expiry.repository';
import { IdleToken, TokensRepository } from './tokens.repository';
import { reachesOnly } from './tokens.repository';

const DAY_MS = 86_400_000;
const WARN_DAYS_BEFORE = 7;
const BATCH = 500;
/** Warnings are kept at least this long: the week of notice, and a week more for scans that ran late. */
const KEEP_WARNINGS_DAYS = 2 * WARN_DAYS_BEFORE;
const SYSTEM: Actor = { type: 'system', id: null, tokenId: null, ip: null };

interface Scope {
  /** null: the instance's rule. */
  workspaceId: string | null;
  workspaceName: string | null;
  days: number;
}

@Injectable()
export class UnusedTokens implements PeriodicTask, OnModuleInit {
  readonly kind = 'unused-token-scan';
  readonly everyMs = 6 * 3_600_000;
  private readonly logger = new Logger('UnusedTokens');

  constructor(
    private readonly dataSource: DataSource,
    private readonly tokens: TokensRepository,
    private readonly recipients: TokenExpiryRepository,
    private readonly mail: Mail,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    private readonly periodic: PeriodicJobs,
    retention: Retention,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly noticeBudget: NoticeBudget,
  ) {
    // A warning must outlive the week before its cut-off (a purged warning is sent again, and the token
    // never cut off), whatever LATCHKEY_RETENTION_DAYS says (it may be as short as 2 days).
    retention.register('unused_token_warnings', (cutoff, limit) => {
      const keptSince = this.clock.now().getTime() - KEEP_WARNINGS_DAYS * DAY_MS;
      return this.tokens.purgeIdleWarnings(new Date(Math.min(cutoff.getTime(), keptSince)), limit);
    });
  }

  onModuleInit(): void {
    this.periodic.register(this);
  }

  async run(): Promise<void> {
    await this.scan();
  }

  /** Warns and cuts off what is due now, in every scope; returns how many of each. */
  async scan(): Promise<{ warned: number; cutOff: number }> {
    const totals = { warned: 0, cutOff: 0 };
    const scopes: Scope[] = await this.dataSource.query(
      `SELECT id AS "workspaceId", name AS "workspaceName", revoke_unused_after_days AS days
         FROM workspaces WHERE revoke_unused_after_days IS NOT NULL ORDER BY id`,
    );
    if (this.config.revokeUnusedAfterDays !== null) {
      scopes.unshift({ workspaceId: null, workspaceName: null, days: this.config.revokeUnusedAfterDays });
    }
    for (const scope of scopes) {
      let afterId: string | null = null;
      for (;;) {
        const now = this.clock.now();
        // Idle long enough to be warned: within a week of the end, or past it.
        const idleSince = new Date(now.getTime() - (scope.days - WARN_DAYS_BEFORE) * DAY_MS);
        const batch = await this.tokens.listIdle(scope.workspaceId, now, idleSince, afterId, BATCH);
        for (const token of batch) {
          const outcome = await this.judge(scope, token, now);
          if (outcome) totals[outcome]++;
        }
        if (batch.length < BATCH) break;
        afterId = batch[batch.length - 1].id;
      }
    }
    if (totals.warned + totals.cutOff > 0) this.logger.log(totals, 'unused tokens');
    return totals;
  }

  private async judge(scope: Scope, token: IdleToken, now: Date): Promise<'warned' | 'cutOff' | null> {
    const dueAt = new Date(token.lastUse.getTime() + scope.days * DAY_MS);
    // A warning counts for the day it named: one sent before the last week of this due day (the policy
    // was lengthened since) named an earlier day that passed, so a new one goes out.
    const staleBefore = new Date(dueAt.getTime() - WARN_DAYS_BEFORE * DAY_MS);
    const warnedAt = token.warnedAt !== null && token.warnedAt >= staleBefore ? token.warnedAt : null;
    const warnedLongEnough = warnedAt !== null && warnedAt.getTime() <= now.getTime() - WARN_DAYS_BEFORE * DAY_MS;
    if (dueAt <= now && warnedLongEnough) return (await this.cutOff(scope, token, now)) ? 'cutOff' : null;
    if (warnedAt !== null) return null;
    return (await this.warn(scope, token, now, dueAt, staleBefore)) ? 'warned' : null;
  }

  private warn(scope: Scope, token: IdleToken, now: Date, dueAt: Date, staleBefore: Date): Promise<boolean> {
    return this.dataSource.transaction(async (em) => {
      if (!(await this.tokens.recordIdleWarning(token.id, scope.workspaceId, token.lastUse, now, staleBefore, em))) return false;
      const revokeAt = new Date(Math.max(dueAt.getTime(), now.getTime() + WARN_DAYS_BEFORE * DAY_MS));
      await this.tell(em, scope, token, 'warning', revokeAt);
      return true;
    });
  }

  private cutOff(scope: Scope, token: IdleToken, now: Date): Promise<boolean> {
    return this.dataSource.transaction(async (em) => {
      const onlyHere = scope.workspaceId === null || reachesOnly(token, scope.workspaceId);
      const changed = onlyHere
        ? await this.tokens.revoke(token.id, now, em)
        : await this.tokens.blockInWorkspace(scope.workspaceId as string, token.id, em);
      if (!changed) return false;
      await this.audit.record(em, SYSTEM, {
        action: 'token.revoked',
        workspaceId: scope.workspaceId ?? token.apiUserWorkspaceId,
        accountId: token.userId,
        target: { type: 'token', id: token.id },
        details: {
          effect: onlyHere ? 'revoked' : 'blocked_in_workspace',
          kind: token.kind,
          reason: 'unused',
          days: scope.days,
          ...(token.apiUserId ? { apiUserId: token.apiUserId } : {}),
        },
      });
      await this.tell(em, scope, token, 'revoked', now);
      return true;
    });
  }

  private async tell(em: EntityManager, scope: Scope, token: IdleToken, phase: 'warning' | 'revoked', revokeAt: Date): Promise<void> {
    const apiUserWorkspace = token.apiUserWorkspaceId;
    const to = await this.recipients.tokenRecipients(token, em);
    const apiUserName = token.apiUserId ? await this.recipients.apiUserName(token.apiUserId, em) : null;
    const workspaceName = scope.workspaceName ?? (apiUserWorkspace ? await this.recipients.workspaceName(apiUserWorkspace, em) : null);
    for (const recipient of to) {
      if (!(await this.noticeBudget.allows(recipient))) continue;
      await this.mail.send(em, {
        to: recipient.email,
        template: 'token-unused',
        data: {
          phase,
          tokenName: token.name ?? `${token.kind.replace('_', ' ')} token`,
          tokenHint: token.hint,
          apiUserName,
          workspaceName: scope.workspaceId === null ? null : workspaceName,
          days: scope.days,
          lastUse: token.lastUse.toISOString(),
          revokeAt: revokeAt.toISOString(),
        },
      });
    }
  }
}
