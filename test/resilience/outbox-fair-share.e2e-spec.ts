// One workspace's webhook deliveries never hold up another's: with a workspace's receivers never
// answering (a tarpit) and more of its deliveries due than the webhook lane has slots, another
// workspace's delivery still arrives, through the real background worker, while every stuck attempt
// is still in flight.
import { bearer } from '../support/api';
import { newWorkspace } from '../support/fixtures';
import { deliveringBeside, endpointsOnTarpit } from '../support/tarpit';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The stuck workspace's deliveries: more than the lane's 10 slots, and more left due after its share
 * than the slots left free, so a claim of the oldest due jobs would find only its jobs.
 */
const STUCK = 20;

describe("outbox: each workspace's share of the webhook lane", () => {
  // An attempt on the tarpit ends only after 20 s: far longer than a delivery to the receiver takes.
  const bench = deliveringBeside(20_000);

  it("delivers a workspace's webhook while another workspace has more deliveries stuck on a receiver that never answers than the lane has slots", async () => {
    const { t, tarpit, receiver } = bench;
    const stuck = await newWorkspace(t);
    await endpointsOnTarpit(t, stuck, tarpit, STUCK);
    await stuck.device();
    // The worker has taken what it runs of them at once, and every one of them is hanging.
    for (let i = 0; i < 250 && tarpit.taken === 0; i++) await sleep(20);
    expect(tarpit.taken).toBeGreaterThan(0);

    const other = await newWorkspace(t);
    await t
      .http()
      .post(`/v1/workspaces/${other.id}/webhooks`)
      .set(bearer(other.owner.personalToken))
      .send({ url: receiver.url('/other'), events: ['device.created'] })
      .expect(201);
    await other.device();
    // Until the delivery arrives or a stuck attempt ends, whichever comes first (no time limit decides).
    for (let i = 0; i < 2000 && receiver.on('/other').length === 0 && tarpit.ended === 0; i++) await sleep(20);
    expect(receiver.on('/other')).toHaveLength(1);
    expect(tarpit.ended).toBe(0);
    // The stuck workspace's deliveries are all still there: hanging, or due and waiting for its share.
    const [{ pending }] = await t.dataSource.query(
      `SELECT count(*)::int AS pending FROM outbox_jobs WHERE kind = 'webhook' AND payload->>'workspaceId' = $1`,
      [stuck.id],
    );
    expect(pending).toBe(STUCK);
  });
});

describe('outbox: a workspace whose deliveries fail is held to one slot', () => {
  // Short, so the first attempts fail soon; each later one holds its slot for as long.
  const bench = deliveringBeside(1000);

  it('takes one attempt at a time of a workspace once its attempts time out, until one goes through', async () => {
    const { t, tarpit } = bench;
    const stuck = await newWorkspace(t);
    await endpointsOnTarpit(t, stuck, tarpit, 12);
    await stuck.device();
    // Its full share at first: three attempts at once, which all time out.
    for (let i = 0; i < 500 && tarpit.ended < 3; i++) await sleep(20);
    expect(tarpit.ended).toBeGreaterThanOrEqual(3);
    const endedAtFirst = tarpit.ended;
    // From then on at most one attempt of it hangs at a time, while its due jobs keep being tried.
    let most = 0;
    for (let i = 0; i < 500 && tarpit.ended < endedAtFirst + 3; i++) {
      most = Math.max(most, tarpit.taken - tarpit.ended);
      await sleep(10);
    }
    expect(tarpit.ended).toBeGreaterThanOrEqual(endedAtFirst + 3);
    expect(most).toBe(1);
  });
});

describe('outbox: the failing workspaces together hold half the webhook lane', () => {
  // Short, so the first attempts fail soon, yet long enough to make eleven devices while the later ones hang.
  const bench = deliveringBeside(2000);

  it("takes no more than five attempts at a time of ten workspaces whose receivers never answer, and delivers another workspace's webhook while they hang", async () => {
    const { t, tarpit, receiver } = bench;
    // Ten workspaces (as one user may make), each failing once: ten keys held to one slot each.
    const stuck = [];
    for (let n = 0; n < 10; n++) {
      const ws = await newWorkspace(t);
      await endpointsOnTarpit(t, ws, tarpit, 1);
      stuck.push(ws);
    }
    const other = await newWorkspace(t);
    await t
      .http()
      .post(`/v1/workspaces/${other.id}/webhooks`)
      .set(bearer(other.owner.personalToken))
      .send({ url: receiver.url('/other'), events: ['device.created'] })
      .expect(201);
    for (const ws of stuck) await ws.device();
    for (let i = 0; i < 500 && tarpit.ended < 10; i++) await sleep(20);
    expect(tarpit.ended).toBe(10);

    // One more delivery each to a second endpoint never tried yet (the first one's is held by its pause),
    // due before their retries (5 s later): one slot each would take all ten.
    for (const ws of stuck) await endpointsOnTarpit(t, ws, tarpit, 1);
    for (const ws of stuck) await ws.device();
    await other.device();
    let most = 0;
    let endedWhenDelivered: number | null = null;
    for (let i = 0; i < 1000 && (tarpit.ended < 20 || endedWhenDelivered === null); i++) {
      most = Math.max(most, tarpit.taken - tarpit.ended);
      if (endedWhenDelivered === null && receiver.on('/other').length > 0) endedWhenDelivered = tarpit.ended;
      await sleep(10);
    }
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(5);
    // Delivered before any of the second attempts ended: a slot was free for it.
    expect(endedWhenDelivered).toBe(10);
  });
});
