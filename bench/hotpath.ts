// The token check against the HTTP stack's own floor (issue 21), hooked from bench/run.ts:
//   --only hotpath   per pair: a bare Fastify server (bench/bare-fastify.ts, its own process, pinned to
//                    the service's core), Latchkey's Nest floor, then /v1/authorize with an allowed,
//                    a malformed, a well-formed unknown, a revoked and an expired token. Ratios are each
//                    run's service CPU per request over the bare server's in the same pair.
//   --only gc        the service restarted under --trace-gc: the first check after the restart (cold),
//                    then --gc-seconds (60) of allowed checks; every pause is parsed from node's output.
//   --only atscale   (PostgreSQL) pairs of bare floor and checks, before and after the shapes a platform
//                    reaches go in by SQL (the owner in 1,000 workspaces, an API user granted 10,000
//                    selected devices, 10,000 members in the checked workspace); then the tokens grow to
//                    --tokens-high (1,000,000), the service restarts under --trace-gc: the cold first
//                    check and the GC run; then, restarted without the trace, the same pairs again and
//                    the heap 100,000 cached tokens take.
// Profiles: LATCHKEY_BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=…" and scripts/cpu-profile-top.ts.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { generateToken, hashToken, tokenHint } from '../src/auth/token-format';
import { pinned } from '../harness/cores';
import { processAgeMs } from '../harness/process-cpu';
import type { DatabaseTarget } from '../harness/fresh-database';
import { freePort } from '../harness/ports';
import { median as medianOf, round } from '../harness/sample-stats';
import { fillWorkspace } from '../test/support/bulk-fill';
import { waitUntilUp } from './load';

/** What bench/run.ts's measure() returns, as far as this file reads it. */
export interface Measured {
  scenario: string;
  requests: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  serverCpuMicrosPerRequest: number;
  /** Statements the service sent per request (its own metric; 0 for the bare server). */
  dbQueriesPerRequest: number;
}

export type Measure = (
  scenario: string,
  path: string,
  secret?: string,
  options?: { server?: { base: string; pid: number }; seconds?: number; warmUp?: boolean },
) => Promise<Measured>;

export interface HotPathContext {
  root: string;
  target: DatabaseTarget;
  measure: Measure;
  pairs: number;
  /**
   * Each pair's scenarios run in this many rounds of (duration / slices) seconds, one slice of each
   * scenario per round, and are summed: a swing of the machine's load then reaches every scenario of
   * the pair alike, instead of whichever ran during it. 1: each scenario runs once, in one piece.
   */
  slices: number;
  /** Seconds of load per scenario and pair, across its slices. */
  seconds: number;
  authorizePath: string;
  ownerEmail: string;
  allowedToken: string;
  revokedToken: string;
  /** What the scale and GC scenarios need besides. */
  base: string;
  ownerToken: string;
  workspaceId: string;
  /** Stops the service and starts it again, with more node options, a reader of its output or its standard output in a file. */
  restart: (extra?: { nodeArgs?: string[]; onLine?: (line: string) => void; stdoutFile?: string }) => Promise<void>;
  /** The running service's pid. */
  servicePid: () => number;
  /** Adds filler tokens (by SQL) up to this many; the service is stopped meanwhile by the caller. */
  seedTokens: (upTo: number) => Promise<void>;
  /** A sample of the service's /metrics. */
  metric: (name: string) => Promise<number>;
}

/** A run's CPU per request over the bare floor's in the same pair. */
const over = (run: Measured, bare: Measured) => round(run.serverCpuMicrosPerRequest / bare.serverCpuMicrosPerRequest, 3);
const median = (values: number[]) => round(medianOf(values), 3);

/** The bare Fastify floor, started once per run, on core 0 like the service. */
export async function startBareFastify(root: string): Promise<{ base: string; pid: number; stop: () => void }> {
  const port = await freePort();
  const { command, args } = pinned(0, [process.execPath, join(root, 'build/bench/bare-fastify.js'), String(port)]);
  const child: ChildProcess = spawn(command, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  const base = `http://127.0.0.1:${port}`;
  await waitUntilUp(`${base}/health/live`, 20_000);
  return { base, pid: child.pid ?? 0, stop: () => child.kill('SIGTERM') };
}

/** A named token of the owner that expired an hour ago, straight into the table. */
async function expiredToken(target: DatabaseTarget, ownerEmail: string): Promise<string> {
  const secret = generateToken('lkp_');
  await target.withSql(async (sql) => {
    await sql.query(
      `INSERT INTO tokens (id, kind, user_id, name, token_hash, hint, scopes, created_at, expires_at)
       SELECT gen_random_uuid(), 'named', u.id, 'expired', $2, $3, '{*}', now() - interval '2 hours', now() - interval '1 hour'
         FROM users u WHERE u.email = $1`,
      [ownerEmail, hashToken(secret), tokenHint(secret)],
    );
  });
  return secret;
}

export interface HotPathResult {
  /** Medians over the pairs of (CPU µs per request) / (the bare floor's in the same pair). */
  cpuOverBare: {
    nestFloor: number;
    bareRefusal: number;
    bareAnswerShaped: number;
    allowed: number;
    malformed: number;
    unknown: number;
    revoked: number;
    expired: number;
  };
  /** The refused checks over the bare server's own 401 problem+json answer (bare-fastify.ts /refused), same pairs. */
  refusalsOverBareRefusal: { malformed: number; unknown: number; revoked: number; expired: number };
  /** The refused checks over the allowed check of the same pair: the goal is ≤ 1 (no dearer than a yes). */
  refusalsOverAllowed: { malformed: number; unknown: number; revoked: number; expired: number };
  /** The allowed check over the bare server giving the same 204 with the same headers (bare-fastify.ts /answer-shaped), same pairs. */
  allowedOverBareAnswerShaped: number;
  allowedP99Ms: number[];
  pairs: Array<Record<string, { cpuMicros: number; rps: number; p99Ms: number; non2xx: number }>>;
}

export async function measureHotPath(ctx: HotPathContext): Promise<{ result: HotPathResult; runs: Measured[] }> {
  const bare = await startBareFastify(ctx.root);
  const expired = await expiredToken(ctx.target, ctx.ownerEmail);
  const tokens: Record<string, string> = {
    allowed: ctx.allowedToken,
    malformed: 'lka_thisIsNotAToken',
    // Well-formed, checksum right, never issued: looked up once, then refused from the unknown-token memory.
    unknown: generateToken('lka_'),
    revoked: ctx.revokedToken,
    expired,
  };
  const runs: Measured[] = [];
  const pairs: HotPathResult['pairs'] = [];
  const ratios: Record<string, number[]> = {
    nestFloor: [],
    bareRefusal: [],
    bareAnswerShaped: [],
    allowed: [],
    malformed: [],
    unknown: [],
    revoked: [],
    expired: [],
  };
  const overRefusal: Record<string, number[]> = { malformed: [], unknown: [], revoked: [], expired: [] };
  const overAllowed: Record<string, number[]> = { malformed: [], unknown: [], revoked: [], expired: [] };
  const overAnswerShaped: number[] = [];
  const p99: number[] = [];
  try {
    const scenarios: Scenario[] = [
      { key: 'bare', label: 'bare Fastify constant route (own process)', path: '/health/live', server: bare },
      { key: 'nestFloor', label: 'Nest floor: GET /health/live', path: '/health/live' },
      { key: 'bareRefusal', label: 'bare Fastify 401 problem+json (own process)', path: '/refused', server: bare },
      {
        key: 'bareAnswerShaped',
        label: "bare Fastify 204 with the check's headers (own process)",
        path: ctx.authorizePath.replace('/v1/authorize', '/answer-shaped'),
        server: bare,
      },
      ...Object.entries(tokens).map(([key, secret]) => ({ key, label: `authorize, ${key} token`, path: ctx.authorizePath, secret })),
    ];
    for (let i = 0; i < ctx.pairs; i++) {
      const measured = await measureInterleaved(ctx, scenarios);
      const row: HotPathResult['pairs'][number] = {};
      for (const { key } of scenarios) {
        const run = measured[key];
        runs.push(run);
        row[key] = { cpuMicros: run.serverCpuMicrosPerRequest, rps: run.requestsPerSecond, p99Ms: run.p99Ms, non2xx: run.non2xx };
      }
      const { bare: floor, bareRefusal, bareAnswerShaped: answerShaped, allowed } = measured;
      ratios.nestFloor.push(over(measured.nestFloor, floor));
      ratios.bareRefusal.push(over(bareRefusal, floor));
      ratios.bareAnswerShaped.push(over(answerShaped, floor));
      overAnswerShaped.push(over(allowed, answerShaped));
      p99.push(allowed.p99Ms);
      for (const name of Object.keys(tokens)) {
        const run = measured[name];
        if (name === 'allowed' ? run.non2xx > 0 : run.non2xx === 0) throw new Error(`authorize with the ${name} token answered wrongly`);
        ratios[name].push(over(run, floor));
        if (name in overRefusal) overRefusal[name].push(over(run, bareRefusal));
        if (name in overAllowed) overAllowed[name].push(over(run, allowed));
      }
      pairs.push(row);
    }
  } finally {
    bare.stop();
  }
  const cpuOverBare = Object.fromEntries(Object.entries(ratios).map(([k, v]) => [k, median(v)])) as HotPathResult['cpuOverBare'];
  const refusalsOverBareRefusal = Object.fromEntries(
    Object.entries(overRefusal).map(([k, v]) => [k, median(v)]),
  ) as HotPathResult['refusalsOverBareRefusal'];
  const refusalsOverAllowed = Object.fromEntries(
    Object.entries(overAllowed).map(([k, v]) => [k, median(v)]),
  ) as HotPathResult['refusalsOverAllowed'];
  return {
    result: {
      cpuOverBare,
      refusalsOverBareRefusal,
      refusalsOverAllowed,
      allowedOverBareAnswerShaped: median(overAnswerShaped),
      allowedP99Ms: p99,
      pairs,
    },
    runs,
  };
}

interface Scenario {
  key: string;
  label: string;
  path: string;
  secret?: string;
  server?: { base: string; pid: number };
}

/**
 * Every scenario of a pair, in ctx.slices rounds of one slice each (the first round warms each up),
 * summed per scenario: CPU per request over all its slices, requests per second over its seconds, the
 * highest p99 of its slices (a p99 cannot be merged; the highest is the one not to flatter).
 */
async function measureInterleaved(ctx: HotPathContext, scenarios: Scenario[]): Promise<Record<string, Measured>> {
  const sliceSeconds = Math.max(1, Math.round(ctx.seconds / ctx.slices));
  const slices: Record<string, Measured[]> = Object.fromEntries(scenarios.map((s) => [s.key, []]));
  for (let round = 0; round < ctx.slices; round++) {
    for (const s of scenarios) {
      slices[s.key].push(await ctx.measure(s.label, s.path, s.secret, { server: s.server, seconds: sliceSeconds, warmUp: round === 0 }));
    }
  }
  return Object.fromEntries(
    scenarios.map(({ key, label }) => {
      const parts = slices[key];
      const requests = parts.reduce((sum, run) => sum + run.requests, 0);
      const cpuMicros = parts.reduce((sum, run) => sum + run.serverCpuMicrosPerRequest * run.requests, 0);
      const summed: Measured = {
        scenario: parts.length > 1 ? `${label}, ${parts.length} slices` : label,
        requests,
        requestsPerSecond: Math.round(requests / (sliceSeconds * parts.length)),
        p50Ms: medianOf(parts.map((run) => run.p50Ms)),
        p99Ms: Math.max(...parts.map((run) => run.p99Ms)),
        non2xx: parts.reduce((sum, run) => sum + run.non2xx, 0),
        serverCpuMicrosPerRequest: round(cpuMicros / Math.max(1, requests), 1),
        dbQueriesPerRequest: round(parts.reduce((sum, run) => sum + run.dbQueriesPerRequest * run.requests, 0) / Math.max(1, requests), 4),
      };
      return [key, summed];
    }),
  );
}

/**
 * The pauses in one of node's --trace-gc lines: the collection's own, and for a mark-compact the
 * longest step of its incremental marking, which also stops the program and which the line's pause
 * figure leaves out. `atMs`: when, in ms since V8 set up its heap (the line's own clock).
 */
export function parseTraceGc(line: string): Array<{ kind: string; pauseMs: number; atMs: number }> {
  // e.g. "[1234:0x5f…]    5123 ms: Scavenge 12.1 (14.3) -> 11.0 (15.3) MB, 0.61 / 0.00 ms  (average mu = …) allocation failure;"
  // or "… ms: Mark-Compact 187.7 (220.7) -> 72.9 (135.0) MB, 11.66 / 0.15 ms  (+ 2.2 ms in 31 steps since start of marking, biggest step 0.2 ms, …"
  const match = /(\d+) ms: ([A-Za-z-]+(?: \([^)]*\))?)[^,]*, ([\d.]+) \/ [\d.]+ ms/.exec(line);
  if (!match) return [];
  const atMs = Number(match[1]);
  // "testing": a collection the program asked for (gc()), such as the service's one at the end of its start.
  const events = [{ kind: / testing; /.test(line) ? `${match[2]} (asked for)` : match[2], pauseMs: Number(match[3]), atMs }];
  const step = /biggest step ([\d.]+) ms/.exec(line);
  if (step) events.push({ kind: 'incremental marking step', pauseMs: Number(step[1]), atMs });
  return events;
}

export interface GcReport {
  seconds: number;
  events: number;
  maxPauseMs: number;
  p50PauseMs: number;
  p99PauseMs: number;
  /** The five longest, longest first: whether the tail is one kind of pause or a few strays. */
  longestPausesMs: number[];
  totalPauseMs: number;
  byKind: Record<string, { events: number; maxPauseMs: number }>;
  pausesOver10Ms: number;
  /** Each pause over 10 ms, and when: seconds into the run. */
  over10Ms: GcEvent[];
}

export interface GcEvent {
  kind: string;
  pauseMs: number;
  atS?: number;
}

export function summariseGc(events: GcEvent[], seconds: number): GcReport {
  const pauses = events.map((e) => e.pauseMs).sort((a, b) => a - b);
  const byKind: GcReport['byKind'] = {};
  for (const e of events) {
    const k = (byKind[e.kind] ??= { events: 0, maxPauseMs: 0 });
    k.events++;
    k.maxPauseMs = Math.max(k.maxPauseMs, e.pauseMs);
  }
  return {
    seconds,
    events: events.length,
    maxPauseMs: pauses.length ? pauses[pauses.length - 1] : 0,
    p50PauseMs: pauses.length ? pauses[Math.floor(pauses.length * 0.5)] : 0,
    p99PauseMs: pauses.length ? pauses[Math.min(pauses.length - 1, Math.floor(pauses.length * 0.99))] : 0,
    longestPausesMs: pauses.slice(-5).reverse(),
    totalPauseMs: round(
      pauses.reduce((a, b) => a + b, 0),
      1,
    ),
    byKind,
    pausesOver10Ms: pauses.filter((p) => p > LONG_PAUSE_MS).length,
    over10Ms: events.filter((e) => e.pauseMs > LONG_PAUSE_MS),
  };
}

/** Issue 21's bound on a GC pause: the report lists each pause over it. */
const LONG_PAUSE_MS = 10;

/**
 * The pauses from `fromMs` up to `toMs` (the trace's clock: ms since V8 set up its heap) summed up, each
 * placed in seconds since `fromMs`. measureGc and bench/profile-check.sh --gc read their traces with it.
 */
export function summariseGcWindow(pauses: Array<{ kind: string; pauseMs: number; atMs: number }>, fromMs: number, toMs: number): GcReport {
  const within = pauses
    .filter((e) => e.atMs >= fromMs && e.atMs < toMs)
    .map((e) => ({ kind: e.kind, pauseMs: e.pauseMs, atS: round((e.atMs - fromMs) / 1000, 1) }));
  return summariseGc(within, round((toMs - fromMs) / 1000, 1));
}

/** The time of one request, from this process (a fresh connection, as after a restart). */
export async function timeOneCheck(base: string, path: string, secret: string): Promise<{ ms: number; status: number }> {
  const started = performance.now();
  const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${secret}` } });
  await res.arrayBuffer();
  return { ms: round(performance.now() - started, 2), status: res.status };
}

export type GcRun = GcReport & {
  coldFirstCheckMs: number;
  secondCheckMs: number;
  /**
   * Every restart's first and second check (--cold-restarts), the GC run's last: one restart alone says
   * little. Then the owner's token, not yet seen by the restarted process, on the same question: what a
   * check of an uncached token costs once the process is warm (its statements, nothing compiled anew).
   */
  coldRestarts: Array<{ firstMs: number; secondMs: number; uncachedOnWarmMs: number; warmMs: number }>;
  checkP99Ms: number;
  checksPerSecond: number;
  /**
   * The pauses before the load: from the start (its warm-up, the tokens learnt without Redis) through the
   * first checks, `seconds` in all; each over 10 ms with its time since the start (atS).
   */
  startUp: GcSpan;
  /** The pauses of the load's warm-up (LOAD_WARM_UP_SECONDS of checks right after those first ones), before the run. */
  loadWarmUp: GcSpan;
};

/** What the report keeps of a span beside the run (GcRun.startUp, GcRun.loadWarmUp). */
export type GcSpan = Pick<GcReport, 'seconds' | 'events' | 'maxPauseMs' | 'over10Ms'>;

const spanOf = ({ seconds, events, maxPauseMs, over10Ms }: GcReport): GcSpan => ({ seconds, events, maxPauseMs, over10Ms });

/** The load's warm-up before the GC run, as before every other run of the bench (bench/run.ts's measure). */
const LOAD_WARM_UP_SECONDS = 2;

/**
 * The first check after a restart, the second, then another token's first (GcRun.coldRestarts), and
 * what this client takes for a warm check (`warmMs`, the median of the next WARM_CHECKS): the part of
 * each figure that is the client's fetch and the round trip, not the service's work.
 */
async function checksAfterRestart(ctx: HotPathContext): Promise<GcRun['coldRestarts'][number]> {
  const cold = await timeOneCheck(ctx.base, ctx.authorizePath, ctx.allowedToken);
  const second = await timeOneCheck(ctx.base, ctx.authorizePath, ctx.allowedToken);
  const other = await timeOneCheck(ctx.base, ctx.authorizePath, ctx.ownerToken);
  const warm: number[] = [];
  for (let i = 0; i < WARM_CHECKS; i++) warm.push((await timeOneCheck(ctx.base, ctx.authorizePath, ctx.allowedToken)).ms);
  if (cold.status !== 204 || second.status !== 204 || other.status !== 204)
    throw new Error(`the checks after the restart answered ${cold.status}, ${second.status}, ${other.status}`);
  return { firstMs: cold.ms, secondMs: second.ms, uncachedOnWarmMs: other.ms, warmMs: medianOf(warm) };
}

/** Warm checks timed after each restart's first ones (checksAfterRestart). */
const WARM_CHECKS = 9;

/**
 * The service restarted under --trace-gc: the first check after the restart (nothing cached, nothing
 * compiled, a new connection), the second, then `seconds` of allowed checks with every pause counted.
 * `coldRestarts` - 1 plain restarts come first, each timed the same way.
 *
 * The trace goes to a file, not the pipe the harness reads: the load generator runs synchronously here,
 * so nothing reads that pipe during the load, and V8 drops the lines a full pipe does not take (runs
 * before this read 10 s of a 30 s run's lines and lost the rest; LatchkeyOptions.stdoutFile). The lines
 * reach the file late (C's buffer), so each pause is placed by its own timestamp, against the service's
 * age at each boundary (processAgeMs), and read once the service has stopped and flushed. Pauses before
 * the load (the start, its warm-up, the first checks) and during the load's warm-up are reported apart
 * (`startUp`, `loadWarmUp`).
 */
export async function measureGc(ctx: HotPathContext, seconds: number, coldRestarts = 1): Promise<{ gc: GcRun; run: Measured }> {
  const restarts: GcRun['coldRestarts'] = [];
  for (let i = 1; i < coldRestarts; i++) {
    await ctx.restart();
    restarts.push(await checksAfterRestart(ctx));
  }
  const folder = mkdtempSync(join(tmpdir(), 'latchkey-bench-gc-'));
  const trace = join(folder, 'stdout.log');
  try {
    await ctx.restart({ nodeArgs: ['--trace-gc'], stdoutFile: trace });
    const checks = await checksAfterRestart(ctx);
    restarts.push(checks);
    const startedLoadAtMs = processAgeMs(ctx.servicePid());
    // The load's warm-up (the first seconds of traffic on a restarted process, its code still being
    // compiled) is timed apart from the run, as every other figure of the bench is.
    await ctx.measure(`authorize, the load's warm-up under --trace-gc`, ctx.authorizePath, ctx.allowedToken, {
      seconds: LOAD_WARM_UP_SECONDS,
      warmUp: false,
    });
    const runFromMs = processAgeMs(ctx.servicePid());
    const run = await ctx.measure(`authorize for ${seconds} s under --trace-gc`, ctx.authorizePath, ctx.allowedToken, {
      seconds,
      warmUp: false,
    });
    const runToMs = processAgeMs(ctx.servicePid());
    // Without /proc every pause would fall outside the windows and the run would read as pause-free.
    if (![startedLoadAtMs, runFromMs, runToMs].every(Number.isFinite))
      throw new Error("the service's age is not known (/proc): GC pauses cannot be placed");
    // Stopped (and started again without the trace, as the next scenario expects): C's buffer is flushed at exit.
    await ctx.restart();
    const pauses = readFileSync(trace, 'utf8').split('\n').flatMap(parseTraceGc);
    return {
      gc: {
        ...summariseGcWindow(pauses, runFromMs, runToMs),
        startUp: spanOf(summariseGcWindow(pauses, 0, startedLoadAtMs)),
        loadWarmUp: spanOf(summariseGcWindow(pauses, startedLoadAtMs, runFromMs)),
        coldFirstCheckMs: checks.firstMs,
        secondCheckMs: checks.secondMs,
        coldRestarts: restarts,
        checkP99Ms: run.p99Ms,
        checksPerSecond: run.requestsPerSecond,
      },
      run,
    };
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/** The shapes a platform reaches, by SQL: the owner in `workspaces` more workspaces, an API user granted `devices` devices, `members` members. */
async function fillShapes(
  ctx: HotPathContext,
  counts: { workspaces: number; devices: number; members: number },
): Promise<{ grantedToken: string; grantedPath: string }> {
  const auth = { authorization: `Bearer ${ctx.ownerToken}`, 'content-type': 'application/json' };
  const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${ctx.base}${path}`, { method, headers: auth, body: body === undefined ? undefined : JSON.stringify(body) });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const roles = await api<{ items: Array<{ id: string; name: string }> }>('GET', `/v1/workspaces/${ctx.workspaceId}/roles`);
  const viewer = roles.items.find((r) => r.name === 'viewer')?.id ?? '';
  const granted = await api<{ apiUser: { id: string }; token: { secret: string } }>('POST', `/v1/workspaces/${ctx.workspaceId}/api-users`, {
    name: 'Bench granted bot',
    roleIds: [viewer],
    deviceAccess: { mode: 'selected', deviceIds: [] },
  });
  let lastDevice = '';
  await ctx.target.withSql(async (sql) => {
    const q = (text: string, params?: unknown[]) => sql.query(text, params) as Promise<Array<Record<string, string>>>;
    const [{ id: ownerId }] = await q('SELECT u.id FROM users u WHERE u.email = $1', [ctx.ownerEmail]);
    const tag = randomBytes(4).toString('hex');
    await q(
      `WITH w AS (INSERT INTO workspaces (id, name, slug, created_at, updated_at)
                  SELECT gen_random_uuid(), 'Scale ' || i, 'scale-' || $2 || '-' || i, now(), now() FROM generate_series(1, $1) i RETURNING id),
            r AS (INSERT INTO roles (id, workspace_id, name, permissions, created_at, updated_at)
                  SELECT gen_random_uuid(), w.id, 'scale', '{measurements:read}', now(), now() FROM w RETURNING id, workspace_id),
            m AS (INSERT INTO memberships (id, workspace_id, user_id, device_access, created_at, updated_at)
                  SELECT gen_random_uuid(), w.id, $3, 'all', now(), now() FROM w RETURNING id, workspace_id)
       INSERT INTO membership_roles (workspace_id, membership_id, role_id) SELECT m.workspace_id, m.id, r.id FROM m JOIN r USING (workspace_id)`,
      [counts.workspaces, tag, ownerId],
    );
    const devices = await q(
      `INSERT INTO devices (id, workspace_id, name, serial, metadata, created_at, updated_at)
       SELECT gen_random_uuid(), $1, 'Granted ' || i, 'GR-' || $3 || '-' || i, '{}', now(), now() FROM generate_series(1, $2) i RETURNING id`,
      [ctx.workspaceId, counts.devices, tag],
    );
    lastDevice = devices[devices.length - 1].id;
    await q(
      `INSERT INTO membership_devices (workspace_id, membership_id, device_id)
       SELECT $1, m.id, d.id FROM memberships m, devices d
        WHERE m.workspace_id = $1 AND m.api_user_id = $2 AND d.workspace_id = $1 AND d.serial LIKE 'GR-' || $3 || '-%'`,
      [ctx.workspaceId, granted.apiUser.id, tag],
    );
    await fillWorkspace(
      (text, params) => sql.query(text, params),
      { id: ctx.workspaceId, viewerRoleId: viewer },
      {
        members: counts.members,
        devices: 0,
        apiUsers: 0,
      },
    );
    await q('ANALYZE');
  });
  return {
    grantedToken: granted.token.secret,
    grantedPath: `/v1/authorize?workspaceId=${ctx.workspaceId}&permission=measurements:read&deviceId=${lastDevice}`,
  };
}

export interface AtScaleResult {
  shapes: { workspaces: number; grantedDevices: number; members: number };
  tokensLow: number;
  tokensHigh: number;
  /** Each round: per check, the median over its pairs of CPU µs per request over the bare floor's. */
  rounds: Record<string, Record<string, number>>;
  /** The goals: each a ratio of medians (1 = no change). */
  ratios: {
    plainAfterShapesOverBefore: number;
    ownerWith1000WorkspacesOverBefore: number;
    grantOf10000DevicesOverPlain: number;
    plainAtHighOverLow: number;
  };
  gc: GcRun;
  cacheHeapMiBPer100kTokens: number;
  /** Every run's figures, by round. */
  runs: Record<string, Array<Record<string, { cpuMicros: number; rps: number; p99Ms: number }>>>;
}

export async function measureAtScale(
  ctx: HotPathContext,
  options: { tokensLow: number; tokensHigh: number; gcSeconds: number; cachedTokens: number },
): Promise<{ result: AtScaleResult; runs: Measured[] }> {
  const shapes = { workspaces: 999, devices: 10_000, members: 10_000 };
  const allRuns: Measured[] = [];
  const rounds: AtScaleResult['rounds'] = {};
  const runsByRound: AtScaleResult['runs'] = {};
  let bare = await startBareFastify(ctx.root);
  const round = async (name: string, checks: Record<string, { path: string; secret: string }>) => {
    const ratios: Record<string, number[]> = {};
    runsByRound[name] = [];
    for (let i = 0; i < ctx.pairs; i++) {
      // The floor and the checks of a pair interleaved in --slices rounds (one round: one after the other).
      const measured = await measureInterleaved(ctx, [
        { key: 'bare', label: `bare Fastify (${name})`, path: '/health/live', server: bare },
        ...Object.entries(checks).map(([check, { path, secret }]) => ({
          key: check,
          label: `authorize, ${check} (${name})`,
          path,
          secret,
        })),
      ]);
      const floor = measured.bare;
      const row: Record<string, { cpuMicros: number; rps: number; p99Ms: number }> = {
        bare: { cpuMicros: floor.serverCpuMicrosPerRequest, rps: floor.requestsPerSecond, p99Ms: floor.p99Ms },
      };
      allRuns.push(floor);
      for (const check of Object.keys(checks)) {
        const run = measured[check];
        if (run.non2xx > 0) throw new Error(`${check} (${name}) was refused ${run.non2xx} times`);
        allRuns.push(run);
        row[check] = { cpuMicros: run.serverCpuMicrosPerRequest, rps: run.requestsPerSecond, p99Ms: run.p99Ms };
        (ratios[check] ??= []).push(over(run, floor));
      }
      runsByRound[name].push(row);
    }
    rounds[name] = Object.fromEntries(Object.entries(ratios).map(([k, v]) => [k, median(v)]));
    return rounds[name];
  };
  const plain = { path: ctx.authorizePath, secret: ctx.allowedToken };
  const owner = { path: ctx.authorizePath, secret: ctx.ownerToken };
  try {
    const before = await round(`${options.tokensLow} tokens, before the shapes`, { plain, owner });
    const { grantedToken, grantedPath } = await fillShapes(ctx, shapes);
    const granted = { path: grantedPath, secret: grantedToken };
    const after = await round(`${options.tokensLow} tokens, with the shapes`, { plain, owner, granted });
    bare.stop();
    await ctx.seedTokens(options.tokensHigh);
    const { gc } = await measureGc(ctx, options.gcSeconds);
    bare = await startBareFastify(ctx.root);
    const high = await round(`${options.tokensHigh} tokens, with the shapes`, { plain, owner, granted });
    const cacheHeapMiBPer100kTokens = await cacheHeapPer100k(ctx, options.cachedTokens);
    return {
      result: {
        shapes: { workspaces: shapes.workspaces + 1, grantedDevices: shapes.devices, members: shapes.members },
        tokensLow: options.tokensLow,
        tokensHigh: options.tokensHigh,
        rounds,
        ratios: {
          plainAfterShapesOverBefore: round3(after.plain / before.plain),
          ownerWith1000WorkspacesOverBefore: round3(after.owner / before.owner),
          grantOf10000DevicesOverPlain: round3(after.granted / after.plain),
          plainAtHighOverLow: round3(high.plain / after.plain),
        },
        gc,
        cacheHeapMiBPer100kTokens,
        runs: runsByRound,
      },
      runs: allRuns,
    };
  } finally {
    bare.stop();
  }
}

const round3 = (value: number) => round(value, 3);

/**
 * The heap `count` more cached tokens take, per 100,000: live named tokens of the owner go in by SQL,
 * each is checked once (so its credential is cached), and the heap is sampled before and after, each
 * time after a pause for the collector.
 */
async function cacheHeapPer100k(ctx: HotPathContext, count: number): Promise<number> {
  const secrets = Array.from({ length: count }, () => generateToken('lkp_'));
  await ctx.target.withSql(async (sql) => {
    for (let from = 0; from < secrets.length; from += 10_000) {
      const part = secrets.slice(from, from + 10_000);
      await sql.query(
        `INSERT INTO tokens (id, kind, user_id, name, token_hash, hint, scopes, created_at)
         SELECT gen_random_uuid(), 'named', u.id, 'cached', h.hash, h.hint, '{*}', now()
           FROM users u, unnest($2::text[], $3::text[]) AS h(hash, hint) WHERE u.email = $1`,
        [ctx.ownerEmail, part.map(hashToken), part.map(tokenHint)],
      );
    }
  });
  const settledHeap = async () => {
    await new Promise((resolve) => setTimeout(resolve, 3000));
    return ctx.metric('latchkey_nodejs_heap_size_used_bytes');
  };
  const before = await settledHeap();
  let next = 0;
  const worker = async () => {
    while (next < secrets.length) {
      const res = await fetch(`${ctx.base}${ctx.authorizePath}`, { headers: { authorization: `Bearer ${secrets[next++]}` } });
      await res.arrayBuffer();
      if (res.status !== 204) throw new Error(`caching tokens: ${res.status}`);
    }
  };
  await Promise.all(Array.from({ length: 20 }, worker));
  const after = await settledHeap();
  return round(((after - before) / 1024 / 1024) * (100_000 / count), 1);
}
