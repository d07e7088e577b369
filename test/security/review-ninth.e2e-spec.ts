// Review 9: attacks on the last six commits (the caller hold's network rule, the account links, the
// webhook retry time chosen once by the delivery (RetryAt), tokenReach) and on the webhook circuit
// breaker. Each test asserts the secure behaviour and fails on the code it was written against.
import { bearer } from '../support/api';
import { newWorkspace, type WorkspaceFixture } from '../support/fixtures';
import { deliveringBeside, subscribe } from '../support/tarpit';
import type { TestApp } from '../support/test-app';
import { startTestApp } from '../support/test-app';
import { WEBHOOK_TEST_ENV, WebhookReceiver } from '../support/webhook-receiver';
import { OutboxWorker } from '../../src/outbox/outbox-worker';
import { WebhooksRepository } from '../../src/webhooks/webhooks.repository';

jest.setTimeout(60_000);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function ping(t: TestApp, ws: WorkspaceFixture, endpointId: string): Promise<void> {
  await t.http().post(`/v1/workspaces/${ws.id}/webhooks/${endpointId}/test`).set(bearer(ws.owner.personalToken)).expect(202);
}

/** Free workspaces of one attacker, each with a receiver that never answers beside a fast one (review O1's bench). */
const ATTACKERS = 4;

describe('review 9, W1: the circuit breaker of a paused endpoint and POST …/test (and …/redeliver)', () => {
  const bench = deliveringBeside(1000);

  it('a paused endpoint gets no more than one attempt at a time through test pings, and the lane is not held from another workspace', async () => {
    const { t, tarpit, receiver } = bench;
    const attackers: Array<{ ws: WorkspaceFixture; tarpitId: string; fastId: string }> = [];
    for (let n = 0; n < ATTACKERS; n++) {
      const ws = await newWorkspace(t);
      const tarpitId = await subscribe(t, ws, tarpit.url(`/tarpit-${n}`));
      const fastId = await subscribe(t, ws, receiver.url(`/fast-${n}`));
      attackers.push({ ws, tarpitId, fastId });
    }
    const victim = await newWorkspace(t);
    await subscribe(t, victim, receiver.url('/victim'));

    // Each tarpit endpoint fails once: its circuit breaker opens (paused_until set).
    for (const a of attackers) await ping(t, a.ws, a.tarpitId);
    const firstFailed = () => attackers.every((_, n) => tarpit.endedAt(`/tarpit-${n}`) > 0) && tarpit.taken === tarpit.ended;
    for (let i = 0; i < 1000 && !firstFailed(); i++) await sleep(10);
    expect(firstFailed()).toBe(true);
    // The tarpit sees each attempt end before the worker records its failure: wait for the pauses themselves.
    const allPaused = async (): Promise<boolean> => {
      const paused: Array<{ pausedUntil: Date | null }> = await t.dataSource.query(
        `SELECT paused_until AS "pausedUntil" FROM webhook_endpoints WHERE id = ANY($1::uuid[])`,
        [attackers.map((a) => a.tarpitId)],
      );
      return paused.every((row) => row.pausedUntil !== null);
    };
    for (let i = 0; i < 500 && !(await allPaused()); i++) await sleep(10);
    expect(await allPaused()).toBe(true);

    // The attack: per workspace, a test ping to the fast endpoint (it goes through, and clears the
    // workspace's failing mark in the lane), then three test pings to the paused tarpit endpoint, which
    // are "due now even to a paused endpoint".
    tarpit.resetMost();
    for (const a of attackers) {
      await ping(t, a.ws, a.fastId);
      for (let k = 0; k < 3; k++) await ping(t, a.ws, a.tarpitId);
    }
    for (let i = 0; i < 100 && tarpit.taken - tarpit.ended < 10; i++) await sleep(10);

    const endedBefore = tarpit.ended;
    await victim.device();
    for (let i = 0; i < 1000 && receiver.on('/victim').length === 0; i++) await sleep(10);
    const endedWhenDelivered = tarpit.ended;

    // The breaker's promise (docs/security.md, O1): at most one attempt at a time on a paused endpoint.
    expect(attackers.map((_, n) => tarpit.mostAt(`/tarpit-${n}`))).toEqual(attackers.map(() => 1));
    // And another tenant's delivery does not wait for the attacker's hanging attempts to time out.
    expect(receiver.on('/victim')).toHaveLength(1);
    expect(endedWhenDelivered).toBe(endedBefore);
  });
});

describe('review 9, W2: a delivery tells when it is tried next', () => {
  let t: TestApp;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
    receiver.answer((_req, res) => {
      res.writeHead(503).end();
    });
    t = await startTestApp({ ...WEBHOOK_TEST_ENV });
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  it("a delivery held back by its endpoint's pause shows the time its job will run (nextAttemptAt = the job's run_at)", async () => {
    const ws = await newWorkspace(t);
    const endpointId = await subscribe(t, ws, receiver.url('/down'));
    // Four deliveries due at once: the lane takes three of the workspace's (its share); they fail, the
    // first pauses the endpoint and holds the fourth, which waits, back past the probe.
    for (let n = 0; n < 4; n++) await ws.device();
    await t.app.get(OutboxWorker).drainDue();
    expect(receiver.on('/down')).toHaveLength(3);

    const rows: Array<{ id: string; attempts: number; runAt: Date }> = await t.dataSource.query(
      `SELECT d.id, d.attempts, j.run_at AS "runAt"
         FROM webhook_deliveries d JOIN outbox_jobs j ON j.payload->>'deliveryId' = d.id::text
        WHERE d.endpoint_id = $1`,
      [endpointId],
    );
    expect(rows).toHaveLength(4);
    const held = rows.find((row) => row.attempts === 0)!;
    expect(held.runAt.getTime()).toBeGreaterThan(t.clock.now().getTime());
    const page = await t
      .http()
      .get(`/v1/workspaces/${ws.id}/webhooks/${endpointId}/deliveries`)
      .set(bearer(ws.owner.personalToken))
      .expect(200);
    const shown = page.body.items.find((d: { id: string }) => d.id === held.id);
    // What the API tells the tenant is when the outbox will try it: not its creation time.
    expect(shown.nextAttemptAt).toBe(held.runAt.toISOString());
  });
});

// Found while mending W2: an UPDATE … RETURNING answers [rows, count] through TypeORM, so two checks
// that read it as rows were always true: every give-up of an endpoint's deliveries "disabled" it again
// and mailed its owners again, and every delivery that went through "ended a pause".
describe('review 9, W3: the endpoint changes that report whether they changed anything', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ ...WEBHOOK_TEST_ENV });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('disables an endpoint once and ends a pause only where there is one', async () => {
    const ws = await newWorkspace(t);
    const endpointId = await subscribe(t, ws, 'https://hooks.example.com/latchkey');
    const repository = t.app.get(WebhooksRepository);
    const now = t.clock.now();
    await t.dataSource.transaction(async (em) => {
      expect(await repository.unpauseEndpoint(ws.id, endpointId, em)).toBe(false);
      expect(await repository.pauseEndpoint(ws.id, endpointId, new Date(now.getTime() + 5000), now, em)).toBeNull();
      expect(await repository.unpauseEndpoint(ws.id, endpointId, em)).toBe(true);
      expect(await repository.unpauseEndpoint(ws.id, endpointId, em)).toBe(false);
      expect(await repository.disableEndpoint(ws.id, endpointId, 'gave up', now, em)).toBe(true);
      expect(await repository.disableEndpoint(ws.id, endpointId, 'gave up again', now, em)).toBe(false);
    });
    const read = await t.http().get(`/v1/workspaces/${ws.id}/webhooks/${endpointId}`).set(bearer(ws.owner.personalToken)).expect(200);
    expect(read.body).toMatchObject({ enabled: false, disabledReason: 'gave up' });
  });
});
