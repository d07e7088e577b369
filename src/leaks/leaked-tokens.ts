// Leaked tokens revoke themselves. A secret reported by GitHub secret scanning (signed) or by anyone
// through POST /v1/tokens/report is looked up by its hash; if it is one of ours and still alive, it is
// revoked at once with its rotation chain and the sessions made from it, the audit log records
// `token.leaked` (once per workspace the token reached, so each workspace's webhooks hear of it), and
// its owner (for an API user's token, the workspace's owners and admins) is mailed where it was found.
import { NoticeBudget } from '../tokens/notice-budget';
import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Actor, AuditLog } from '../audit/audit-log';
import { hashToken, hasValidChecksum, NOT_BEARER, tokenShape } from '../auth/token-format';
import { WorkspaceAccessResolver } from '../authorization/workspace-access';
import { Clock } from '../common/clock';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { Mail } from '../mail/mail';
import { oneLine } from '../mail/mail-templates';
import { Outbox, OutboxHandler, OutboxJob } from '../outbox/outbox';
import { OutboxWorker } from '../outbox/outbox-worker';
import { clientKey } from '../rate-limits/client-key';
import { ExactLimit } from '../rate-limits/exact-limit';
import { RedisConnection } from '../rate-limits/redis-connection';
import { TokenExpiryRepository } from '../tokens/token-expiry.repository';
import { LeakedTokenRow, TokensRepository } from '../tokens/tokens.repository';

/** Who reported the leak, and what they said about where. */
export interface LeakReport {
  reporter: 'github' | 'report';
  /** Where it was found (a URL), as reported, shortened; null when not given. */
  where: string | null;
  /** GitHub's `source` (content, commit, issue, …) or the reporter's own word, shortened. */
  source: string | null;
}

const REPORT_KIND = 'token-report';
/** What a report's free text is cut to before it is stored, mailed or audited. */
const MAX_WHERE_LENGTH = 500;
const MAX_SOURCE_LENGTH = 50;

@Injectable()
export class LeakedTokens implements OutboxHandler, OnModuleInit {
  readonly kind = REPORT_KIND;
  private readonly reportsPerIp: ExactLimit;

  constructor(
    private readonly dataSource: DataSource,
    private readonly tokens: TokensRepository,
    private readonly recipients: TokenExpiryRepository,
    private readonly access: WorkspaceAccessResolver,
    private readonly audit: AuditLog,
    private readonly mail: Mail,
    private readonly outbox: Outbox,
    private readonly worker: OutboxWorker,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) config: AppConfig,
    redis: RedisConnection,
    private readonly noticeBudget: NoticeBudget,
  ) {
    this.reportsPerIp = new ExactLimit(
      redis.client,
      'token-report',
      config.leaks.reportsPerIpPerHour,
      3600,
      'Too many token reports from this address; try again later.',
    );
  }

  onModuleInit(): void {
    this.worker.register(this);
  }

  /**
   * POST /v1/tokens/report: the same answer after the same work whatever was reported (one row written):
   * the lookup and the revocation happen in the outbox worker, so neither the answer nor its timing
   * tells whether a secret was alive. Only the hashes of well-formed secrets are kept, never a secret.
   */
  async acceptPublicReport(secrets: readonly string[], report: Omit<LeakReport, 'reporter'>, ip: string): Promise<void> {
    await this.reportsPerIp.consume(clientKey(ip));
    const tokenHashes = [...new Set(secrets.filter(isOurBearerShape).map(hashToken))];
    await this.outbox.add(this.dataSource.manager, {
      kind: REPORT_KIND,
      payload: { tokenHashes, where: clip(report.where, MAX_WHERE_LENGTH), source: clip(report.source, MAX_SOURCE_LENGTH), ip },
    });
  }

  async deliver(job: OutboxJob): Promise<void> {
    const payload = job.payload as { tokenHashes: string[]; where: string | null; source: string | null; ip: string };
    await this.revokeLeaked(payload.tokenHashes, { reporter: 'report', where: payload.where, source: payload.source }, payload.ip);
  }

  retryDelayMs(failedAttempt: number): number | null {
    return failedAttempt < 5 ? 30_000 * failedAttempt : null;
  }

  /**
   * The hashes of the secrets that are ours (alive or not: GitHub's true positives), after revoking
   * the live ones. Secrets of the wrong shape or checksum are never looked up.
   */
  async revokeReported(secrets: readonly string[], report: LeakReport, ip: string | null): Promise<Set<string>> {
    const tokenHashes = [...new Set(secrets.filter(isOurBearerShape).map(hashToken))];
    return this.revokeLeaked(tokenHashes, report, ip);
  }

  private async revokeLeaked(tokenHashes: readonly string[], report: LeakReport, ip: string | null): Promise<Set<string>> {
    const found = await this.tokens.findByHashes(tokenHashes);
    const safe: LeakReport = { ...report, where: clip(report.where, MAX_WHERE_LENGTH), source: clip(report.source, MAX_SOURCE_LENGTH) };
    for (const token of found) await this.revokeOne(token, safe, ip);
    return new Set(found.map((t) => t.tokenHash));
  }

  private async revokeOne(token: LeakedTokenRow, report: LeakReport, ip: string | null): Promise<void> {
    const workspaces = await this.reachedWorkspaces(token);
    await this.dataSource.transaction(async (em) => {
      // Already dead (revoked, or reported twice at once): nothing changes, nothing is told.
      if (!(await this.tokens.revoke(token.id, this.clock.now(), em))) return;
      const actor: Actor = { type: 'system', id: null, tokenId: null, ip };
      const details = {
        kind: token.kind,
        reporter: report.reporter,
        ...(report.where ? { where: report.where } : {}),
        ...(report.source ? { source: report.source } : {}),
        ...(token.apiUserId ? { apiUserId: token.apiUserId } : {}),
      };
      const entry = { action: 'token.leaked', accountId: token.userId, target: { type: 'token' as const, id: token.id }, details };
      if (workspaces.length === 0) await this.audit.record(em, actor, entry);
      for (const workspaceId of workspaces) await this.audit.record(em, actor, { ...entry, workspaceId });

      const to = await this.recipients.tokenRecipients(token, em);
      const workspaceName = token.apiUserWorkspaceId ? await this.recipients.workspaceName(token.apiUserWorkspaceId, em) : null;
      for (const recipient of to) {
        if (!(await this.noticeBudget.allows(recipient))) continue;
        await this.mail.send(em, {
          to: recipient.email,
          template: 'token-leaked',
          data: {
            tokenName: token.name ?? `${token.kind.replace('_', ' ')} token`,
            tokenHint: token.hint,
            apiUserName: token.apiUserName,
            workspaceName,
            reporter: report.reporter,
            where: report.where,
          },
        });
      }
    });
  }

  /** The workspaces a token reached: its API user's, or its user's memberships within its restriction, less those it was cut off from. */
  private async reachedWorkspaces(token: LeakedTokenRow): Promise<string[]> {
    if (token.apiUserWorkspaceId) return [token.apiUserWorkspaceId];
    if (!token.userId) return [];
    const memberOf = await this.access.memberOf({ type: 'user', id: token.userId });
    return memberOf.filter(
      (id) => (token.workspaceIds === null || token.workspaceIds.includes(id)) && !token.blockedWorkspaceIds.includes(id),
    );
  }
}

/** A bearer token of ours by its shape and checksum (no database work for anything else). */
function isOurBearerShape(secret: string): boolean {
  const prefix = tokenShape(secret);
  return prefix !== null && !NOT_BEARER.has(prefix) && hasValidChecksum(secret);
}

/** Anything shaped like a Latchkey secret, wherever it sits in a text (see token-format.ts). */
const SECRET_IN_TEXT = /(lk[pasivr]_)[0-9A-Za-z]{38}/g;

function clip(value: string | null | undefined, max: number): string | null {
  if (!value) return null;
  // A secret in the free text (a URL with ?token=…, or the secret as the source) would be kept in the
  // outbox and the audit log, mailed and sent to webhooks: only its prefix is kept. Then one line, cut.
  return oneLine(value.replace(SECRET_IN_TEXT, '$1…'), max) || null;
}
