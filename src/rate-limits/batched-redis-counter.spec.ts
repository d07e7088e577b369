// The counter on the token check's path: a fixed window in memory, and shared through a real Redis in
// batches (the local server; those tests say so and stop where it is not reachable).
import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { BatchedRedisCounter } from './batched-redis-counter';

const REDIS_URL = process.env.LATCHKEY_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const WINDOW_MS = 60_000;

/** Shared windows follow the clock: a test that must stay inside one starts well before its end. */
async function awayFromWindowEdge(windowMs = WINDOW_MS, marginMs = 15_000): Promise<void> {
  const left = windowMs - (Date.now() % windowMs);
  if (left < marginMs) await new Promise((resolve) => setTimeout(resolve, left + 50));
}

describe('BatchedRedisCounter in memory', () => {
  let now = 5 * WINDOW_MS + 1_000;
  const counter = new BatchedRedisCounter(null, 'test', 3, WINDOW_MS, () => now);
  afterAll(() => counter.stop());

  it('admits `points` uses per key and window (from its first use), then answers how long until the window ends', () => {
    for (let i = 0; i < 3; i++) expect(counter.consume('a')).toBeNull();
    now += 1_000;
    expect(counter.consume('a')).toEqual({ count: 3, msBeforeNext: WINDOW_MS - 1_000 });
    expect(counter.peek('a').count).toBe(3);
    // Another key has its own allowance.
    expect(counter.consume('b')).toBeNull();
  });

  it('starts again when the window has passed', () => {
    now += WINDOW_MS - 1_000;
    expect(counter.peek('a')).toEqual({ count: 0, msBeforeNext: WINDOW_MS });
    expect(counter.consume('a')).toBeNull();
  });
});

describe('BatchedRedisCounter at its bound of keys', () => {
  const now = 5 * WINDOW_MS;
  const used = (counter: BatchedRedisCounter, key: string, times: number) => {
    for (let i = 0; i < times; i++) counter.consume(key);
  };

  it('forgets the key used longest ago, and keeps counting the others', () => {
    const counter = new BatchedRedisCounter(null, 'test', 3, WINDOW_MS, () => now, 3);
    used(counter, 'a', 2);
    used(counter, 'b', 2);
    used(counter, 'c', 2);
    used(counter, 'a', 1); // a is now the most recently used, b the longest unused
    used(counter, 'd', 1);
    expect(counter.peek('b').count).toBe(0);
    expect(counter.peek('a').count).toBe(3);
    expect(counter.peek('c').count).toBe(2);
    expect(counter.peek('d').count).toBe(1);
    counter.stop();
  });

  // Refused, and counted as a use of the key either way: it stays among the most recently used.
  it.each([
    ['goes on asking past its limit', (counter: BatchedRedisCounter) => counter.consume('hammer')],
    [
      'is refused by asking first (an own limit, an address flooding lookups)',
      (counter: BatchedRedisCounter) => counter.over('hammer', 3, WINDOW_MS),
    ],
  ])('keeps a key that %s: new keys cannot push it out and reset its count', (_how, refuse) => {
    const counter = new BatchedRedisCounter(null, 'test', 3, WINDOW_MS, () => now, 3);
    used(counter, 'hammer', 3);
    for (const key of ['x', 'y', 'z', 'w']) {
      used(counter, key, 1);
      expect(refuse(counter)).not.toBeNull();
    }
    expect(counter.peek('hammer').count).toBe(3);
    expect(counter.peek('x').count).toBe(0);
    counter.stop();
  });
});

describe('BatchedRedisCounter through Redis', () => {
  const prefix = `latchkey-test:${randomUUID()}`;
  let redis: Redis;
  let redisUp = true;
  const counters: BatchedRedisCounter[] = [];
  const make = (points: number) => {
    const counter = new BatchedRedisCounter(redis, prefix, points, WINDOW_MS);
    counters.push(counter);
    return counter;
  };

  beforeAll(async () => {
    await awayFromWindowEdge();
    redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false });
    try {
      await redis.connect();
    } catch {
      redisUp = false;
    }
  });
  afterAll(async () => {
    for (const counter of counters) counter.stop();
    if (redisUp) {
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length) await redis.del(...keys);
    }
    redis.disconnect();
  });

  it('shares one allowance between instances once each has synced, with no Redis command per use', async () => {
    if (!redisUp) return console.warn(`no Redis at ${REDIS_URL}: the shared-counter test did not run`);
    const [a, b] = [make(10), make(10)];
    const sent = jest.spyOn(redis, 'multi');
    for (let i = 0; i < 6; i++) expect(a.consume('token')).toBeNull();
    expect(sent).not.toHaveBeenCalled();
    await a.sync();
    expect(sent).toHaveBeenCalledTimes(1);
    // B has not synced this key yet: its first use counts from its own zero, and its sync learns A's six.
    expect(b.consume('token')).toBeNull();
    await b.sync();
    expect(b.peek('token').count).toBe(7);
    for (let i = 0; i < 3; i++) expect(b.consume('token')).toBeNull();
    expect(b.consume('token')).toMatchObject({ count: 10 });
    await b.sync();
    // A learns the total at its next sync (here, when it has something of its own to send).
    expect(a.peek('token').count).toBe(6);
    sent.mockRestore();
    const [key] = await redis.keys(`${prefix}:token:*`);
    expect(Number(await redis.get(key))).toBe(10);
    expect(await redis.pttl(key)).toBeGreaterThan(WINDOW_MS);
  });

  it('keeps counting in memory while Redis fails, and sends the counts when it answers again', async () => {
    if (!redisUp) return console.warn(`no Redis at ${REDIS_URL}: the shared-counter test did not run`);
    const counter = make(100);
    const failing = jest.spyOn(redis, 'multi').mockImplementationOnce(() => {
      throw new Error('connection is closed');
    });
    for (let i = 0; i < 5; i++) counter.consume('outage');
    await counter.sync();
    expect(counter.peek('outage').count).toBe(5);
    failing.mockRestore();
    await counter.sync();
    const [key] = await redis.keys(`${prefix}:outage:*`);
    expect(Number(await redis.get(key))).toBe(5);
  });
});
