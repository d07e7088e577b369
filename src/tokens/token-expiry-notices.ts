// Expiry notices: 7 days and 1 day before a named or API-user token expires, its owner is mailed (for an
// API user's token, the workspace's owners and admins), once per threshold, and the audit log records
// `token.expiring` (the webhooks' event follows from it). The scan is an outbox job that schedules its
// own next run, so it runs where the outbox worker runs; several instances scanning at once send each
// notice once, because only one transaction can record it (token_expiry_notices' primary key).
// Scheduling is PeriodicJobs' (src/outbox/periodic-jobs.ts).
import { NoticeBudget } from './notice-budget';
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditLog } from '../audit/audit-log';
import { Clock } from '../common/clock';
import { Mail } from '../mail/mail';
import { PeriodicJobs, PeriodicTask } from '../outbox/periodic-jobs';
import { ExpiringToken, TokenExpiryRepository } from './token-expiry.repository';

const BATCH = 200;
const DAY_MS = 86_400_000;

@Injectable()
export class TokenExpiryNotices implements PeriodicTask, OnModuleInit {
  readonly kind = 'token-expiry-scan';
  readonly everyMs = 3_600_000;
  private readonly logger = new Logger('TokenExpiry');

  constructor(
    private readonly dataSource: DataSource,
    private readonly expiring: TokenExpiryRepository,
    private readonly mail: Mail,
    private readonly periodic: PeriodicJobs,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    private readonly noticeBudget: NoticeBudget,
  ) {}

  onModuleInit(): void {
    this.periodic.register(this);
  }

  async run(): Promise<void> {
    await this.scan();
  }

  /** Sends every notice due now; returns how many tokens were noticed. */
  async scan(): Promise<number> {
    let noticed = 0;
    for (;;) {
      const now = this.clock.now();
      const due = await this.expiring.due(now, BATCH);
      for (const token of due) if (await this.notice(token, now)) noticed++;
      if (due.length < BATCH) return noticed;
    }
  }

  private notice(token: ExpiringToken, now: Date): Promise<boolean> {
    const days: 1 | 7 = token.expiresAt.getTime() - now.getTime() <= DAY_MS ? 1 : 7;
    return this.dataSource.transaction(async (em) => {
      if (!(await this.expiring.claimNotice(token.id, days, now, em))) return false;
      // A token first seen inside its last day gets the 1-day notice only, never a late 7-day one.
      if (days === 1) await this.expiring.claimNotice(token.id, 7, now, em);
      const recipients = await this.expiring.tokenRecipients(
        { userId: token.userId, apiUserWorkspaceId: token.kind === 'api_user' ? token.workspaceId : null },
        em,
      );
      for (const to of recipients) {
        if (!(await this.noticeBudget.allows(to))) continue;
        await this.mail.send(em, {
          to: to.email,
          template: 'token-expiring',
          data: {
            tokenName: token.name ?? 'token',
            tokenHint: token.hint,
            expiresAt: token.expiresAt.toISOString(),
            days,
            apiUserName: token.apiUserName,
            workspaceName: token.workspaceName,
          },
        });
      }
      await this.audit.record(
        em,
        { type: 'system', id: null, tokenId: null, ip: null },
        {
          action: 'token.expiring',
          workspaceId: token.kind === 'api_user' ? token.workspaceId : null,
          accountId: token.userId,
          target: { type: 'token', id: token.id },
          details: { days, expiresAt: token.expiresAt, kind: token.kind, ...(token.apiUserId ? { apiUserId: token.apiUserId } : {}) },
        },
      );
      this.logger.log({ tokenId: token.id, days, recipients: recipients.length }, 'token expiry notice');
      return true;
    });
  }
}
