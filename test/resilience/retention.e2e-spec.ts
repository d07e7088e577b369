// Retention and the outbox's metrics through the real application: what only looks back (finished
// webhook deliveries, given-up outbox jobs, used or expired mailed links) goes once it is older than
// LATCHKEY_RETENTION_DAYS, what is still in flight stays, and /metrics shows deliveries by outcome,
// the queue and its lag, and what the purge deleted.
import { randomUUID } from 'node:crypto';
import { OutboxWorker } from '../../src/outbox/outbox-worker';
import { Retention } from '../../src/outbox/retention';
import { WebhookSender } from '../../src/webhooks/webhook-sender';
import { bearer, registerUser, scrapeMetrics } from '../support/api';
import { newWorkspace, WorkspaceFixture } from '../support/fixtures';
import { MailCatcher } from '../support/mail-catcher';
import { startTestApp, TestApp } from '../support/test-app';
import { answerStatus, guardConnections, WEBHOOK_TEST_ENV, WebhookReceiver } from '../support/webhook-receiver';

const DAY_S = 86_400;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The value of one series of a scrape, 0 when the series is absent. */
function sample(metrics: string, series: string): number {
  const line = metrics.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

describe('retention and outbox metrics', () => {
  let t: TestApp;
  let smtp: MailCatcher;
  let receiver: WebhookReceiver;
  let ws: WorkspaceFixture;
  const drain = () => t.app.get(OutboxWorker).drainDue();

  beforeAll(async () => {
    smtp = await MailCatcher.start();
    receiver = await WebhookReceiver.start();
    t = await startTestApp({ ...WEBHOOK_TEST_ENV, LATCHKEY_SMTP_URL: smtp.url, LATCHKEY_RETENTION_DAYS: '30' });
    guardConnections(t.app.get(WebhookSender));
    ws = await newWorkspace(t);
  });
  afterAll(async () => {
    await t.close();
    await receiver.close();
    await smtp.stop();
  });

  async function endpoint(path: string): Promise<string> {
    const res = await t
      .http()
      .post(`/v1/workspaces/${ws.id}/webhooks`)
      .set(bearer(ws.owner.personalToken))
      .send({ url: receiver.url(path), events: ['device.created'] })
      .expect(201);
    return res.body.endpoint.id;
  }

  async function addDevice(): Promise<void> {
    await t
      .http()
      .post(`/v1/workspaces/${ws.id}/devices`)
      .set(bearer(ws.owner.personalToken))
      .send({ name: `Sensor ${randomUUID().slice(0, 8)}`, serial: randomUUID() })
      .expect(201);
  }

  const deliveries = (): Promise<Array<{ id: string; status: string; endpointId: string }>> =>
    t.dataSource.query(`SELECT id, status, endpoint_id AS "endpointId" FROM webhook_deliveries WHERE workspace_id = $1`, [ws.id]);

  it('purges old finished deliveries, given-up jobs and spent links; keeps what is recent or still being retried', async () => {
    await drain();
    // One endpoint answers, one never does: its delivery is retried for about a day, then given up.
    receiver.answer((req, res) => (req.url?.startsWith('/down') ? answerStatus(500, 'no')(req, res) : answerStatus(200, 'ok')(req, res)));
    const up = await endpoint('/up');
    const down = await endpoint('/down');
    await addDevice();
    expect(await drain()).toBeGreaterThanOrEqual(2);
    // A password reset request leaves a mailed link (account_links), spent once it expires.
    const someone = await registerUser(t);
    await t.http().post('/v1/auth/password-reset').send({ email: someone.email }).expect(202);
    await drain();
    const links = async () =>
      Number((await t.dataSource.query(`SELECT count(*)::int AS n FROM account_links WHERE user_id = $1`, [someone.id]))[0].n);
    expect(await links()).toBeGreaterThanOrEqual(1);

    for (let hour = 0; hour < 40; hour++) {
      t.clock.advanceSeconds(3600);
      await drain();
    }
    const old = await deliveries();
    expect(old.find((d) => d.endpointId === up)?.status).toBe('succeeded');
    expect(old.find((d) => d.endpointId === down)?.status).toBe('failed');
    const failedJobs = async () =>
      Number((await t.dataSource.query(`SELECT count(*)::int AS n FROM outbox_jobs WHERE status = 'failed'`))[0].n);
    expect(await failedJobs()).toBeGreaterThanOrEqual(1);

    const metricsBefore = await scrapeMetrics(t);
    expect(sample(metricsBefore, 'latchkey_outbox_deliveries_total{kind="webhook",outcome="delivered"}')).toBeGreaterThanOrEqual(1);
    expect(sample(metricsBefore, 'latchkey_outbox_deliveries_total{kind="webhook",outcome="retried"}')).toBeGreaterThanOrEqual(3);
    expect(sample(metricsBefore, 'latchkey_outbox_deliveries_total{kind="webhook",outcome="given_up"}')).toBe(1);
    expect(sample(metricsBefore, 'latchkey_outbox_deliveries_total{kind="mail",outcome="delivered"}')).toBeGreaterThanOrEqual(1);
    expect(metricsBefore).toMatch(/^latchkey_outbox_jobs\{kind="webhook",status="failed"\} [1-9]/m);

    // Nothing is old enough yet: a purge now deletes nothing.
    const early = await t.app.get(Retention).purgeAll();
    expect(early).toEqual({ outbox_jobs: 0, webhook_deliveries: 0, account_links: 0, unused_token_warnings: 0, federation_used_tokens: 0 });

    // 31 days later: a fresh delivery, and one still pending whose row was last touched long ago.
    t.clock.advanceSeconds(31 * DAY_S);
    receiver.answer(answerStatus(200, 'ok'));
    await t
      .http()
      .patch(`/v1/workspaces/${ws.id}/webhooks/${down}`)
      .set(bearer(ws.owner.personalToken))
      .send({ enabled: true })
      .expect(200);
    receiver.answer(answerStatus(500, 'no'));
    await addDevice();
    await drain();
    const pending = (await deliveries()).filter((d) => d.status === 'pending');
    expect(pending.length).toBeGreaterThanOrEqual(1);
    await t.dataSource.query(`UPDATE webhook_deliveries SET updated_at = updated_at - interval '90 days' WHERE id = $1`, [pending[0].id]);

    const purged = await t.app.get(Retention).purgeAll();
    expect(purged.webhook_deliveries).toBe(2);
    expect(purged.outbox_jobs).toBeGreaterThanOrEqual(1);
    expect(purged.account_links).toBeGreaterThanOrEqual(1);
    const left = await deliveries();
    expect(left.map((d) => d.id)).toContain(pending[0].id);
    expect(left.filter((d) => old.some((o) => o.id === d.id))).toEqual([]);
    expect(await failedJobs()).toBe(0);
    expect(await links()).toBe(0);

    // What the API lists follows: the old deliveries are gone from the endpoint's history.
    const listed = await t.http().get(`/v1/workspaces/${ws.id}/webhooks/${up}/deliveries`).set(bearer(ws.owner.personalToken)).expect(200);
    const oldUp = old.find((d) => d.endpointId === up)!.id;
    expect(listed.body.items.map((d: { id: string }) => d.id)).not.toContain(oldUp);
    expect(listed.body.items.map((d: { status: string }) => d.status)).toEqual(['pending']);

    const metrics = await scrapeMetrics(t);
    expect(sample(metrics, 'latchkey_retention_deleted_rows_total{table="webhook_deliveries"}')).toBe(2);
    expect(sample(metrics, 'latchkey_retention_deleted_rows_total{table="account_links"}')).toBeGreaterThanOrEqual(1);
    expect(metrics).not.toMatch(/^latchkey_outbox_jobs\{kind="webhook",status="failed"\}/m);
  });

  it('reports how late the oldest due job is, per kind', async () => {
    await drain();
    receiver.answer(answerStatus(200, 'ok'));
    // The test before left its endpoints paused by their failures (a new delivery would wait for the
    // probe): this one measures a delivery due at once.
    await t.dataSource.query(`UPDATE webhook_endpoints SET paused_until = NULL`);
    await addDevice();
    t.clock.advanceSeconds(120);
    const metrics = await scrapeMetrics(t);
    expect(sample(metrics, 'latchkey_outbox_oldest_due_seconds{kind="webhook"}')).toBeGreaterThanOrEqual(120);
    expect(sample(metrics, 'latchkey_outbox_jobs{kind="webhook",status="pending"}')).toBeGreaterThanOrEqual(1);
    await drain();
    const after = await scrapeMetrics(t);
    expect(sample(after, 'latchkey_outbox_oldest_due_seconds{kind="webhook"}')).toBe(0);
  });
});

describe('retention (background worker)', () => {
  it('an instance with the worker on schedules the daily purge, which runs and leaves one job for the next day', async () => {
    const t = await startTestApp({ LATCHKEY_OUTBOX_WORKER: 'on', LATCHKEY_OUTBOX_POLL_SECONDS: '300' });
    try {
      const day = DAY_S * 1000;
      const nextSlot = (Math.floor(t.clock.now().getTime() / day) + 1) * day;
      let rows: Array<{ runAt: Date }> = [];
      for (let i = 0; i < 150; i++) {
        rows = await t.dataSource.query(`SELECT run_at AS "runAt" FROM outbox_jobs WHERE kind = 'retention' AND status = 'pending'`);
        if (rows.length === 1 && rows[0].runAt.getTime() % day === 0 && rows[0].runAt.getTime() >= nextSlot) break;
        await sleep(20);
      }
      expect(rows).toHaveLength(1);
      expect([nextSlot, nextSlot + day]).toContain(rows[0].runAt.getTime());
    } finally {
      await t.close();
    }
  });
});
