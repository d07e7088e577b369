// Part "cluster" (issue 20): the deployment of deploy/ on this machine (harness/cluster.ts: three
// Latchkey instances behind nginx, PgBouncer in transaction mode, HAProxy to the primary of a Patroni
// pair with a synchronous standby, etcd, Redis), and what it must survive:
//   1. a change made through one instance is refused by every instance within 1 s (p50/p99 of the delay);
//   2. kill -9 of one instance under mixed traffic at 50 connections: errors only for requests in flight
//      there, no acknowledged write lost;
//   3. kill -9 of the PostgreSQL primary: 503 `unavailable` meanwhile, recovery without a restart,
//      every acknowledged write on the new primary, the time to recovery;
//   4. a rolling restart of the three instances under load loses no request;
//   5. Redis down: rate limits fall back to counting per instance, nothing else breaks.
// Where the Debian packages are missing (or not root), the part says why and is skipped.
import { join } from 'node:path';
import { ApiClient, ApiResponse } from '../harness/api-client';
import { clusterUnavailableReason, killPostmaster, LocalCluster } from '../harness/cluster';
import { quantile, round } from '../harness/sample-stats';
import { Owner, seedOwner } from '../harness/seed';
import type { PartOptions, PartResult, ReliabilityPart } from './part';

/** A refusal must reach every instance within this. */
const PROPAGATION_LIMIT_MS = 1000;
const CONNECTIONS = 50;

type ChangeKind = 'revocation' | 'deactivation' | 'removal' | 'role change';
const CHANGE_KINDS: ChangeKind[] = ['revocation', 'deactivation', 'removal', 'role change'];

interface Subject {
  apiUserId: string;
  tokenId: string;
  token: string;
}

interface Fixture {
  owner: Owner;
  deviceId: string;
  /** A role with no permission on measurements: the target of a role change. */
  emptyRoleId: string;
}

export const clusterPart: ReliabilityPart = {
  id: 'cluster',
  async run(options: PartOptions): Promise<PartResult> {
    const title = 'Scale-out: three instances, PgBouncer, a Patroni pair, things killed';
    const reason = clusterUnavailableReason();
    if (reason) {
      console.log(`cluster: skipped, ${reason}`);
      return { id: 'cluster', title, ok: true, figures: [['skipped', reason]], notes: [`Skipped: ${reason}.`] };
    }
    const cluster = await LocalCluster.start({ root: options.root, instances: 3, onStep: (s) => console.log(`  cluster: ${s}`) });
    const figures: PartResult['figures'] = [];
    const notes: string[] = [];
    const failures: string[] = [];
    try {
      const api = new ApiClient(cluster.url);
      const fixture = await seed(api);
      await propagation(cluster, api, fixture, options.short ? 24 : 200, figures, failures);
      await killInstance(cluster, fixture, options.short ? 6 : 30, figures, failures);
      await killPrimary(cluster, fixture, options.short ? 2 : 20, figures, failures, notes);
      // The short version's lighter load lets the restarted instances start sooner on two cores.
      await rollingRestart(cluster, fixture, options.short ? 20 : CONNECTIONS, figures, failures);
      await redisDown(cluster, fixture, figures, failures);
    } catch (error) {
      failures.push(`the part stopped: ${(error as Error).message.split('\n')[0]}`);
    } finally {
      if (failures.length > 0) {
        const logs = join(options.resultsDir, `cluster-logs-${new Date().toISOString().replace(/[:.]/g, '-')}`);
        cluster.saveLogs(logs);
        notes.push(`The cluster's logs are kept in ${logs}.`);
      }
      await cluster.stop();
    }
    notes.push(
      'One machine, two cores: every process of the cluster shares them, so the figures show behaviour (errors, losses, delays), not capacity.',
      ...failures.map((f) => `FAILED: ${f}`),
    );
    return { id: 'cluster', title, ok: failures.length === 0, figures, notes };
  },
};

async function seed(api: ApiClient): Promise<Fixture> {
  const owner = await seedOwner(api);
  const ws = `/v1/workspaces/${owner.workspaceId}`;
  const device = await api.expect<{ id: string }>(201, 'POST', `${ws}/devices`, {
    token: owner.token,
    body: { name: 'cluster device', serial: `CLUSTER-${Date.now()}` },
  });
  const role = await api.expect<{ id: string }>(201, 'POST', `${ws}/roles`, {
    token: owner.token,
    body: { name: 'reads the workspace only', permissions: ['workspace:read'] },
  });
  return { owner, deviceId: device.id, emptyRoleId: role.id };
}

async function createSubject(api: ApiClient, f: Fixture, n: number): Promise<Subject> {
  const created = await api.expect<{ apiUser: { id: string }; token: { id: string; secret: string } }>(
    201,
    'POST',
    `/v1/workspaces/${f.owner.workspaceId}/api-users`,
    {
      token: f.owner.token,
      body: { name: `subject ${n}`, roleIds: [f.owner.roles.viewer], deviceAccess: { mode: 'selected', deviceIds: [f.deviceId] } },
    },
  );
  return { apiUserId: created.apiUser.id, tokenId: created.token.id, token: created.token.secret };
}

function checkPath(f: Fixture): string {
  return `/v1/authorize?workspaceId=${f.owner.workspaceId}&permission=measurements:read&deviceId=${f.deviceId}`;
}

/** The change itself, sent to one instance. */
function change(api: ApiClient, f: Fixture, kind: ChangeKind, s: Subject): Promise<ApiResponse> {
  const apiUser = `/v1/workspaces/${f.owner.workspaceId}/api-users/${s.apiUserId}`;
  const token = f.owner.token;
  switch (kind) {
    case 'revocation':
      return api.request('DELETE', `${apiUser}/tokens/${s.tokenId}`, { token });
    case 'deactivation':
      return api.request('PATCH', apiUser, { token, body: { status: 'disabled' } });
    case 'removal':
      return api.request('DELETE', apiUser, { token });
    case 'role change':
      return api.request('PATCH', apiUser, { token, body: { roleIds: [f.emptyRoleId] } });
  }
}

/** 1. Changes through one instance, polled on all three until refused. */
async function propagation(
  cluster: LocalCluster,
  api: ApiClient,
  f: Fixture,
  changes: number,
  figures: PartResult['figures'],
  failures: string[],
): Promise<void> {
  const instances = cluster.latchkey.map((l) => new ApiClient(l.baseUrl, 3000, false));
  const subjects: Subject[] = [];
  for (let n = 0; n < changes; n++) subjects.push(await createSubject(api, f, n));
  const delays: number[] = [];
  const byKind = new Map<ChangeKind, number[]>();
  let late = 0;
  let wrong = 0;
  for (const [n, subject] of subjects.entries()) {
    const kind = CHANGE_KINDS[n % CHANGE_KINDS.length];
    // Every instance has the subject's check cached before the change.
    for (const instance of instances) {
      const primed = await instance.request('GET', checkPath(f), { token: subject.token });
      if (primed.status !== 204) wrong++;
    }
    const changed = await change(instances[n % instances.length], f, kind, subject);
    const acknowledged = performance.now();
    if (changed.status < 200 || changed.status >= 300) {
      wrong++;
      continue;
    }
    const refusedAfter = await Promise.all(
      instances.map(async (instance) => {
        for (;;) {
          const res = await instance.request('GET', checkPath(f), { token: subject.token });
          const waited = performance.now() - acknowledged;
          if (res.status === 401 || res.status === 403) return waited;
          if (waited > PROPAGATION_LIMIT_MS * 5) return waited;
          await new Promise((r) => setTimeout(r, 2));
        }
      }),
    );
    const slowest = Math.max(...refusedAfter);
    if (slowest > PROPAGATION_LIMIT_MS) late++;
    delays.push(slowest);
    byKind.set(kind, [...(byKind.get(kind) ?? []), slowest]);
  }
  const ms = (q: number, values = delays) => `${round(quantile(values, q), 1)} ms`;
  figures.push(
    ['changes made through one instance, checked on all three', delays.length],
    ['delay until every instance refuses, p50', ms(0.5)],
    ['delay until every instance refuses, p99', ms(0.99)],
    ['delay until every instance refuses, max', `${round(Math.max(...delays), 1)} ms`],
    ...[...byKind].map(([kind, values]): [string, string] => [
      `  ${kind}: p50 / max`,
      `${ms(0.5, values)} / ${round(Math.max(...values), 1)} ms`,
    ]),
  );
  if (late > 0) failures.push(`${late} of ${delays.length} changes were not refused everywhere within ${PROPAGATION_LIMIT_MS} ms`);
  if (wrong > 0) failures.push(`${wrong} checks or changes answered other than expected in the propagation test`);
}

interface LoadOutcome {
  ok: number;
  /** Unexpected answers, with when they came (ms since the load began). */
  errors: Array<{ at: number; kind: string; status: number; code: string | null }>;
  /** Device ids whose creation was acknowledged (201). */
  created: string[];
  /** Answers by status while the load ran, per kind. */
  statuses: Record<string, Record<number, number>>;
  startedAt: number;
}

/**
 * Mixed traffic through nginx on `connections` loops: token checks (GET, allowed and denied), device
 * lists, device creations (POST, kept when acknowledged). Runs until `stop` resolves.
 */
async function mixedLoad(
  cluster: LocalCluster,
  f: Fixture,
  connections: number,
  stop: Promise<void>,
  writeShare = 0.1,
): Promise<LoadOutcome> {
  const api = new ApiClient(cluster.url, 10_000);
  const ws = `/v1/workspaces/${f.owner.workspaceId}`;
  const outcome: LoadOutcome = { ok: 0, errors: [], created: [], statuses: {}, startedAt: performance.now() };
  let stopped = false;
  void stop.then(() => (stopped = true));
  const load = ++loads;
  let serial = 0;
  const note = (kind: string, res: ApiResponse, expected: number) => {
    const byStatus = (outcome.statuses[kind] ??= {});
    byStatus[res.status] = (byStatus[res.status] ?? 0) + 1;
    if (res.status === expected) outcome.ok++;
    else outcome.errors.push({ at: performance.now() - outcome.startedAt, kind, status: res.status, code: res.code });
  };
  await Promise.all(
    Array.from({ length: connections }, async (_, loop) => {
      while (!stopped) {
        const roll = Math.random();
        if (roll < writeShare) {
          const res = await api.request<{ id: string }>('POST', `${ws}/devices`, {
            token: f.owner.token,
            body: { name: `load ${loop}`, serial: `LOAD-${process.pid}-${load}-${serial++}` },
          });
          note('device create', res, 201);
          if (res.status === 201) outcome.created.push(res.body.id);
        } else if (roll < writeShare + 0.15) {
          note('device list', await api.request('GET', `${ws}/devices?limit=20`, { token: f.owner.token }), 200);
        } else {
          note('authorize', await api.request('GET', checkPath(f), { token: f.owner.token }), 204);
        }
      }
    }),
  );
  return outcome;
}

function statusSummary(outcome: LoadOutcome): string {
  return Object.entries(outcome.statuses)
    .map(
      ([kind, statuses]) =>
        `${kind}: ${Object.entries(statuses)
          .map(([s, n]) => `${s}×${n}`)
          .join(' ')}`,
    )
    .join('; ');
}

/** Every acknowledged device is on the current primary. */
async function missingWrites(cluster: LocalCluster, ids: string[]): Promise<number> {
  if (ids.length === 0) return 0;
  const rows = await cluster.superuserQuery<{ n: number }>(
    `SELECT count(*)::int AS n FROM devices WHERE id = ANY($1::uuid[])`,
    [ids],
    'latchkey',
  );
  return ids.length - rows[0].n;
}

/** Loads run so far: each names its devices apart. */
let loads = 0;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** 2. kill -9 of one instance in the middle of the load. */
async function killInstance(
  cluster: LocalCluster,
  f: Fixture,
  seconds: number,
  figures: PartResult['figures'],
  failures: string[],
): Promise<void> {
  let end!: () => void;
  const load = mixedLoad(cluster, f, CONNECTIONS, new Promise<void>((r) => (end = r)));
  await sleep((seconds * 1000) / 2);
  const victim = cluster.latchkey[1];
  const killedAt = performance.now();
  await victim.kill();
  await sleep((seconds * 1000) / 2);
  end();
  const outcome = await load;
  const killedAtMs = killedAt - outcome.startedAt;
  // In flight at the kill: answered with an error within a moment of it. Anything later is a failure.
  const inFlight = outcome.errors.filter((e) => e.at >= killedAtMs && e.at <= killedAtMs + 1000);
  const other = outcome.errors.filter((e) => !inFlight.includes(e));
  const lost = await missingWrites(cluster, outcome.created);
  figures.push(
    ['kill -9 of one instance: requests', outcome.ok + outcome.errors.length],
    [
      '  errors in flight at the kill (≤ 1 s after it)',
      `${inFlight.length} (${inFlight.map((e) => `${e.kind} ${e.status}`).join(', ') || 'none'})`,
    ],
    ['  errors at any other time', other.length],
    ['  acknowledged writes missing afterwards', `${lost} of ${outcome.created.length}`],
  );
  if (other.length > 0)
    failures.push(`kill -9 of an instance: ${other.length} errors outside the requests in flight (${statusSummary(outcome)})`);
  if (inFlight.some((e) => e.kind !== 'device create'))
    failures.push('kill -9 of an instance: a request nginx may send again (GET, a token check) failed instead of being retried');
  if (inFlight.length > CONNECTIONS)
    failures.push(`kill -9 of an instance: ${inFlight.length} errors, more than the ${CONNECTIONS} requests that can be in flight`);
  if (lost > 0) failures.push(`kill -9 of an instance: ${lost} acknowledged writes lost`);
  await victim.start();
}

/** 3. kill -9 of the PostgreSQL primary (its Patroni and its postmaster) under load. */
async function killPrimary(
  cluster: LocalCluster,
  f: Fixture,
  seconds: number,
  figures: PartResult['figures'],
  failures: string[],
  notes: string[],
): Promise<void> {
  const before = await cluster.primary();
  if (!before) throw new Error('no primary before the kill');
  const pids = cluster.latchkey.map((l) => l.pid);
  let end!: () => void;
  const load = mixedLoad(cluster, f, 10, new Promise<void>((r) => (end = r)), 0.3);
  await sleep(2000);
  const killedAt = performance.now();
  await before.service.kill();
  killPostmaster(join(cluster.dir, before.name));
  // Recovered: the first write acknowledged after the kill, through nginx.
  const api = new ApiClient(cluster.url, 5000);
  let recoveredAt: number | null = null;
  let probes = 0;
  while (performance.now() - killedAt < 90_000) {
    probes++;
    const res = await api.request('POST', `/v1/workspaces/${f.owner.workspaceId}/devices`, {
      token: f.owner.token,
      body: { name: 'after the failover', serial: `FAILOVER-${Date.now()}-${probes}` },
    });
    if (res.status === 201) {
      recoveredAt = performance.now();
      break;
    }
    await sleep(100);
  }
  await sleep(seconds * 1000);
  end();
  const outcome = await load;
  const after = await cluster.primary();
  const killedAtMs = killedAt - outcome.startedAt;
  const statuses = new Map<string, number>();
  for (const e of outcome.errors)
    statuses.set(`${e.status} ${e.code ?? ''}`.trim(), (statuses.get(`${e.status} ${e.code ?? ''}`.trim()) ?? 0) + 1);
  const notUnavailable = outcome.errors.filter((e) => !(e.status === 503 && e.code === 'unavailable'));
  const lost = await missingWrites(cluster, outcome.created);
  figures.push(
    ['kill -9 of the primary: new primary', after ? `${after.name} (was ${before.name})` : 'none'],
    [
      '  time to the first acknowledged write after the kill',
      recoveredAt === null ? 'never (90 s)' : `${round((recoveredAt - killedAt) / 1000, 1)} s`,
    ],
    ['  answers other than expected meanwhile', [...statuses].map(([s, n]) => `${s}×${n}`).join(', ') || 'none'],
    ['  acknowledged writes missing on the new primary', `${lost} of ${outcome.created.length}`],
    ['  Latchkey restarted', cluster.latchkey.some((l, i) => l.pid !== pids[i]) ? 'yes' : 'no (same processes)'],
  );
  if (!after || after.name === before.name) failures.push('kill of the primary: the standby was not promoted');
  if (recoveredAt === null) failures.push('kill of the primary: Latchkey did not recover within 90 s');
  if (notUnavailable.length > 0)
    failures.push(
      `kill of the primary: ${notUnavailable.length} answers were not 503 unavailable (${[...statuses].map(([s, n]) => `${s}×${n}`).join(', ')})`,
    );
  if (lost > 0) failures.push(`kill of the primary: ${lost} acknowledged writes are not on the new primary`);
  if (outcome.errors.some((e) => e.at < killedAtMs)) failures.push('kill of the primary: errors before the kill');
  notes.push(
    `The primary is killed with its Patroni (SIGKILL to both); Patroni promotes the synchronous standby once the leader key expires (ttl 10 s, deploy/patroni/patroni.yml). The killed node is left down: synchronous_mode without strict lets the new primary accept writes alone.`,
  );
}

/** 4. SIGTERM, start again, one instance after the other, under load. */
async function rollingRestart(
  cluster: LocalCluster,
  f: Fixture,
  connections: number,
  figures: PartResult['figures'],
  failures: string[],
): Promise<void> {
  let end!: () => void;
  const load = mixedLoad(cluster, f, connections, new Promise<void>((r) => (end = r)));
  await sleep(1000);
  const started = performance.now();
  const restarts: string[] = [];
  for (let i = 0; i < cluster.latchkey.length; i++) {
    const { stopMs, startMs } = await cluster.restartInstance(i);
    restarts.push(`${round(stopMs / 1000, 1)} + ${round(startMs / 1000, 1)} s`);
  }
  const took = performance.now() - started;
  await sleep(1000);
  end();
  const outcome = await load;
  const lost = await missingWrites(cluster, outcome.created);
  figures.push(
    [`rolling restart of three instances under load (${connections} connections): requests`, outcome.ok + outcome.errors.length],
    ['  errors', `${outcome.errors.length}${outcome.errors.length ? ` (${statusSummary(outcome)})` : ''}`],
    ['  time for the three restarts', `${round(took / 1000, 1)} s (stop + start: ${restarts.join(', ')})`],
    ['  acknowledged writes missing afterwards', `${lost} of ${outcome.created.length}`],
  );
  if (outcome.errors.length > 0) failures.push(`rolling restart: ${outcome.errors.length} requests failed`);
  if (lost > 0) failures.push(`rolling restart: ${lost} acknowledged writes lost`);
}

/** 5. Redis stopped: an own rate limit counts per instance, and everything else answers as before. */
async function redisDown(cluster: LocalCluster, f: Fixture, figures: PartResult['figures'], failures: string[]): Promise<void> {
  const api = new ApiClient(cluster.url);
  const ws = `/v1/workspaces/${f.owner.workspaceId}`;
  const limited = async () => {
    const s = await createSubject(api, f, Date.now());
    await api.expect(200, 'PATCH', `${ws}/api-users/${s.apiUserId}`, {
      token: f.owner.token,
      body: { rateLimit: { limit: 5, windowSeconds: 3600 } },
    });
    return s;
  };
  // Spaced out past the counters' sync interval (100 ms), so each instance has heard the others' counts.
  const refusedAfter = async (client: ApiClient, s: Subject, spacingMs: number) => {
    for (let n = 1; n <= 30; n++) {
      if ((await client.request('GET', checkPath(f), { token: s.token })).status === 429) return n - 1;
      await sleep(spacingMs);
    }
    return 30;
  };
  // With Redis: the instances share the count, so a limit of 5 holds across all three.
  const shared = await refusedAfter(api, await limited(), 250);
  await cluster.redis.kill();
  const down = await limited();
  const perInstance = await Promise.all(cluster.latchkey.map((l) => refusedAfter(new ApiClient(l.baseUrl, 5000, false), down, 0)));
  let otherErrors = 0;
  const probes: Array<[string, () => Promise<ApiResponse>, number]> = [
    ['authorize', () => api.request('GET', checkPath(f), { token: f.owner.token }), 204],
    ['device list', () => api.request('GET', `${ws}/devices?limit=5`, { token: f.owner.token }), 200],
    ['login', () => api.request('POST', '/v1/auth/login', { body: { email: f.owner.email, password: f.owner.password } }), 200],
    [
      'device create',
      () => api.request('POST', `${ws}/devices`, { token: f.owner.token, body: { name: 'redis down', serial: `REDIS-${Date.now()}` } }),
      201,
    ],
  ];
  for (const [, probe, expected] of probes) for (let n = 0; n < 5; n++) if ((await probe()).status !== expected) otherErrors++;
  cluster.redis.start();
  figures.push(
    ['Redis up: requests of a limit of 5 let through across three instances', shared],
    ['Redis down: let through by each instance', perInstance.join(', ')],
    ['Redis down: other requests failing (checks, lists, logins, writes)', `${otherErrors} of ${probes.length * 5}`],
  );
  // An instance that has not synced a bucket yet starts from its own count, and a busy machine may delay
  // a sync (docs/rate-limits.md): a few more than 5 may pass, never the 15 of three separate counts.
  if (shared > 5 + cluster.latchkey.length) failures.push(`with Redis, ${shared} requests passed a shared limit of 5`);
  if (perInstance.some((n) => n !== 5))
    failures.push(`Redis down: an instance let ${perInstance.join(', ')} requests through a limit of 5 instead of counting on its own`);
  if (otherErrors > 0) failures.push(`Redis down: ${otherErrors} other requests failed`);
}
