// Expiry notices: 7 days and 1 day before a named or API-user token expires, its owner is mailed (for an
// API user's token, the workspace's owners and admins), once per threshold, and the audit log records
// `token.expiring` (the webhooks' event follows from it). The scan is an outbox job that schedules its
// own next run, so it runs where the outbox worker runs; several instances scanning at once send each
// notice once, because only one transaction can record it (token_expiry_notices' primary key).
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditLog } from '../audit/audit-log';
import { Clock } from '../common/clock';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { Mail } from '../mail/mail';
import { Outbox, OutboxHandler } from '../outbox/outbox';
import { OutboxWorker } from '../outbox/outbox-worker';
import { ExpiringToken, TokenExpiryRepository } from './token-expiry.repository';

const SCAN_KIND = 'token-expiry-scan';
const SCAN_EVERY_MS = 3_600_000;
const BATCH = 200;
const DAY_MS = 86_400_000;

@Injectable()
export class TokenExpiryNotices implements OutboxHandler, OnModuleInit, OnApplicationBootstrap {
  readonly kind = SCAN_KIND;
  private readonly logger = new Logger('TokenExpiry');

  constructor(
    private readonly dataSource: DataSource,
    private readonly expiring: TokenExpiryRepository,
    private readonly mail: Mail,
    private readonly outbox: Outbox,
    private readonly worker: OutboxWorker,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.worker.register(this);
  }

  /** An instance that delivers makes sure a scan is scheduled: the one of this hour, unless another instance added it. */
  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.outbox.worker) return;
    await this.schedule(this.clock.now());
  }

  /** The scan job of the hour slot `at` falls in, due at once (or at the slot's start if later). */
  private async schedule(at: Date): Promise<void> {
    const slot = Math.floor(at.getTime() / SCAN_EVERY_MS);
    await this.outbox.addOnce(this.dataSource.manager, String(slot), {
      kind: SCAN_KIND,
      payload: {},
      runAt: new Date(Math.max(slot * SCAN_EVERY_MS, this.clock.now().getTime())),
    });
  }

  async deliver(): Promise<void> {
    const now = this.clock.now();
    await this.scan();
    await this.schedule(new Date(now.getTime() + SCAN_EVERY_MS));
  }

  retryDelayMs(failedAttempt: number): number | null {
    return failedAttempt < 3 ? 60_000 : null;
  }

  async onGiveUp(): Promise<void> {
    await this.schedule(new Date(this.clock.now().getTime() + SCAN_EVERY_MS));
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
      const recipients =
        token.kind === 'api_user' && token.workspaceId
          ? await this.expiring.ownersAndAdmins(token.workspaceId, em)
          : token.userId
            ? await this.expiring.owner(token.userId, em)
            : [];
      for (const to of recipients) {
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
