// Where webhook deliveries come from and how each is delivered. Deliveries are enqueued from the audit
// log (AuditLog.listen): in the transaction of the change, each enabled endpoint subscribed to an event
// the change raises gets a delivery row and an outbox job, so the change and its deliveries commit
// together or not at all. The outbox worker then calls deliver() outside any request.
//
// Each endpoint has a circuit breaker, kept in the database (instances share it): a failed attempt
// pauses its endpoint until that delivery's own retry, which is the probe, and holds the endpoint's
// other waiting deliveries until past the probe's end; new deliveries to it wait as long. One that goes
// through ends the pause and makes the held deliveries due at once. So a receiver that never answers
// holds at most one attempt at a time, however often its workspace's other endpoints answer (the
// lane's failing mark is per workspace, and any delivery of it clears the mark).
import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { DataSource, EntityManager } from 'typeorm';
import { Actor, AuditEntry, AuditLog } from '../audit/audit-log';
import { WorkspaceWrites } from '../authorization/workspace-writes';
import { Clock } from '../common/clock';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { Mail } from '../mail/mail';
import { Outbox, OutboxHandler, OutboxJob, RetryAt } from '../outbox/outbox';
import { OutboxWorker } from '../outbox/outbox-worker';
import { Retention } from '../outbox/retention';
import { TEST_EVENT, webhookEventsOf, WebhookPayload, webhookPayload } from './webhook-events';
import { WebhookSecrets } from './webhook-secrets';
import { WebhookSender } from './webhook-sender';
import { DeliveryRecord, EndpointRecord, WebhooksRepository } from './webhooks.repository';

export const WEBHOOK_JOB_KIND = 'webhook';

/**
 * Delay before each retry, after attempts 1 to 7 failed (the schedule Standard Webhooks senders such
 * as Svix use): 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h; about 27.6 hours from the first attempt to
 * the eighth and last. Then the delivery has failed and the endpoint is disabled.
 */
export const RETRY_DELAYS_MS: readonly number[] = [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000];

interface JobPayload {
  workspaceId: string;
  endpointId: string;
  deliveryId: string;
}

@Injectable()
export class WebhookDeliveries implements OutboxHandler, OnModuleInit {
  readonly kind = WEBHOOK_JOB_KIND;
  private readonly logger = new Logger(WebhookDeliveries.name);

  constructor(
    private readonly repository: WebhooksRepository,
    private readonly outbox: Outbox,
    private readonly worker: OutboxWorker,
    private readonly retention: Retention,
    private readonly auditLog: AuditLog,
    private readonly secrets: WebhookSecrets,
    private readonly sender: WebhookSender,
    private readonly writes: WorkspaceWrites,
    private readonly mail: Mail,
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.auditLog.listen((em, actor, entries, at) => this.onAudit(em, actor, entries, at));
    this.worker.register(this);
    this.retention.register('webhook_deliveries', (cutoff, limit) => this.repository.purgeFinishedDeliveries(cutoff, limit));
  }

  /**
   * The one mapping from the audit log to deliveries; runs in the audited change's transaction. Each
   * event gets the deliveries it would get alone; the endpoints are read once per workspace of the batch.
   */
  async onAudit(em: EntityManager, actor: Actor, entries: readonly AuditEntry[], at: Date): Promise<void> {
    const byWorkspace = new Map<string, AuditEntry[]>();
    for (const entry of entries) {
      if (!entry.workspaceId || webhookEventsOf(entry.action).length === 0) continue;
      const raising = byWorkspace.get(entry.workspaceId);
      if (raising) raising.push(entry);
      else byWorkspace.set(entry.workspaceId, [entry]);
    }
    for (const [workspaceId, raising] of byWorkspace) {
      const types = [...new Set(raising.flatMap((entry) => webhookEventsOf(entry.action)))];
      const endpoints = await this.repository.subscribedEndpoints(workspaceId, types, em);
      const deliveries: Array<{ endpointId: string; payload: WebhookPayload; runAt: Date }> = [];
      for (const entry of raising) {
        for (const endpoint of endpoints) {
          const runAt = this.firstRunAt(endpoint.pausedUntil);
          for (const type of webhookEventsOf(entry.action)) {
            if (endpoint.events.includes(type))
              deliveries.push({ endpointId: endpoint.id, payload: webhookPayload(type, at, actor, entry), runAt });
          }
        }
      }
      await this.enqueueMany(em, workspaceId, deliveries);
    }
  }

  /**
   * A delivery someone asked for (a test or a redelivery), its row and its outbox job, in `em`'s
   * transaction; `messageId` is kept by a redelivery. Due now unless its endpoint is paused (askedRunAt).
   */
  async enqueue(em: EntityManager, workspaceId: string, endpointId: string, payload: WebhookPayload, messageId?: string): Promise<string> {
    const runAt = await this.askedRunAt(em, workspaceId, endpointId);
    const [id] = await this.enqueueMany(em, workspaceId, [{ endpointId, payload, messageId, runAt }]);
    return id;
  }

  /**
   * When a delivery someone asked for is first tried. Now, when the endpoint is not paused. A paused
   * endpoint whose probe is still to come takes it as its probe at once (whoever fixed the receiver
   * need not wait hours for the schedule's next retry): the pause is brought forward to now and the
   * endpoint's other waiting deliveries, the failed one's retry among them, wait past it. While a
   * probe's outcome is pending, it waits past the probe like any new delivery. So a receiver that fails
   * gets one attempt at a time however often someone asks (review 9, W1).
   */
  private async askedRunAt(em: EntityManager, workspaceId: string, endpointId: string): Promise<Date> {
    const now = this.clock.now();
    const pausedUntil = await this.repository.pauseForUpdate(workspaceId, endpointId, em);
    if (!pausedUntil) return now;
    if (pausedUntil <= now) return this.firstRunAt(pausedUntil);
    await this.repository.bringPauseForward(workspaceId, endpointId, now, em);
    await this.holdBack(em, workspaceId, endpointId, this.firstRunAt(now));
    return now;
  }

  /** As enqueue() each, in a few statements: a bulk change's deliveries, each due at its runAt. Their ids in order. */
  private async enqueueMany(
    em: EntityManager,
    workspaceId: string,
    deliveries: ReadonlyArray<{ endpointId: string; payload: WebhookPayload; messageId?: string; runAt: Date }>,
  ): Promise<string[]> {
    if (deliveries.length === 0) return [];
    const now = this.clock.now();
    const rows = deliveries.map(({ endpointId, payload, messageId, runAt }) => ({
      id: randomUUID(),
      endpointId,
      messageId: messageId ?? `msg_${randomUUID().replace(/-/g, '')}`,
      eventType: payload.type,
      payload: payload as unknown as Record<string, unknown>,
      nextAttemptAt: runAt,
      createdAt: now,
    }));
    await this.repository.insertDeliveries(workspaceId, rows, em);
    await this.outbox.addMany(
      em,
      rows.map((row) => {
        const job: JobPayload = { workspaceId, endpointId: row.endpointId, deliveryId: row.id };
        return { kind: WEBHOOK_JOB_KIND, shareKey: workspaceId, payload: { ...job }, runAt: row.nextAttemptAt };
      }),
    );
    return rows.map((row) => row.id);
  }

  /** One attempt. Throws when it failed and may be retried (the worker asks retryDelayMs). */
  async deliver(job: OutboxJob): Promise<void> {
    const { workspaceId, endpointId, deliveryId } = job.payload as unknown as JobPayload;
    const delivery = await this.repository.findDelivery(workspaceId, endpointId, deliveryId);
    // Gone with its endpoint, or already settled by an earlier run of the same job: nothing to do.
    if (!delivery || delivery.status !== 'pending') return;
    const endpoint = await this.repository.findEndpoint(workspaceId, endpointId);
    if (!endpoint) return;
    const now = this.clock.now();
    // An endpoint is a standing read of the events it carries, held to each event's read permission when
    // it is changed: one no longer carried goes nowhere, since the URL it would go to may since have been
    // set by someone who may not read it (review 18b, W1). A test event goes to its endpoint alone.
    const refusal = !endpoint.enabled
      ? 'the endpoint is disabled'
      : delivery.eventType !== TEST_EVENT && !endpoint.events.includes(delivery.eventType)
        ? `the endpoint no longer carries ${delivery.eventType}`
        : null;
    if (refusal) {
      await this.repository.recordAttempt(workspaceId, deliveryId, {
        ...outcomeOf(delivery),
        status: 'cancelled',
        lastError: refusal,
        nextAttemptAt: null,
        updatedAt: now,
      });
      return;
    }
    const body = JSON.stringify(delivery.payload);
    let signature: string;
    try {
      signature = this.signatures(endpoint, delivery.messageId, now, body);
    } catch (error) {
      // A secret that does not open (LATCHKEY_WEBHOOK_SECRETS_KEY changed): said in the delivery, retried.
      signature = '';
      this.logger.error({ workspaceId, endpointId, deliveryId, err: String(error) }, 'Cannot open a webhook signing secret');
    }
    const result = signature
      ? await this.sender.send(
          endpoint.url,
          {
            'webhook-id': delivery.messageId,
            'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
            'webhook-signature': signature,
          },
          body,
        )
      : {
          ok: false,
          status: null,
          body: null,
          durationMs: 0,
          error: 'cannot open the signing secret (LATCHKEY_WEBHOOK_SECRETS_KEY changed?)',
        };
    const attempts = delivery.attempts + 1;
    if (result.ok) {
      await this.repository.recordAttempt(workspaceId, deliveryId, {
        status: 'succeeded',
        attempts,
        responseStatus: result.status,
        responseBody: result.body,
        durationMs: result.durationMs,
        lastError: null,
        nextAttemptAt: null,
        updatedAt: this.clock.now(),
      });
      await this.resume(workspaceId, endpointId);
      return;
    }
    const delay = this.retryDelayMs(job.attempt);
    const retryAt = delay === null ? null : await this.retryTime(workspaceId, endpointId, delay);
    await this.repository.recordAttempt(workspaceId, deliveryId, {
      status: 'pending',
      attempts,
      responseStatus: result.status,
      responseBody: result.body,
      durationMs: result.durationMs,
      lastError: result.error,
      nextAttemptAt: retryAt,
      updatedAt: this.clock.now(),
    });
    // The outbox job is retried when the delivery says; with no retry left it gives up (onGiveUp).
    if (retryAt) throw new RetryAt(result.error ?? 'delivery failed', retryAt);
    throw new Error(result.error ?? 'delivery failed');
  }

  /**
   * When a failed attempt is tried again: after its delay, pausing its endpoint until then (pause). When
   * the endpoint's pause holds a probe still to come (this attempt ran beside it), past that probe's end.
   */
  private async retryTime(workspaceId: string, endpointId: string, delay: number): Promise<Date> {
    const own = new Date(this.clock.now().getTime() + delay);
    const probeAt = await this.pause(workspaceId, endpointId, own);
    if (!probeAt) return own;
    const afterProbe = this.firstRunAt(probeAt);
    return afterProbe > own ? afterProbe : own;
  }

  /**
   * When a new delivery to an endpoint paused until `pausedUntil` is first tried: past the end of the
   * probe that the pause waits for, so it neither runs beside the probe nor hangs a slot; now when not
   * paused. A pause whose time has come lasts until its probe has an outcome (the probe may be running,
   * or due and not yet claimed), so it still holds new deliveries back from now.
   */
  private firstRunAt(pausedUntil: Date | null): Date {
    const now = this.clock.now();
    if (!pausedUntil) return now;
    // The probe starts at pausedUntil (or a poll later) and ends within a timeout; twice that leaves it room.
    return new Date(Math.max(pausedUntil.getTime(), now.getTime()) + 2 * this.config.webhooks.timeoutMs);
  }

  /**
   * After a failed attempt: the endpoint is paused until the failed delivery's retry (its probe) and
   * its other waiting deliveries are held until past the probe's end, in one transaction. When a pause
   * whose probe is still to come holds it already (this attempt ran beside the probe's failed one, or is
   * a test or redelivery the user asked for), that pause stands: returns its end, which this delivery's
   * retry waits past like the others, so one probe is tried at a time.
   */
  private async pause(workspaceId: string, endpointId: string, until: Date): Promise<Date | null> {
    return this.dataSource.transaction(async (em) => {
      const pausedUntil = await this.repository.pauseEndpoint(workspaceId, endpointId, until, this.clock.now(), em);
      if (pausedUntil) return pausedUntil;
      await this.holdBack(em, workspaceId, endpointId, this.firstRunAt(until));
      return null;
    });
  }

  /** The endpoint's waiting deliveries held until `notBefore`: their jobs, and the time their rows show. */
  private async holdBack(em: EntityManager, workspaceId: string, endpointId: string, notBefore: Date): Promise<void> {
    const moved = await this.outbox.postpone(em, WEBHOOK_JOB_KIND, workspaceId, { endpointId }, notBefore);
    await this.repository.setNextAttempts(workspaceId, deliveryIdsOf(moved), notBefore, em);
  }

  /** The endpoint's waiting deliveries due now (the receiver answers again, or was enabled again by hand). */
  private async release(em: EntityManager, workspaceId: string, endpointId: string): Promise<void> {
    const moved = await this.outbox.resume(em, WEBHOOK_JOB_KIND, workspaceId, { endpointId });
    await this.repository.setNextAttempts(workspaceId, deliveryIdsOf(moved), this.clock.now(), em);
  }

  /**
   * After an attempt went through: a paused endpoint is resumed and its waiting deliveries are due now,
   * those the pause held and those waiting for their own retry alike (the receiver answers again).
   */
  private async resume(workspaceId: string, endpointId: string): Promise<void> {
    await this.dataSource.transaction(async (em) => {
      if (await this.repository.unpauseEndpoint(workspaceId, endpointId, em)) await this.release(em, workspaceId, endpointId);
    });
  }

  /**
   * An endpoint enabled again by hand starts afresh (its pause ended with the change): the deliveries
   * still waiting for it, held by the pause or for their own retry, are due now.
   */
  async endpointEnabled(em: EntityManager, workspaceId: string, endpointId: string): Promise<void> {
    await this.release(em, workspaceId, endpointId);
  }

  retryDelayMs(failedAttempt: number): number | null {
    return RETRY_DELAYS_MS[failedAttempt - 1] ?? null;
  }

  /** Retried for about a day in vain: the delivery has failed, and its endpoint is disabled and its owners mailed (once). */
  async onGiveUp(job: OutboxJob, lastError: string): Promise<void> {
    const { workspaceId, endpointId, deliveryId } = job.payload as unknown as JobPayload;
    const now = this.clock.now();
    await this.dataSource.transaction(async (em) => {
      try {
        await this.writes.lock(workspaceId, em);
      } catch {
        return; // the workspace is gone, and its endpoints with it
      }
      const delivery = await this.repository.findDelivery(workspaceId, endpointId, deliveryId, em);
      if (!delivery) return;
      await this.repository.recordAttempt(
        workspaceId,
        deliveryId,
        { ...outcomeOf(delivery), status: 'failed', nextAttemptAt: null, updatedAt: now },
        em,
      );
      const reason = `Disabled after a delivery failed for about a day (${delivery.attempts} attempts); last error: ${lastError}`.slice(
        0,
        600,
      );
      if (await this.repository.disableEndpoint(workspaceId, endpointId, reason, now, em)) {
        this.logger.warn({ workspaceId, endpointId, deliveryId }, 'Webhook endpoint disabled after failing deliveries');
        // Once: only the delivery that disables the endpoint mails, in the same transaction.
        const endpoint = await this.repository.findEndpoint(workspaceId, endpointId, em);
        for (const owner of await this.repository.owners(workspaceId, em)) {
          await this.mail.send(em, {
            to: owner.email,
            template: 'webhook-disabled',
            data: {
              workspaceName: owner.workspaceName,
              url: endpoint?.url ?? '',
              attempts: delivery.attempts,
              lastError: lastError.slice(0, 200),
            },
          });
        }
        await this.auditLog.record(
          em,
          { type: 'system', id: null, tokenId: null, ip: null },
          {
            action: 'webhook.disabled',
            workspaceId,
            target: { type: 'webhook', id: endpointId },
            details: { deliveryId, attempts: delivery.attempts, reason: 'deliveries_failing' },
          },
        );
      }
    });
  }

  /** `v1,<sig>` by the current secret, and by the previous one while its overlap lasts. */
  private signatures(endpoint: EndpointRecord, messageId: string, at: Date, body: string): string {
    const secrets = [this.secrets.open(endpoint.secretSealed, endpoint.id)];
    if (endpoint.previousSecretSealed && endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt > at) {
      secrets.push(this.secrets.open(endpoint.previousSecretSealed, endpoint.id));
    }
    return secrets.map((secret) => new Webhook(secret).sign(messageId, at, body)).join(' ');
  }
}

function outcomeOf(d: DeliveryRecord) {
  return {
    attempts: d.attempts,
    responseStatus: d.responseStatus,
    responseBody: d.responseBody,
    durationMs: d.durationMs,
    lastError: d.lastError,
  };
}

/** The deliveries of moved webhook jobs (their payloads: JobPayload). */
function deliveryIdsOf(payloads: ReadonlyArray<Record<string, unknown>>): string[] {
  return payloads.map((payload) => payload.deliveryId).filter((id): id is string => typeof id === 'string');
}
