// Rate limits: per token, per IP on public routes, and per IP for failed token checks; in memory,
// and shared between instances through Redis when REDIS_URL is set.
import Redis from 'ioredis';
import { checksum } from '../../src/auth/token-format';
import { bearer, expectProblem, registerUser } from '../support/api';
import { startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase, serverUrl, TestDatabase } from '../support/test-database';

const REDIS_URL = process.env.LATCHKEY_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Runs `work` on a connection to the local Redis; false when Redis is not reachable. */
async function withRedis(work: (client: Redis) => Promise<void>): Promise<boolean> {
  const client = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await client.connect();
    await work(client);
    return true;
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

function forged(i: number): string {
  const head = `lkp_${String(i).padStart(32, 'Z')}`;
  return head + checksum(head);
}

describe('rate limits (in memory)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({
      LATCHKEY_RATE_LIMIT_PER_TOKEN: '5',
      LATCHKEY_RATE_LIMIT_PUBLIC_PER_IP: '3',
      LATCHKEY_RATE_LIMIT_FAILED_CHECKS_PER_IP: '4',
    });
  });
  afterAll(() => t.close());

  it('limits public routes per IP with 429 and Retry-After, but never the probes', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await t.http().get('/v1/permissions').expect(200);
      // The IETF RateLimit fields on every counted answer: the policy, and what is left of it.
      expect(res.headers['ratelimit-policy']).toBe('"ip";q=3;w=60');
      expect(res.headers['ratelimit']).toMatch(new RegExp(`^"ip";r=${2 - i};t=([1-9]|[1-5][0-9]|60)$`));
    }
    const limited = await t.http().get('/v1/permissions');
    expectProblem(limited, 429, 'rate_limited');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.headers['ratelimit-policy']).toBe('"ip";q=3;w=60');
    expect(limited.headers['ratelimit']).toBe(`"ip";r=0;t=${limited.headers['retry-after']}`);
    for (let i = 0; i < 10; i++) {
      const probe = await t.http().get('/health/live').expect(200);
      expect(probe.headers['ratelimit']).toBeUndefined();
    }
  });

  it('stops an IP that keeps presenting bad tokens before any lookup', async () => {
    for (let i = 0; i < 4; i++) {
      const refused = await t
        .http()
        .get('/v1/me')
        .set(bearer(forged(i)));
      expectProblem(refused, 401, 'token_invalid');
      // Each failed check says how many the address has left.
      expect(refused.headers['ratelimit-policy']).toBe('"failed-checks";q=4;w=60');
      expect(refused.headers['ratelimit']).toMatch(new RegExp(`^"failed-checks";r=${3 - i};t=\\d+$`));
    }
    const before = t.queries.total;
    const res = await t
      .http()
      .get('/v1/me')
      .set(bearer(forged(99)));
    expectProblem(res, 429, 'rate_limited');
    expect(t.queries.total - before).toBe(0);
  });
});

describe('rate limits per token', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ LATCHKEY_RATE_LIMIT_PER_TOKEN: '5' });
  });
  afterAll(() => t.close());

  it('limits each token, and one token running out does not touch another', async () => {
    const [a, b] = [await registerUser(t), await registerUser(t)];
    for (let i = 0; i < 5; i++) {
      const res = await t.http().get('/v1/me').set(bearer(a.personalToken)).expect(200);
      expect(res.headers['ratelimit-policy']).toBe('"token";q=5;w=60');
      expect(res.headers['ratelimit']).toMatch(new RegExp(`^"token";r=${4 - i};t=\\d+$`));
    }
    const limited = await t.http().get('/v1/me').set(bearer(a.personalToken));
    expectProblem(limited, 429, 'rate_limited');
    expect(limited.headers['ratelimit']).toBe(`"token";r=0;t=${limited.headers['retry-after']}`);
    const other = await t.http().get('/v1/me').set(bearer(b.personalToken)).expect(200);
    expect(other.headers['ratelimit']).toMatch(/^"token";r=4;t=\d+$/);
  });
});

describe('rate limits shared through Redis', () => {
  let a: TestApp;
  let b: TestApp;
  let redisUp = true;

  beforeAll(async () => {
    const env = { REDIS_URL, LATCHKEY_RATE_LIMIT_PUBLIC_PER_IP: '4' };
    // Two instances, each on its own database: only Redis connects their counters.
    a = await startTestApp(env);
    b = await startTestApp(env);
    // The local Redis keeps counters between runs: start from a clean key for this address.
    redisUp = await withRedis(async (client) => {
      const keys = await client.keys('latchkey:ip:*');
      if (keys.length) await client.del(...keys);
    });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('counts requests to either instance against one allowance', async () => {
    if (!redisUp) return console.warn(`no Redis at ${REDIS_URL}: the shared-counter test did not run`);
    await a.http().get('/v1/permissions').expect(200);
    await b.http().get('/v1/permissions').expect(200);
    await a.http().get('/v1/permissions').expect(200);
    await b.http().get('/v1/permissions').expect(200);
    expectProblem(await a.http().get('/v1/permissions'), 429, 'rate_limited');
    expectProblem(await b.http().get('/v1/permissions'), 429, 'rate_limited');
  });
});

(serverUrl() ? describe : describe.skip)('rate limits per token shared through Redis (two instances on one PostgreSQL database)', () => {
  let db: TestDatabase;
  let a: TestApp;
  let b: TestApp;
  let redisUp = true;
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  /** Longer than the counters' sync interval (100 ms), with room for a loaded machine. */
  const SYNCED = 400;

  beforeAll(async () => {
    db = await createTestDatabase();
    const env = { REDIS_URL, LATCHKEY_RATE_LIMIT_PER_TOKEN: '10' };
    a = await startTestApp(env, db);
    b = await startTestApp(env, db);
    redisUp = await withRedis(async () => undefined);
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await db?.drop();
  });

  it("counts a token's requests to either instance against one allowance, each instance learning the total when it next sends its count", async () => {
    if (!redisUp) return console.warn(`no Redis at ${REDIS_URL}: the shared-counter test did not run`);
    const user = await registerUser(a);
    const me = (app: TestApp) => app.http().get('/v1/me').set(bearer(user.personalToken));
    // Shared windows follow the clock (a minute): the whole exchange stays inside one.
    const left = 60_000 - (Date.now() % 60_000);
    if (left < 15_000) await sleep(left + 50);
    for (let i = 0; i < 6; i++) await me(a).expect(200);
    await sleep(SYNCED); // shared: 6
    await me(b).expect(200);
    await sleep(SYNCED); // shared: 7, and B knows it
    for (let i = 0; i < 2; i++) await me(b).expect(200);
    await sleep(SYNCED); // shared: 9
    await me(a).expect(200);
    await sleep(SYNCED); // shared: 10, and A knows it
    const limited = await me(a);
    expectProblem(limited, 429, 'rate_limited');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // B last heard 9: it admits one more (the lag of one sync, by design), then knows.
    await me(b).expect(200);
    await sleep(SYNCED);
    expectProblem(await me(b), 429, 'rate_limited');
  });
});
