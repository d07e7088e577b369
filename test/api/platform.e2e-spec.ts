// What every deployment relies on: health, metrics, OpenAPI, request ids, errors, graceful shutdown.
import { PasswordHasher } from '../../src/accounts/password-hasher';
import { bearer, expectProblem, PASSWORD, registerUser } from '../support/api';
import { METRICS_KEY, startTestApp, TestApp } from '../support/test-app';

describe('platform', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('serves liveness and readiness at the root', async () => {
    expect((await t.http().get('/health/live').expect(200)).body).toEqual({ status: 'ok' });
    expect((await t.http().get('/health/ready').expect(200)).body).toEqual({
      status: 'ok',
      database: 'up',
      pool: 'ok',
      // The embedded copy has no channel; a server's is listening once the app has started.
      invalidation: t.database?.embedded ? 'local' : 'listening',
    });
  });

  it('serves Prometheus metrics, counting requests and SQL statements', async () => {
    await registerUser(t);
    const res = await t.http().get('/metrics').set(bearer(METRICS_KEY)).expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).toMatch(
      /latchkey_http_request_duration_seconds_count\{method="POST",route="\/v1\/auth\/register",status="201"\} [1-9]/,
    );
    expect(res.text).toMatch(/latchkey_db_queries_total [1-9]/);
    expect(res.text).toContain('latchkey_process_resident_memory_bytes');
  });

  it('serves the OpenAPI document and the docs UI', async () => {
    const doc = await t.http().get('/openapi.json').expect(200);
    expect(doc.body.info.title).toBe('Latchkey');
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/v1/auth/register', '/v1/me/tokens/{tokenId}/rotate']));
    const ui = await t.http().get('/docs').expect(200);
    expect(ui.text).toContain('swagger');
  });

  it('serves the permission catalog without a token', async () => {
    const res = await t.http().get('/v1/permissions').expect(200);
    expect(res.body.permissions.map((p: { name: string }) => p.name)).toContain('measurements:write');
    expect(res.body.permissions).toHaveLength(22);
    expect(res.body.accountScopes.map((p: { name: string }) => p.name)).toEqual(['account:read', 'account:manage']);
  });

  it('echoes a sane X-Request-Id and makes one otherwise', async () => {
    const kept = await t.http().get('/health/live').set('X-Request-Id', 'trace-abc.123').expect(200);
    expect(kept.headers['x-request-id']).toBe('trace-abc.123');
    const replaced = await t.http().get('/health/live').set('X-Request-Id', 'bad id with spaces').expect(200);
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers an unknown route with a 404 problem', async () => {
    expectProblem(await t.http().get('/v1/nothing-here'), 404, 'not_found');
  });

  it('never shows internals in an error', async () => {
    const res = await t.http().post('/v1/auth/login').set('Content-Type', 'application/json').send('{"email": "x", "password": ');
    const body = JSON.stringify(res.body);
    expect(body).not.toMatch(/at .*\.(js|ts):\d+|SELECT|node_modules|Unexpected token/i);
  });

  it('lets an in-flight request finish when the app shuts down', async () => {
    const other = await startTestApp({ LATCHKEY_ARGON2_MEMORY_KIB: '65536' });
    // Shut down only once the request is inside its handler (hashing the password), not before it
    // arrived: a request that arrives during shutdown is rightly refused with 503.
    const hasher = other.app.get(PasswordHasher);
    const hash = hasher.hash.bind(hasher);
    let entered: () => void = () => undefined;
    const inHandler = new Promise<void>((resolve) => (entered = resolve));
    jest.spyOn(hasher, 'hash').mockImplementation((password: string) => {
      entered();
      return hash(password);
    });
    const done = other
      .http()
      .post('/v1/auth/register')
      .send({ email: 'drain@example.com', password: PASSWORD, name: 'Drain' })
      .then((res) => res.status);
    await inHandler;
    const closing = other.close();
    expect(await done).toBe(201);
    await closing;
  });
});

describe('health under /v1', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('answers at /v1/health/live and /v1/health/ready as well', async () => {
    await t.http().get('/v1/health/live').expect(200);
    await t.http().get('/v1/health/ready').expect(200);
  });
});
