// The sign-in lockout per email and client address, and the per-email slow-down: windows that slide, in
// memory; shared between instances through Redis when REDIS_URL is set (keyed by SHA-256s, never the email);
// in memory again while Redis is unreachable. The basic lockout (10 failures, Retry-After, parallel guesses,
// other emails) is in test/api/accounts.e2e-spec.ts; other addresses (M4) in test/security/passwords.e2e-spec.ts.
import { createHash } from 'node:crypto';
import { AddressInfo, connect, createServer, Socket } from 'node:net';
import Redis from 'ioredis';
import { RedisConnection } from '../../src/rate-limits/redis-connection';
import { fromAddress } from '../support/from-address';
import { bearer, expectProblem, PASSWORD, registerUser, uniqueEmail } from '../support/api';
import { startTestApp, TestApp } from '../support/test-app';

const REDIS_URL = process.env.LATCHKEY_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const WRONG = 'wrong password!!';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
/** The per-address key of a request from supertest (127.0.0.1) and the per-email key. */
const redisKeys = (email: string) => [
  `latchkey:login:${sha256(`${email.toLowerCase()}\n127.0.0.1`)}`,
  `latchkey:login-email:${sha256(email.toLowerCase())}`,
];

function attempt(t: TestApp, email: string, password = WRONG) {
  return t.http().post('/v1/auth/login').send({ email, password });
}

async function expectLocked(t: TestApp, email: string, password = WRONG): Promise<number> {
  const res = await attempt(t, email, password);
  expectProblem(res, 429, 'rate_limited');
  return Number(res.headers['retry-after']);
}

/** The app's connection is made at start but not awaited; counting in memory meanwhile would fool the test. */
async function connected(t: TestApp): Promise<boolean> {
  const client = t.app.get(RedisConnection).client;
  for (let i = 0; i < 100 && client?.status !== 'ready'; i++) await new Promise((resolve) => setTimeout(resolve, 20));
  return client?.status === 'ready';
}

/** A TCP relay to Redis that can stop passing the app's commands on: Redis as if frozen or cut off. */
async function startRelay(target: string): Promise<{ url: string; hang(): void; close(): Promise<void> }> {
  const { hostname, port } = new URL(target);
  const fromApp = new Set<Socket>();
  const all = new Set<Socket>();
  const server = createServer((app) => {
    const redis = connect(Number(port), hostname);
    for (const [from, to] of [
      [app, redis],
      [redis, app],
    ]) {
      all.add(from);
      from.pipe(to);
      from.on('error', () => to.destroy());
      from.on('close', () => {
        all.delete(from);
        to.destroy();
      });
    }
    fromApp.add(app);
    app.on('close', () => fromApp.delete(app));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `redis://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hang: () => fromApp.forEach((socket) => socket.pause()),
    close: async () => {
      all.forEach((socket) => socket.destroy());
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('sign-in lockout (in memory)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('slides: a lock ends as the oldest failure leaves the window, and frees one attempt, not ten', async () => {
    const email = uniqueEmail('slide');
    expectProblem(await attempt(t, email), 401, 'invalid_credentials');
    t.clock.advanceSeconds(600);
    for (let i = 0; i < 9; i++) expectProblem(await attempt(t, email), 401, 'invalid_credentials');
    expect(await expectLocked(t, email)).toBe(300);
    t.clock.advanceSeconds(301);
    expectProblem(await attempt(t, email), 401, 'invalid_credentials');
    expect(await expectLocked(t, email)).toBe(599);
  });
});

describe('sign-in lockout shared through Redis', () => {
  let a: TestApp;
  let b: TestApp;
  let redis: Redis;
  let redisUp = true;
  const emails: string[] = [];
  const fresh = (label: string) => {
    const email = uniqueEmail(label);
    emails.push(email);
    return email;
  };
  const both = { advanceSeconds: (s: number) => [a, b].forEach((t) => t.clock.advanceSeconds(s)) };

  beforeAll(async () => {
    redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await redis.connect();
    } catch {
      redisUp = false;
      console.warn(`no Redis at ${REDIS_URL}: the shared sign-in lockout tests did not run`);
      return;
    }
    // Two instances, each on its own database: only Redis connects their counts.
    // A short slow-down cap: the tests here fail one email more than ten times.
    a = await startTestApp({ REDIS_URL, LATCHKEY_LOGIN_SLOWDOWN_MAX_MS: '300' });
    b = await startTestApp({ REDIS_URL, LATCHKEY_LOGIN_SLOWDOWN_MAX_MS: '300' });
    if (!(await connected(a)) || !(await connected(b))) throw new Error(`the apps did not connect to ${REDIS_URL}`);
  });
  afterAll(async () => {
    // Unique emails keep parallel test files apart; the keys made here go with the test.
    if (redisUp && emails.length) await redis.del(...emails.flatMap(redisKeys));
    redis.disconnect();
    await b?.close();
    await a?.close();
  });

  it('locks an email out on B after the failures made through A, existing or not', async () => {
    if (!redisUp) return;
    const user = await registerUser(a, fresh('shared'));
    for (const email of [user.email, fresh('ghost')]) {
      for (let i = 0; i < 10; i++) expectProblem(await attempt(a, email), 401, 'invalid_credentials');
      const retryAfter = await expectLocked(b, email, PASSWORD);
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(900);
      await expectLocked(a, email, PASSWORD);
    }
  });

  it('a success through B resets the count for A too', async () => {
    if (!redisUp) return;
    // Registered on B only: A has no such account, yet counts against the same email.
    const user = await registerUser(b, fresh('reset'));
    for (let i = 0; i < 9; i++) expectProblem(await attempt(i % 2 ? a : b, user.email), 401, 'invalid_credentials');
    await b.http().post('/v1/auth/login').send({ email: user.email, password: PASSWORD }).expect(200);
    for (let i = 0; i < 10; i++) expectProblem(await attempt(a, user.email), 401, 'invalid_credentials');
    await expectLocked(b, user.email, PASSWORD);
  });

  it('counts parallel guesses on both instances against one allowance', async () => {
    if (!redisUp) return;
    const email = fresh('parallel');
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => attempt(i % 2 ? a : b, email)));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(30);
  });

  it('slides over both instances, as in memory', async () => {
    if (!redisUp) return;
    const email = fresh('slide');
    expectProblem(await attempt(a, email), 401, 'invalid_credentials');
    both.advanceSeconds(600);
    for (let i = 0; i < 9; i++) expectProblem(await attempt(b, email), 401, 'invalid_credentials');
    expect(await expectLocked(a, email)).toBe(300);
    both.advanceSeconds(301);
    expectProblem(await attempt(a, email), 401, 'invalid_credentials');
    expect(await expectLocked(b, email)).toBe(599);
  });

  it('keys Redis by SHA-256s of the normalised email (with the address, and alone), never the email, and lets the keys expire', async () => {
    if (!redisUp) return;
    const email = fresh('Hashed');
    expectProblem(await attempt(a, `  ${email.toUpperCase()} `), 401, 'invalid_credentials');
    for (const key of redisKeys(email)) {
      expect(await redis.exists(key)).toBe(1);
      const ttl = await redis.pttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(900_000);
    }
    const keys = await redis.keys('latchkey:login*');
    expect(keys.filter((k) => k.includes('@') || k.toLowerCase().includes('hashed') || k.includes('127.0.0'))).toEqual([]);
  });

  it('M4: failures through A from another address lock that address on B too, and only slow the owner down', async () => {
    if (!redisUp) return;
    const owner = await registerUser(b, fresh('m4'));
    for (let i = 0; i < 10; i++)
      expect((await fromAddress(a, '127.0.0.2', 'POST', '/v1/auth/login', { email: owner.email, password: WRONG })).status).toBe(401);
    const attacker = await fromAddress(b, '127.0.0.2', 'POST', '/v1/auth/login', { email: owner.email, password: PASSWORD });
    expectProblem(attacker, 429, 'rate_limited');
    // The slow-down is shared too: B has seen none of the failures itself.
    const started = Date.now();
    await b.http().post('/v1/auth/login').send({ email: owner.email, password: PASSWORD }).expect(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(240);
  });
});

describe('sign-in lockout while Redis is unreachable', () => {
  let t: TestApp;

  beforeAll(async () => {
    // Nothing listens on port 1: every command fails at once, as when Redis is down.
    t = await startTestApp({ REDIS_URL: 'redis://127.0.0.1:1' });
  });
  afterAll(async () => {
    await t.close();
    // ioredis's disconnect() leaves a timer (disconnectTimeout, 2 s) to destroy a socket that has already
    // closed; waiting it out lets the jest worker exit cleanly.
    await new Promise((resolve) => setTimeout(resolve, 2_100));
  });

  it('still signs in and still locks out, counting in memory', async () => {
    const user = await registerUser(t);
    await t.http().post('/v1/auth/login').send({ email: user.email, password: PASSWORD }).expect(200);
    for (let i = 0; i < 10; i++) expectProblem(await attempt(t, user.email), 401, 'invalid_credentials');
    expect(await expectLocked(t, user.email, PASSWORD)).toBeGreaterThan(0);
    t.clock.advanceSeconds(901);
    await t.http().post('/v1/auth/login').send({ email: user.email, password: PASSWORD }).expect(200);
  });
});

describe('sign-in while Redis hangs', () => {
  let t: TestApp | undefined;
  let relay: Awaited<ReturnType<typeof startRelay>> | undefined;

  beforeAll(async () => {
    const probe = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await probe.connect();
    } catch {
      console.warn(`no Redis at ${REDIS_URL}: the hanging-Redis test did not run`);
      return;
    } finally {
      probe.disconnect();
    }
    relay = await startRelay(REDIS_URL);
    // The per-token limit on too: both users of the connection must let go of a hung Redis. (Not the
    // per-IP one: its key is shared with test/api/rate-limits.e2e-spec.ts, which may run meanwhile.)
    t = await startTestApp({ REDIS_URL: relay.url, LATCHKEY_RATE_LIMIT_PER_TOKEN: '1000', LATCHKEY_LOGIN_MAX_FAILURES: '2' });
    if (!(await connected(t))) throw new Error(`the app did not connect to ${relay.url}`);
  });
  afterAll(async () => {
    // The app first, the relay still hanging: the commands it holds die with it and never reach Redis.
    await t?.close();
    await relay?.close();
  });

  it('answers within the command timeouts and still locks out, counting in memory', async () => {
    if (!t || !relay) return;
    const user = await registerUser(t);
    relay.hang();
    let started = Date.now();
    await t.http().get('/v1/me').set(bearer(user.personalToken)).timeout(10_000).expect(200);
    expect(Date.now() - started).toBeLessThan(3_000);
    started = Date.now();
    await t.http().post('/v1/auth/login').send({ email: user.email, password: PASSWORD }).timeout(10_000).expect(200);
    // Two commands time out (lockout, reset) at 500 ms each.
    expect(Date.now() - started).toBeLessThan(4_000);
    for (let i = 0; i < 2; i++) expectProblem(await attempt(t, user.email), 401, 'invalid_credentials');
    await expectLocked(t, user.email, PASSWORD);
  });
});
