// Audit findings (docs/security.md) M3 (argon2 at volume) and M4 (anyone locks any account out), through HTTP.
// Other client addresses are real: requests leave from 127.0.0.2, 127.0.0.3, … (test/support/from-address.ts).
import { readableWait } from '../../src/common/durations';
import { fromAddress } from '../support/from-address';
import { bearer, expectProblem, PASSWORD, registerUser, RegisteredUser, uniqueEmail } from '../support/api';
import { startTestApp, TestApp } from '../support/test-app';

const WRONG = 'wrong password!!';
const NEW_PASSWORD = 'an entirely new passphrase';

const loginFrom = (t: TestApp, address: string, email: string, password = WRONG) =>
  fromAddress(t, address, 'POST', '/v1/auth/login', { email, password });

async function registerUsers(t: TestApp, n: number): Promise<RegisteredUser[]> {
  const users: RegisteredUser[] = [];
  for (let i = 0; i < n; i++) users.push(await registerUser(t));
  return users;
}

describe('M3: argon2 work is bounded', () => {
  describe('with a tiny queue (one at a time, two waiting)', () => {
    let t: TestApp;

    beforeAll(async () => {
      t = await startTestApp({
        LATCHKEY_ARGON2_CONCURRENCY: '1',
        LATCHKEY_ARGON2_MAX_WAITING: '2',
        LATCHKEY_PASSWORD_CHANGES_PER_USER: '0',
      });
    });
    afterAll(() => t.close());

    it('M3: a burst of password changes past the queue gets 503 unavailable with Retry-After, the rest succeed, none half done', async () => {
      const users = await registerUsers(t, 12);
      const results = await Promise.all(
        users.map((u) => t.http().patch('/v1/me').set(bearer(u.personalToken)).send({ password: NEW_PASSWORD, currentPassword: PASSWORD })),
      );
      const statuses = results.map((r) => r.status);
      expect(statuses.every((s) => s === 200 || s === 503)).toBe(true);
      expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(1);
      expect(statuses.filter((s) => s === 503).length).toBeGreaterThanOrEqual(1);
      for (const res of results.filter((r) => r.status === 503)) {
        expectProblem(res, 503, 'unavailable');
        expect(res.headers['retry-after']).toBe('1');
      }
      // A refused change changed nothing; an accepted one changed the password.
      for (const [i, res] of results.entries()) {
        const password = res.status === 200 ? NEW_PASSWORD : PASSWORD;
        await t.http().post('/v1/auth/login').send({ email: users[i].email, password }).expect(200);
      }
    });

    it('M3: a burst of registrations past the queue gets 503 with Retry-After, never 500', async () => {
      const results = await Promise.all(
        Array.from({ length: 12 }, () =>
          t
            .http()
            .post('/v1/auth/register')
            .send({ email: uniqueEmail('burst'), password: PASSWORD, name: 'Burst' }),
        ),
      );
      const statuses = results.map((r) => r.status);
      expect(statuses.every((s) => s === 201 || s === 503)).toBe(true);
      expect(statuses).toContain(201);
      expect(statuses).toContain(503);
      for (const res of results.filter((r) => r.status === 503)) expect(res.headers['retry-after']).toBe('1');
    });

    it('M3: another user signs in during a burst of password changes: sign-ins wait apart and go first', async () => {
      const users = await registerUsers(t, 12);
      const other = await registerUser(t);
      const burst = Promise.all(
        users.map((u) => t.http().patch('/v1/me').set(bearer(u.personalToken)).send({ password: NEW_PASSWORD, currentPassword: PASSWORD })),
      );
      // Unknown emails too: their decoy verification waits in the same sign-in queue.
      const logins = await Promise.all([
        t.http().post('/v1/auth/login').send({ email: other.email, password: PASSWORD }),
        t
          .http()
          .post('/v1/auth/login')
          .send({ email: uniqueEmail('ghost'), password: PASSWORD }),
      ]);
      expect(logins.map((r) => r.status)).toEqual([200, 401]);
      expect((await burst).map((r) => r.status)).toContain(503);
    });
  });

  describe('per-user and per-address limits', () => {
    let t: TestApp;

    beforeAll(async () => {
      t = await startTestApp({ LATCHKEY_REGISTRATIONS_PER_IP: '3' });
    });
    afterAll(() => t.close());

    it('M3: password changes are limited per user (5 per 15 minutes, right or wrong); another user is not', async () => {
      const [user, other] = [await registerUser(t), await registerUser(t)];
      for (let i = 0; i < 5; i++) {
        const res = await t
          .http()
          .patch('/v1/me')
          .set(bearer(user.personalToken))
          .send({ password: NEW_PASSWORD, currentPassword: `${WRONG}${i}` });
        expectProblem(res, 400, 'validation_failed');
      }
      const limited = await t
        .http()
        .patch('/v1/me')
        .set(bearer(user.personalToken))
        .send({ password: NEW_PASSWORD, currentPassword: PASSWORD });
      expectProblem(limited, 429, 'rate_limited');
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(900);
      // A rename is no password work: not limited.
      await t.http().patch('/v1/me').set(bearer(user.personalToken)).send({ name: 'Renamed' }).expect(200);
      await t
        .http()
        .patch('/v1/me')
        .set(bearer(other.personalToken))
        .send({ password: NEW_PASSWORD, currentPassword: PASSWORD })
        .expect(200);
    });

    it('M3: parallel password changes of one user cannot pass the per-user limit', async () => {
      // The third and last registration this app allows from 127.0.0.1.
      const user = await registerUser(t);
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          t
            .http()
            .patch('/v1/me')
            .set(bearer(user.personalToken))
            .send({ password: NEW_PASSWORD, currentPassword: `${WRONG}${i}` }),
        ),
      );
      expect(results.filter((r) => r.status === 400)).toHaveLength(5);
      expect(results.filter((r) => r.status === 429)).toHaveLength(5);
    });

    it('M3: registrations are limited per client address; another address still registers', async () => {
      const register = (address: string) =>
        fromAddress(t, address, 'POST', '/v1/auth/register', { email: uniqueEmail('reg'), password: PASSWORD, name: 'Reg' });
      // The users above came from 127.0.0.1; this test uses its own addresses.
      for (let i = 0; i < 3; i++) expect((await register('127.0.0.2')).status).toBe(201);
      const limited = await register('127.0.0.2');
      expectProblem(limited, 429, 'rate_limited');
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(600);
      expect((await register('127.0.0.3')).status).toBe(201);
    });

    it('M3: parallel registrations from one address cannot all pass the limit', async () => {
      const results = await Promise.all(
        Array.from({ length: 10 }, () =>
          fromAddress(t, '127.0.0.4', 'POST', '/v1/auth/register', { email: uniqueEmail('par'), password: PASSWORD, name: 'Par' }),
        ),
      );
      expect(results.filter((r) => r.status === 201)).toHaveLength(3);
      expect(results.filter((r) => r.status === 429)).toHaveLength(7);
    });
  });
});

describe('M4: an attacker elsewhere slows sign-in down but cannot lock the owner out', () => {
  let t: TestApp;
  const SLOWDOWN_MAX_MS = 1000;

  beforeAll(async () => {
    t = await startTestApp({ LATCHKEY_LOGIN_SLOWDOWN_MAX_MS: String(SLOWDOWN_MAX_MS) });
  });
  afterAll(() => t.close());

  it('M4: 10 failures from another address lock that address out, not the owner with the right password', async () => {
    const owner = await registerUser(t);
    for (let i = 0; i < 10; i++) expectProblem(await loginFrom(t, '127.0.0.2', owner.email), 401, 'invalid_credentials');
    const attacker = await loginFrom(t, '127.0.0.2', owner.email, PASSWORD);
    expectProblem(attacker, 429, 'rate_limited');
    expect(Number(attacker.headers['retry-after'])).toBeGreaterThan(0);
    // The detail tells a person the same wait as Retry-After (15 minutes' lockout: "15 minutes").
    expect(attacker.body.detail).toBe(
      `Too many failed sign-in attempts; try again in ${readableWait(Number(attacker.headers['retry-after']))}.`,
    );
    expect(attacker.body.detail).toMatch(/try again in \d+ (minutes?|seconds?|hours?)\.$/);
    // The owner, from their own address: in, after the slow-down (10 failures: the first step, 250 ms).
    const ownerLogin = await loginFrom(t, '127.0.0.1', owner.email, PASSWORD);
    expect(ownerLogin.status).toBe(200);
    expect(ownerLogin.ms).toBeGreaterThanOrEqual(240);
  });

  it('M4: the slow-down grows with failures from many addresses and stops at its cap; still no lockout', async () => {
    const owner = await registerUser(t);
    // 15 failures from three addresses, none locked out: the delay doubles past 10 (250, 500, 1000, …).
    for (const address of ['127.0.0.5', '127.0.0.6', '127.0.0.7']) {
      for (let i = 0; i < 5; i++) expect((await loginFrom(t, address, owner.email)).status).toBe(401);
    }
    const ownerLogin = await loginFrom(t, '127.0.0.1', owner.email, PASSWORD);
    expect(ownerLogin.status).toBe(200);
    expect(ownerLogin.ms).toBeGreaterThanOrEqual(SLOWDOWN_MAX_MS - 10);
    expect(ownerLogin.ms).toBeLessThan(SLOWDOWN_MAX_MS + 3_000);
  });

  it('M4: known and unknown emails get the same lock and the same slow-down', async () => {
    const owner = await registerUser(t);
    const ghost = uniqueEmail('ghost');
    for (const email of [owner.email, ghost]) {
      for (let i = 0; i < 10; i++) expect((await loginFrom(t, '127.0.0.8', email)).status).toBe(401);
      expectProblem(await loginFrom(t, '127.0.0.8', email, PASSWORD), 429, 'rate_limited');
    }
    const [known, unknown] = [await loginFrom(t, '127.0.0.9', owner.email), await loginFrom(t, '127.0.0.9', ghost)];
    expect([known.status, unknown.status]).toEqual([401, 401]);
    expect(known.body.detail).toBe(unknown.body.detail);
    for (const answer of [known, unknown]) expect(answer.ms).toBeGreaterThanOrEqual(240);
  });

  it('M4: a failed sign-in elsewhere does not block the password change, nor a wrong current password the sign-in', async () => {
    const owner = await registerUser(t);
    for (let i = 0; i < 10; i++) await loginFrom(t, '127.0.0.10', owner.email);
    await t.http().patch('/v1/me').set(bearer(owner.personalToken)).send({ password: NEW_PASSWORD, currentPassword: PASSWORD }).expect(200);
    // Wrong current passwords count in the per-user bucket only: the sign-in from this address has all its tries.
    for (let i = 0; i < 4; i++) {
      expectProblem(
        await t
          .http()
          .patch('/v1/me')
          .set(bearer(owner.personalToken))
          .send({ password: PASSWORD, currentPassword: `${WRONG}${i}` }),
        400,
        'validation_failed',
      );
    }
    for (let i = 0; i < 9; i++) expectProblem(await loginFrom(t, '127.0.0.1', owner.email), 401, 'invalid_credentials');
    expect((await loginFrom(t, '127.0.0.1', owner.email, NEW_PASSWORD)).status).toBe(200);
  });

  it('M4: the same address is still locked out after 10 failures, parallel guesses included', async () => {
    const owner = await registerUser(t);
    const results = await Promise.all(Array.from({ length: 30 }, () => loginFrom(t, '127.0.0.11', owner.email)));
    expect(results.filter((r) => r.status === 401)).toHaveLength(10);
    expect(results.filter((r) => r.status === 429)).toHaveLength(20);
    expectProblem(await loginFrom(t, '127.0.0.11', owner.email, PASSWORD), 429, 'rate_limited');
  });
});
