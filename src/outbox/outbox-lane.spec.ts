import { OutboxJob } from './outbox';
import { ClaimRoom, OutboxLane } from './outbox-lane';

const job = (id: string, shareKey: string | null = null): OutboxJob => ({
  id,
  kind: 'test',
  payload: {},
  attempt: 1,
  createdAt: new Date(0),
  shareKey,
});

/**
 * A lane over an in-memory queue, claimed in order as the repository does: of each share key no more
 * than its room. Jobs named in `hold` run until released; those in `fail` fail.
 */
function laneOver(slots: number, jobs: Array<string | OutboxJob>, perShareKey = slots, forFailingKeys = slots) {
  const queue = jobs.map((j) => (typeof j === 'string' ? job(j) : j));
  const rooms: ClaimRoom[] = [];
  const ran: string[] = [];
  const held = new Map<string, () => void>();
  let inFlight = 0;
  let mostInFlight = 0;
  const inFlightByKey = new Map<string, number>();
  const mostInFlightByKey = new Map<string, number>();
  const hold = new Set<string>();
  const fail = new Set<string>();
  const lane = new OutboxLane(
    slots,
    perShareKey,
    forFailingKeys,
    async (room) => {
      rooms.push(room);
      const taking = new Map<string, number>();
      let failingTaken = 0;
      const taken = queue.filter((j) => {
        if (j.shareKey === null) return true;
        const n = taking.get(j.shareKey) ?? 0;
        if (n >= (room.roomByShareKey.get(j.shareKey) ?? room.perShareKey)) return false;
        const failing = room.failingKeys.includes(j.shareKey);
        if (failing && failingTaken >= room.failingRoom) return false;
        if (failing) failingTaken++;
        taking.set(j.shareKey, n + 1);
        return true;
      });
      const claimed = taken.slice(0, room.limit);
      for (const j of claimed) queue.splice(queue.indexOf(j), 1);
      return claimed;
    },
    async (j) => {
      inFlight++;
      mostInFlight = Math.max(mostInFlight, inFlight);
      if (j.shareKey) {
        const n = (inFlightByKey.get(j.shareKey) ?? 0) + 1;
        inFlightByKey.set(j.shareKey, n);
        mostInFlightByKey.set(j.shareKey, Math.max(mostInFlightByKey.get(j.shareKey) ?? 0, n));
      }
      ran.push(j.id);
      if (hold.has(j.id)) await new Promise<void>((resolve) => held.set(j.id, resolve));
      inFlight--;
      if (j.shareKey) inFlightByKey.set(j.shareKey, inFlightByKey.get(j.shareKey)! - 1);
      return !fail.has(j.id);
    },
    () => undefined,
  );
  const claims = () => rooms.map((room) => room.limit);
  return { lane, queue, rooms, claims, ran, hold, held, fail, mostInFlight: () => mostInFlight, mostInFlightByKey };
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
    expect(claims()[0]).toBe(3);
    expect(claims().every((limit) => limit >= 1 && limit <= 3)).toBe(true);
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
      2,
      2,
      async () => {
        if (++claims === 1) return [job('quick'), job('held')];
        throw new Error('database away');
      },
      async (j) => {
        ran.push(j.id);
        if (j.id === 'held') await new Promise<void>((resolve) => (release = resolve));
        return true;
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
    const claimsAtStop = claims().length;
    lane.nudge();
    expect(await lane.drain()).toBe(0);
    expect(claims().length).toBe(claimsAtStop);
  });

  it("holds a share key to its share of the slots: its older jobs waiting at its cap leave the other slots to other keys' jobs and to jobs without a key", async () => {
    const stuck = ['a-1', 'a-2', 'a-3', 'a-4', 'a-5', 'a-6'];
    const { lane, queue, rooms, ran, hold, held, mostInFlightByKey } = laneOver(
      4,
      [...stuck.map((id) => job(id, 'a')), job('b-1', 'b'), job('none'), job('b-2', 'b')],
      2,
    );
    for (const id of stuck) hold.add(id);
    const drained = lane.drain();
    for (let i = 0; i < 50 && ran.length < 5; i++) await settle();
    // Key a holds its two slots; b's jobs and the one without a key ran past a's four waiting ones.
    expect(ran).toEqual(['a-1', 'a-2', 'b-1', 'none', 'b-2']);
    expect(queue.map((j) => j.id)).toEqual(['a-3', 'a-4', 'a-5', 'a-6']);
    expect(rooms[0]).toEqual({ limit: 4, perShareKey: 2, roomByShareKey: new Map(), failingKeys: [], failingRoom: 4 });
    expect(rooms.slice(1).every((room) => room.roomByShareKey.get('a') === 0)).toBe(true);
    // A slot of a's that frees up goes to a's next job.
    held.get('a-1')!();
    for (let i = 0; i < 20 && ran.length < 6; i++) await settle();
    expect(ran.slice(5)).toEqual(['a-3']);
    expect(rooms.at(-1)!.roomByShareKey).toEqual(new Map([['a', 1]]));
    for (const id of stuck.slice(1)) {
      for (let i = 0; i < 20 && !held.has(id); i++) await settle();
      held.get(id)!();
    }
    expect(await drained).toBe(9);
    expect(mostInFlightByKey.get('a')).toBe(2);
  });

  it('holds no job without a share key to a share', async () => {
    const { lane, ran, hold, held } = laneOver(3, ['x', 'y', 'z'], 1);
    for (const id of ['x', 'y', 'z']) hold.add(id);
    const drained = lane.drain();
    for (let i = 0; i < 20 && ran.length < 3; i++) await settle();
    expect(ran).toEqual(['x', 'y', 'z']);
    for (const id of ['x', 'y', 'z']) held.get(id)!();
    expect(await drained).toBe(3);
  });

  it('holds a key whose job failed to one slot until one of its jobs goes through, and leaves other keys their share', async () => {
    const { lane, queue, rooms, ran, hold, held, fail } = laneOver(
      6,
      [job('a-fails', 'a'), ...['a-1', 'a-2', 'a-3', 'a-4'].map((id) => job(id, 'a')), ...['b-1', 'b-2', 'b-3'].map((id) => job(id, 'b'))],
      3,
    );
    fail.add('a-fails');
    for (const id of ['a-1', 'a-2', 'b-1', 'b-2', 'b-3']) hold.add(id);
    const drained = lane.drain();
    for (let i = 0; i < 50 && ran.length < 6; i++) await settle();
    // First claim: a's three (a-fails ends at once, failing), b's three. Then a may have one in flight, not three.
    expect(ran).toEqual(['a-fails', 'a-1', 'a-2', 'b-1', 'b-2', 'b-3']);
    expect(rooms.at(-1)!.roomByShareKey.get('a')).toBe(0);
    expect(queue.map((j) => j.id)).toEqual(['a-3', 'a-4']);
    // a-1 goes through: a has its share again, and its next two jobs run beside a-2.
    held.get('a-1')!();
    for (let i = 0; i < 50 && ran.length < 8; i++) await settle();
    expect(ran.slice(6)).toEqual(['a-3', 'a-4']);
    for (const id of ['a-2', 'b-1', 'b-2', 'b-3']) held.get(id)!();
    expect(await drained).toBe(8);
  });
  it('holds the failing keys together to their part of the slots, however many there are, and leaves the rest to keys that deliver', async () => {
    // Six keys whose first job fails, each with more jobs that hang; then a key whose jobs go through.
    const failing = ['a', 'b', 'c', 'd', 'e', 'f'];
    const { lane, ran, hold, held, fail, rooms, queue } = laneOver(
      4,
      [
        ...failing.map((key) => job(`${key}-fails`, key)),
        ...failing.flatMap((key) => [job(`${key}-1`, key), job(`${key}-2`, key)]),
        job('ok-1', 'ok'),
        job('ok-2', 'ok'),
      ],
      1,
      2,
    );
    for (const key of failing) {
      fail.add(`${key}-fails`);
      hold.add(`${key}-1`);
      hold.add(`${key}-2`);
    }
    const drained = lane.drain();
    for (let i = 0; i < 100 && !ran.includes('ok-2'); i++) await settle();
    // Every first job failed; then two of the failing keys' jobs hang, and the other two slots
    // delivered the key that goes through, past the failing keys' older jobs.
    expect(ran.slice(0, 6)).toEqual(failing.map((key) => `${key}-fails`));
    expect(ran.filter((id) => !id.endsWith('-fails') && !id.startsWith('ok'))).toHaveLength(2);
    expect(ran).toContain('ok-1');
    expect(ran).toContain('ok-2');
    expect(rooms.at(-1)!.failingRoom).toBe(0);
    expect(queue).toHaveLength(10);
    // The failing keys' jobs are still tried, two at a time, as their slots free up.
    for (let n = 0; n < 12; n++) {
      for (let i = 0; i < 50 && held.size === 0; i++) await settle();
      const [id, release] = [...held][0];
      held.delete(id);
      release();
    }
    expect(await drained).toBe(20);
  });
});
