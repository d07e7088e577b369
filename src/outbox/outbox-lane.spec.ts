import { OutboxJob } from './outbox';
import { OutboxLane } from './outbox-lane';

const job = (id: string): OutboxJob => ({ id, kind: 'test', payload: {}, attempt: 1, createdAt: new Date(0) });

/** A lane over an in-memory queue; jobs named in `held` run until released. */
function laneOver(slots: number, ids: string[], onError: (error: unknown) => void = () => undefined) {
  const queue = ids.map(job);
  const claims: number[] = [];
  const ran: string[] = [];
  const held = new Map<string, () => void>();
  let inFlight = 0;
  let mostInFlight = 0;
  const hold = new Set<string>();
  const lane = new OutboxLane(
    slots,
    async (limit) => {
      claims.push(limit);
      return queue.splice(0, limit);
    },
    async (j) => {
      inFlight++;
      mostInFlight = Math.max(mostInFlight, inFlight);
      ran.push(j.id);
      if (hold.has(j.id)) await new Promise<void>((resolve) => held.set(j.id, resolve));
      inFlight--;
    },
    onError,
  );
  return { lane, queue, claims, ran, hold, held, mostInFlight: () => mostInFlight };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('OutboxLane', () => {
  it('keeps a stuck job to one slot: the others run past it, claimed as slots free up, never more than the free slots', async () => {
    const ids = Array.from({ length: 12 }, (_, n) => `job-${n}`);
    const { lane, queue, claims, ran, hold, held, mostInFlight } = laneOver(3, ids);
    hold.add('job-0');
    let done: number | null = null;
    const drained = lane.drain().then((n) => (done = n));
    for (let i = 0; i < 50 && ran.length < 12; i++) await settle();
    // Every other job ran while job-0 still holds its slot.
    expect(ran).toEqual(ids);
    expect(queue).toEqual([]);
    expect(held.has('job-0')).toBe(true);
    expect(done).toBeNull();
    expect(mostInFlight()).toBeLessThanOrEqual(3);
    expect(claims[0]).toBe(3);
    expect(claims.every((limit) => limit >= 1 && limit <= 3)).toBe(true);
    held.get('job-0')!();
    await drained;
    expect(done).toBe(12);
  });

  it('a nudge has the background drain, waiting on a stuck job, claim what was just added at once', async () => {
    const { lane, queue, ran, hold, held } = laneOver(2, ['stuck']);
    hold.add('stuck');
    lane.nudge();
    await settle();
    expect(ran).toEqual(['stuck']);
    queue.push(job('new'));
    lane.nudge();
    for (let i = 0; i < 20 && ran.length < 2; i++) await settle();
    expect(ran).toEqual(['stuck', 'new']);
    expect(held.has('stuck')).toBe(true);
    held.get('stuck')!();
    await lane.stop();
  });

  it('a failed claim stops the claims, lets the jobs in flight end, then throws', async () => {
    const ran: string[] = [];
    let release: () => void = () => undefined;
    let claims = 0;
    const lane = new OutboxLane(
      2,
      async () => {
        if (++claims === 1) return [job('quick'), job('held')];
        throw new Error('database away');
      },
      async (j) => {
        ran.push(j.id);
        if (j.id === 'held') await new Promise<void>((resolve) => (release = resolve));
      },
      () => undefined,
    );
    let settled = false;
    const drained = lane.drain().finally(() => (settled = true));
    for (let i = 0; i < 20 && claims < 2; i++) await settle();
    // 'quick' ended and the claim for its slot failed: 'held' still runs, and the drain waits for it.
    expect(claims).toBe(2);
    await settle();
    expect(settled).toBe(false);
    release();
    await expect(drained).rejects.toThrow('database away');
    expect(ran).toEqual(['quick', 'held']);
    expect(claims).toBe(2);
  });

  it('claims nothing once stopped, and stop() waits for the background drain', async () => {
    const { lane, queue, claims, ran, hold, held } = laneOver(2, ['a', 'b', 'c']);
    hold.add('a');
    hold.add('b');
    lane.nudge();
    await settle();
    expect(ran).toEqual(['a', 'b']);
    let stopped = false;
    const stopping = lane.stop().then(() => (stopped = true));
    await settle();
    expect(stopped).toBe(false);
    held.get('a')!();
    held.get('b')!();
    await stopping;
    expect(ran).toEqual(['a', 'b']);
    expect(queue.map((j) => j.id)).toEqual(['c']);
    const claimsAtStop = claims.length;
    lane.nudge();
    expect(await lane.drain()).toBe(0);
    expect(claims.length).toBe(claimsAtStop);
  });
});
