// /v1/authorize is served by Fastify directly, past Nest's router (src/checks/token-check-route.ts):
// what every route gets around it must still be there, allowed or refused. Request logs are on here.
import { bearer, expectProblem } from '../support/api';
import { newWorkspace, WorkspaceFixture } from '../support/fixtures';
import { LogCapture } from '../support/log-capture';
import { METRICS_KEY, startTestApp, TestApp } from '../support/test-app';

describe('token check outside Nest’s pipeline', () => {
  let t: TestApp;
  let ws: WorkspaceFixture;
  let device: string;
  const logs = new LogCapture();

  beforeAll(async () => {
    t = await startTestApp(
      {
        LATCHKEY_LOG_REQUESTS: 'true',
        LATCHKEY_LOG_LEVEL: 'info',
        // Limits far above what this file sends: counted, so their fields are on every answer.
        LATCHKEY_RATE_LIMIT_PER_TOKEN: '1000',
        LATCHKEY_RATE_LIMIT_FAILED_CHECKS_PER_IP: '1000',
      },
      undefined,
      { logDestination: logs },
    );
    ws = await newWorkspace(t);
    device = (await ws.device()).id;
  });
  afterAll(() => t.close());

  const check = (secret: string) =>
    t.http().get(`/v1/authorize?workspaceId=${ws.id}&permission=measurements:read&deviceId=${device}`).set(bearer(secret));

  it('answers allowed and refused checks with the security headers, a request id and the rate-limit fields', async () => {
    const allowed = await check(ws.owner.personalToken).set('X-Request-Id', 'pipeline-allowed').expect(204);
    expect(allowed.headers['latchkey-workspace-id']).toBe(ws.id);
    const refused = await check('lka_thisIsNotAToken').set('X-Request-Id', 'pipeline-refused');
    expectProblem(refused, 401, 'token_invalid');
    expect(refused.body.requestId).toBe('pipeline-refused');
    for (const res of [allowed, refused]) {
      expect(res.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['cache-control']).toBe('no-store');
    }
    expect(allowed.headers['ratelimit-policy']).toBe('"token";q=1000;w=60');
    expect(allowed.headers.ratelimit).toMatch(/^"token";r=\d+;t=\d+$/);
    expect(refused.headers['ratelimit-policy']).toBe('"failed-checks";q=1000;w=60');
    expect(refused.headers.ratelimit).toMatch(/^"failed-checks";r=\d+;t=\d+$/);
    expect(allowed.headers['x-request-id']).toBe('pipeline-allowed');
    expect(refused.headers['x-request-id']).toBe('pipeline-refused');
  });

  it('logs each check as a request (no query, no token) and counts it in the metrics', async () => {
    await check(ws.owner.personalToken).set('X-Request-Id', 'pipeline-logged').expect(204);
    await check('lka_thisIsNotAToken').set('X-Request-Id', 'pipeline-logged-refusal').expect(401);
    const byId = (id: string) =>
      logs.withMessage('request completed').find((entry) => (entry.req as { id?: string } | undefined)?.id === id) as
        { req: { url: string }; res: { statusCode: number } } | undefined;
    expect(byId('pipeline-logged')).toMatchObject({ req: { url: '/v1/authorize' }, res: { statusCode: 204 } });
    expect(byId('pipeline-logged-refusal')).toMatchObject({ req: { url: '/v1/authorize' }, res: { statusCode: 401 } });
    expect(logs.text).not.toContain(ws.owner.personalToken);
    const metrics = await t.http().get('/metrics').set(bearer(METRICS_KEY)).expect(200);
    expect(metrics.text).toMatch(/latchkey_http_request_duration_seconds_count\{method="GET",route="\/v1\/authorize",status="204"\} [1-9]/);
    expect(metrics.text).toMatch(
      /latchkey_http_request_duration_seconds_bucket\{le="\+Inf",method="GET",route="\/v1\/authorize",status="401"\} [1-9]/,
    );
  });

  // The probes and /metrics are left out of the /v1 prefix, and Nest mounts the request-log middleware
  // on such routes again: each of their requests was logged two or three times.
  // (A path no route matches is answered before any middleware and is not logged: it never was.)
  it('logs every request exactly once: the check, a Nest route, the probes and /metrics', async () => {
    const requests: Array<[string, string, Record<string, string>]> = [
      ['once-check', `/v1/authorize?workspaceId=${ws.id}&permission=measurements:read&deviceId=${device}`, bearer(ws.owner.personalToken)],
      ['once-nest', '/v1/whoami', bearer(ws.owner.personalToken)],
      ['once-live', '/health/live', {}],
      ['once-ready', '/health/ready', {}],
      ['once-v1-ready', '/v1/health/ready', {}],
      ['once-metrics', '/metrics', bearer(METRICS_KEY)],
    ];
    for (const [id, path, headers] of requests) await t.http().get(path).set(headers).set('X-Request-Id', id);
    // The last answer's log line is written when its response finishes: give the stream a turn.
    await new Promise((resolve) => setImmediate(resolve));
    const lines = logs.withMessage('request completed');
    const counts = Object.fromEntries(
      requests.map(([id]) => [id, lines.filter((entry) => (entry.req as { id?: string } | undefined)?.id === id).length]),
    );
    expect(counts).toEqual(Object.fromEntries(requests.map(([id]) => [id, 1])));
  });
});
