// The load side of the soak, run as its own process (pinned to the core the service does not use):
// `node build/reliability/soak-load.js <config.json>`. Every autocannon connection loops over one
// round of mixed requests (token checks, reads, writes, exchanges, a rare login), checks each status
// against what that request must answer, and the totals, statuses and latencies per kind are written
// to the config's `out` file as JSON.
import { readFileSync, writeFileSync } from 'node:fs';
import { quantile, round } from '../harness/sample-stats';

export interface SoakFixture {
  workspaceId: string;
  ownerToken: string;
  ownerEmail: string;
  ownerPassword: string;
  apiUserId: string;
  apiUserToken: string;
  revokedToken: string;
  /** In the API user's device access. */
  deviceInAccess: string;
  /** Outside it. */
  deviceOutside: string;
  introspectionKey: string;
}

export interface SoakLoadConfig {
  baseUrl: string;
  connections: number;
  durationSeconds: number;
  /** At most one login per this many milliseconds over all connections (argon2 is slow on purpose). */
  loginIntervalMs: number;
  fixture: SoakFixture;
  out: string;
}

export interface KindSummary {
  count: number;
  statuses: Record<string, number>;
  unexpected: number;
  p50Ms: number;
  p99Ms: number;
}

export interface SoakLoadResult {
  requests: number;
  durationSeconds: number;
  requestsPerSecond: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  unexpected: number;
  /** Rounds cut short on purpose (a skipped login) or because a step had nothing to act on. */
  resets: number;
  latency: { p50Ms: number; p99Ms: number; maxMs: number };
  kinds: Record<string, KindSummary>;
  unexpectedSamples: Array<{ kind: string; status: number; body: string }>;
  /** Completed requests in each 10-second slice, to see whether throughput drifts. */
  perTenSeconds: number[];
}

interface RawRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

interface Step {
  kind: string;
  expect: number[];
  method: string;
  path?: string;
  token?: string;
  body?: unknown;
  /** Builds what depends on the round so far; null skips the rest of the round. */
  setup?: (request: RawRequest, context: Record<string, string>) => RawRequest | null;
  /** Keeps what later steps of the round need. */
  keep?: (body: Record<string, any>, context: Record<string, string>) => void;
  /** A body check besides the status. */
  verify?: (body: Record<string, any>) => boolean;
}

let serial = 0;
let lastLoginAt = 0;

export function rounds(config: SoakLoadConfig): Step[] {
  const f = config.fixture;
  const ws = `/v1/workspaces/${f.workspaceId}`;
  const check = (permission: string, deviceId: string) =>
    `/v1/authorize?workspaceId=${f.workspaceId}&permission=${permission}&deviceId=${deviceId}`;
  const allowed: Step = {
    kind: 'authorize allowed',
    expect: [204],
    method: 'GET',
    path: check('measurements:read', f.deviceInAccess),
    token: f.apiUserToken,
  };
  const introspect: Step = {
    kind: 'introspect (platform key)',
    expect: [200],
    method: 'POST',
    path: '/v1/introspect',
    token: f.introspectionKey,
    body: { token: f.apiUserToken },
    verify: (body) => body.active === true,
  };
  const withId = (key: string, path: (id: string) => string) => (request: RawRequest, context: Record<string, string>) =>
    context[key] ? { ...request, path: path(context[key]) } : null;
  return [
    allowed,
    {
      kind: 'authorize denied (device outside access)',
      expect: [403],
      method: 'GET',
      path: check('measurements:read', f.deviceOutside),
      token: f.apiUserToken,
    },
    { kind: 'device list', expect: [200], method: 'GET', path: `${ws}/devices?limit=50`, token: f.ownerToken },
    allowed,
    {
      kind: 'authorize revoked token',
      expect: [401],
      method: 'GET',
      path: check('measurements:read', f.deviceInAccess),
      token: f.revokedToken,
    },
    introspect,
    {
      kind: 'device create',
      expect: [201],
      method: 'POST',
      path: `${ws}/devices`,
      token: f.ownerToken,
      setup: (request) => ({ ...request, body: JSON.stringify({ name: 'soak device', serial: `SOAK-${process.pid}-${serial++}` }) }),
      keep: (body, context) => {
        context.deviceId = body.id;
      },
    },
    { kind: 'members list', expect: [200], method: 'GET', path: `${ws}/members`, token: f.ownerToken },
    {
      kind: 'device patch',
      expect: [200],
      method: 'PATCH',
      token: f.ownerToken,
      body: { name: 'soak device, renamed' },
      setup: withId('deviceId', (id) => `${ws}/devices/${id}`),
    },
    allowed,
    {
      kind: 'audit events, first page',
      expect: [200],
      method: 'GET',
      path: `${ws}/audit-events?limit=20`,
      token: f.ownerToken,
      keep: (body, context) => {
        if (body.nextCursor) context.cursor = body.nextCursor;
      },
    },
    {
      kind: 'device delete',
      expect: [204],
      method: 'DELETE',
      token: f.ownerToken,
      setup: withId('deviceId', (id) => `${ws}/devices/${id}`),
    },
    {
      kind: 'audit events, next page',
      expect: [200],
      method: 'GET',
      token: f.ownerToken,
      setup: withId('cursor', (cursor) => `${ws}/audit-events?limit=20&cursor=${encodeURIComponent(cursor)}`),
    },
    {
      kind: 'token create',
      expect: [201],
      method: 'POST',
      path: '/v1/me/tokens',
      token: f.ownerToken,
      body: { name: 'soak', scopes: ['devices:read'], workspaceIds: [f.workspaceId], expiresInDays: 1 },
      keep: (body, context) => {
        context.tokenId = body.id;
      },
    },
    {
      kind: 'authorize denied (permission)',
      expect: [403],
      method: 'GET',
      path: check('devices:delete', f.deviceInAccess),
      token: f.apiUserToken,
    },
    {
      kind: 'token rotate',
      expect: [200],
      method: 'POST',
      token: f.ownerToken,
      body: { graceSeconds: 0 },
      setup: withId('tokenId', (id) => `/v1/me/tokens/${id}/rotate`),
      keep: (body, context) => {
        context.tokenId = body.id;
      },
    },
    { kind: 'token revoke', expect: [204], method: 'DELETE', token: f.ownerToken, setup: withId('tokenId', (id) => `/v1/me/tokens/${id}`) },
    introspect,
    {
      kind: 'API-user token create',
      expect: [201],
      method: 'POST',
      path: `${ws}/api-users/${f.apiUserId}/tokens`,
      token: f.ownerToken,
      body: {},
      keep: (body, context) => {
        context.apiTokenId = body.id;
      },
    },
    allowed,
    {
      kind: 'API-user token revoke',
      expect: [204],
      method: 'DELETE',
      token: f.ownerToken,
      setup: withId('apiTokenId', (id) => `${ws}/api-users/${f.apiUserId}/tokens/${id}`),
    },
    {
      kind: 'token exchange (/v1/auth/token)',
      expect: [200],
      method: 'POST',
      path: '/v1/auth/token',
      token: f.apiUserToken,
      body: { expiresInSeconds: 600 },
      keep: (body, context) => {
        context.session = body.token?.secret;
      },
    },
    {
      kind: 'authorize with the exchanged session',
      expect: [204],
      method: 'GET',
      path: check('measurements:read', f.deviceInAccess),
      setup: (request, context) =>
        context.session ? { ...request, headers: { ...request.headers, authorization: `Bearer ${context.session}` } } : null,
    },
    {
      kind: 'login',
      expect: [200],
      method: 'POST',
      path: '/v1/auth/login',
      body: { email: f.ownerEmail, password: f.ownerPassword },
      setup: (request) => {
        const now = Date.now();
        if (now - lastLoginAt < config.loginIntervalMs) return null;
        lastLoginAt = now;
        return request;
      },
    },
  ];
}

type AutocannonRequest = {
  kind: string;
  method: string;
  path?: string;
  headers: Record<string, string>;
  body?: string;
  setupRequest?: (request: RawRequest, context: Record<string, string>) => RawRequest | null;
  onResponse: (status: number, body: string, context: Record<string, string>) => void;
};

interface AutocannonClient {
  requestIterator: { currentRequest: { kind?: string } };
}

interface AutocannonInstance extends PromiseLike<Record<string, any>> {
  on(event: 'response', listener: (client: AutocannonClient, status: number, bytes: number, ms: number) => void): void;
}

// autocannon ships no types; this is the part of its API used here (README of 9.x: requests,
// setupRequest, onResponse, and the instance's 'response' event).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require('autocannon') as (options: Record<string, unknown>) => AutocannonInstance;

export async function runLoad(config: SoakLoadConfig): Promise<SoakLoadResult> {
  const steps = rounds(config);
  const statuses = new Map<string, Map<number, number>>();
  const unexpected = new Map<string, number>();
  const latencies = new Map<string, number[]>();
  const samples: SoakLoadResult['unexpectedSamples'] = [];
  const all: number[] = [];
  const slices: number[] = [];
  const started = Date.now();

  const requests: AutocannonRequest[] = steps.map((step) => {
    // Every POST and PATCH of the round has a JSON body; GET and DELETE have none (Fastify refuses
    // an empty body announced as JSON).
    const headers: Record<string, string> = {
      ...(step.token ? { authorization: `Bearer ${step.token}` } : {}),
      ...(step.method === 'POST' || step.method === 'PATCH' ? { 'content-type': 'application/json' } : {}),
    };
    return {
      kind: step.kind,
      method: step.method,
      path: step.path,
      headers,
      body: step.body !== undefined ? JSON.stringify(step.body) : undefined,
      // An undefined setupRequest would overwrite autocannon's default one.
      ...(step.setup ? { setupRequest: step.setup } : {}),
      onResponse: (status, body, context) => {
        const byStatus = statuses.get(step.kind) ?? new Map<number, number>();
        byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
        statuses.set(step.kind, byStatus);
        let ok = step.expect.includes(status);
        let parsed: Record<string, any> = {};
        if (ok && (step.keep || step.verify)) {
          try {
            parsed = JSON.parse(body);
          } catch {
            ok = false;
          }
          if (ok && step.verify && !step.verify(parsed)) ok = false;
          if (ok && step.keep) step.keep(parsed, context);
        }
        if (!ok) {
          unexpected.set(step.kind, (unexpected.get(step.kind) ?? 0) + 1);
          if (samples.length < 20) samples.push({ kind: step.kind, status, body: body.slice(0, 300) });
        }
      },
    };
  });

  const instance = autocannon({
    url: config.baseUrl,
    connections: config.connections,
    duration: config.durationSeconds,
    timeout: 10,
    requests,
  });
  instance.on('response', (client, _status, _bytes, ms) => {
    const kind = client.requestIterator.currentRequest.kind ?? '?';
    const list = latencies.get(kind) ?? [];
    list.push(ms);
    latencies.set(kind, list);
    all.push(ms);
    const slice = Math.floor((Date.now() - started) / 10_000);
    slices[slice] = (slices[slice] ?? 0) + 1;
  });
  const result = await instance;

  const kinds: Record<string, KindSummary> = {};
  for (const step of steps) {
    if (kinds[step.kind]) continue;
    const times = latencies.get(step.kind) ?? [];
    kinds[step.kind] = {
      count: times.length,
      statuses: Object.fromEntries([...(statuses.get(step.kind) ?? new Map()).entries()].map(([s, n]) => [String(s), n])),
      unexpected: unexpected.get(step.kind) ?? 0,
      p50Ms: round(quantile(times, 0.5), 2),
      p99Ms: round(quantile(times, 0.99), 2),
    };
  }
  const seconds = (result.duration as number) || config.durationSeconds;
  return {
    requests: all.length,
    durationSeconds: round(seconds, 1),
    requestsPerSecond: Math.round(all.length / seconds),
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    unexpected: [...unexpected.values()].reduce((a, b) => a + b, 0),
    resets: result.resets ?? 0,
    latency: {
      p50Ms: round(quantile(all, 0.5), 2),
      p99Ms: round(quantile(all, 0.99), 2),
      maxMs: round(
        all.reduce((m, v) => Math.max(m, v), 0),
        1,
      ),
    },
    kinds,
    unexpectedSamples: samples,
    perTenSeconds: Array.from(slices, (n) => n ?? 0),
  };
}

if (require.main === module) {
  const config = JSON.parse(readFileSync(process.argv[2], 'utf8')) as SoakLoadConfig;
  runLoad(config)
    .then((result) => writeFileSync(config.out, `${JSON.stringify(result, null, 2)}\n`))
    .catch((error) => {
      console.error(error);
      process.exit(1);
    });
}
