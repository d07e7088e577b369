// The circuit breaker of each webhook endpoint, through HTTP and the real background worker: a failed
// attempt pauses its endpoint until that delivery's retry (the probe), and the endpoint's other
// deliveries wait past it, so a receiver that never answers holds one attempt at a time however often
// its workspace's other endpoints answer (review O1); one that answers again is resumed at once.
import { gql } from '../graphql/gql';
import { bearer } from '../support/api';
import { newWorkspace, type WorkspaceFixture } from '../support/fixtures';
import { deliveringBeside, startDeliveringApp, subscribe } from '../support/tarpit';
import type { TestApp } from '../support/test-app';
import { WebhookReceiver } from '../support/webhook-receiver';
import { RETRY_DELAYS_MS } from '../../src/webhooks/webhook-deliveries';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Workspaces (free) of one attacker, each with a receiver that never answers beside a fast one. */
const ATTACKERS = 4;

describe('webhooks: an endpoint that never answers, beside a fast one of the same workspace', () => {
  const bench = deliveringBeside(1000);

  it("holds one attempt at a time on it, while the fast deliveries go through, and another workspace's delivery arrives at once", async () => {
    const { t, tarpit, receiver } = bench;
    const attackers: WorkspaceFixture[] = [];
    for (let n = 0; n < ATTACKERS; n++) {
      const ws = await newWorkspace(t);
      await subscribe(t, ws, tarpit.url(`/tarpit-${n}`));
      await subscribe(t, ws, receiver.url(`/fast-${n}`));
      attackers.push(ws);
    }
    const victim = await newWorkspace(t);
    await subscribe(t, victim, receiver.url('/victim'));

    // Three deliveries to each tarpit: the first attempts hang together, then all time out.
    for (const ws of attackers) for (let d = 0; d < 3; d++) await ws.device();
    const firstFailed = () => attackers.every((_, n) => tarpit.endedAt(`/tarpit-${n}`) > 0) && tarpit.taken === tarpit.ended;
    for (let i = 0; i < 1000 && !firstFailed(); i++) await sleep(10);
    expect(firstFailed()).toBe(true);

    // A stream of events from then on, each giving a fast delivery that goes through and one to the
    // tarpit; the victim's device in the midst of it; then the clock reaches the pauses' ends, and
    // each tarpit endpoint's probe (its first delivery's retry) is tried.
    tarpit.resetMost();
    const endedAtFirst = attackers.map((_, n) => tarpit.endedAt(`/tarpit-${n}`));
    const probed = () => attackers.every((_, n) => tarpit.endedAt(`/tarpit-${n}`) > endedAtFirst[n]);
    let endedBefore: number | null = null;
    let endedWhenDelivered: number | null = null;
    for (let round = 0; round < 300 && !(probed() && endedWhenDelivered !== null); round++) {
      for (const ws of attackers) await ws.device();
      if (round === 5) {
        endedBefore = tarpit.ended;
        await victim.device();
      }
      if (endedWhenDelivered === null && receiver.on('/victim').length > 0) endedWhenDelivered = tarpit.ended;
      if (round === 15) t.clock.advance(RETRY_DELAYS_MS[0]);
      await sleep(20);
    }
    // Each tarpit got its later attempt, never more than one at once, and the fast deliveries flowed.
    expect(probed()).toBe(true);
    expect(attackers.map((_, n) => tarpit.mostAt(`/tarpit-${n}`))).toEqual(attackers.map(() => 1));
    expect(attackers.every((_, n) => receiver.on(`/fast-${n}`).length > 15)).toBe(true);
    // The victim's delivery arrived before any attempt that hung after its device was made had ended.
    expect(endedWhenDelivered).toBe(endedBefore);
  });
});

describe('webhooks: a workspace with a dead endpoint and a healthy one', () => {
  let t: TestApp;
  let receiver: WebhookReceiver;
  /** Whether the receiver of /dead answers 200 (else 503). */
  let alive = false;

  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
    receiver.answer((req, res) => {
      const failing = (req.url === '/dead' && !alive) || req.url === '/down' || req.url === '/down-too';
      res.writeHead(failing ? 503 : 200).end();
    });
    // Polled each second, so the probe is tried soon after the clock reaches its time.
    t = await startDeliveringApp(1500, { LATCHKEY_OUTBOX_POLL_SECONDS: '1' });
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  const pausedUntil = async (endpointId: string): Promise<Date | null> => {
    const [row] = await t.dataSource.query(`SELECT paused_until AS "pausedUntil" FROM webhook_endpoints WHERE id = $1`, [endpointId]);
    return row.pausedUntil;
  };

  it('delivers to the healthy one, holds the dead one paused with its new deliveries after the pause, and resumes it once it answers', async () => {
    const ws = await newWorkspace(t);
    const dead = await subscribe(t, ws, receiver.url('/dead'));
    await subscribe(t, ws, receiver.url('/ok'));

    await ws.device();
    for (let i = 0; i < 500 && (receiver.on('/ok').length < 1 || (await pausedUntil(dead)) === null); i++) await sleep(10);
    const until = await pausedUntil(dead);
    expect(until).not.toBeNull();
    expect(receiver.on('/dead')).toHaveLength(1);

    await ws.device();
    for (let i = 0; i < 500 && receiver.on('/ok').length < 2; i++) await sleep(10);
    expect(receiver.on('/ok')).toHaveLength(2);
    // The dead endpoint's new delivery waits past the pause (its probe, the first delivery's retry, is due at its end).
    const waiting: Array<{ runAt: Date; nextAttemptAt: Date }> = await t.dataSource.query(
      `SELECT j.run_at AS "runAt", d.next_attempt_at AS "nextAttemptAt"
         FROM webhook_deliveries d JOIN outbox_jobs j ON j.payload->>'deliveryId' = d.id::text
        WHERE d.endpoint_id = $1 AND d.attempts = 0`,
      [dead],
    );
    expect(waiting).toHaveLength(1);
    expect(waiting[0].runAt.getTime()).toBeGreaterThan(until!.getTime());
    expect(waiting[0].nextAttemptAt.getTime()).toBe(waiting[0].runAt.getTime());
    expect(receiver.on('/dead')).toHaveLength(1);

    // The receiver comes back and the clock reaches the pause's end: the probe goes through, and the
    // waiting delivery follows at once, long before its held time.
    alive = true;
    t.clock.advance(until!.getTime() - t.clock.now().getTime());
    for (let i = 0; i < 1500 && receiver.on('/dead').length < 3; i++) await sleep(10);
    expect(receiver.on('/dead')).toHaveLength(3);
    expect(t.clock.now().getTime()).toBeLessThan(waiting[0].runAt.getTime());
    expect(await pausedUntil(dead)).toBeNull();
    const statuses = async (): Promise<string[]> =>
      (await t.dataSource.query(`SELECT status FROM webhook_deliveries WHERE endpoint_id = $1`, [dead])).map(
        (d: { status: string }) => d.status,
      );
    for (let i = 0; i < 200 && (await statuses()).some((status) => status !== 'succeeded'); i++) await sleep(10);
    expect(await statuses()).toEqual(['succeeded', 'succeeded']);
  });

  it('shows the pause in the endpoint (REST and GraphQL), keeps it across a URL change, and ends it when the endpoint is disabled and enabled by hand', async () => {
    const ws = await newWorkspace(t);
    const down = await subscribe(t, ws, receiver.url('/down'));
    const endpointPath = `/v1/workspaces/${ws.id}/webhooks/${down}`;
    await ws.device();
    for (let i = 0; i < 500 && (await pausedUntil(down)) === null; i++) await sleep(10);
    const until = (await pausedUntil(down))!;
    expect(until).not.toBeNull();

    const read = await t.http().get(endpointPath).set(bearer(ws.owner.personalToken)).expect(200);
    expect(read.body.pausedUntil).toBe(until.toISOString());
    const viaGraphql = await gql(
      t,
      ws.owner.personalToken,
      'query($w: ID!, $id: ID!) { workspace(id: $w) { webhook(id: $id) { pausedUntil } } }',
      {
        w: ws.id,
        id: down,
      },
    );
    expect(viaGraphql.errors).toBeUndefined();
    expect((viaGraphql.data?.workspace as { webhook: { pausedUntil: string } }).webhook.pausedUntil).toBe(until.toISOString());

    // A new URL keeps the pause (changing it again and again must not release the held deliveries).
    const moved = await t
      .http()
      .patch(endpointPath)
      .set(bearer(ws.owner.personalToken))
      .send({ url: receiver.url('/down-too') })
      .expect(200);
    expect(moved.body.pausedUntil).toBe(until.toISOString());
    expect((await pausedUntil(down))?.toISOString()).toBe(until.toISOString());
    await ws.device();
    const held = async (): Promise<number> => {
      const [{ n }] = await t.dataSource.query(
        `SELECT count(*)::int AS n FROM outbox_jobs WHERE payload->>'endpointId' = $1 AND run_at > $2`,
        [down, t.clock.now()],
      );
      return n;
    };
    for (let i = 0; i < 500 && (await held()) < 2; i++) await sleep(10);
    expect(await held()).toBe(2);
    expect(receiver.on('/down-too')).toHaveLength(0);

    // Disabled and enabled by hand, it starts afresh: no pause, and what waited for it is due at once
    // (the clock does not move: held, they would wait for ever).
    const off = await t.http().patch(endpointPath).set(bearer(ws.owner.personalToken)).send({ enabled: false }).expect(200);
    expect(off.body.pausedUntil).toBeNull();
    const on = await t.http().patch(endpointPath).set(bearer(ws.owner.personalToken)).send({ enabled: true }).expect(200);
    expect(on.body.pausedUntil).toBeNull();
    for (let i = 0; i < 500 && receiver.on('/down-too').length === 0; i++) await sleep(10);
    expect(receiver.on('/down-too').length).toBeGreaterThan(0);
  });
});
