// The token check against the HTTP stack's own floor (issue 21), hooked from bench/run.ts:
//   --only hotpath   per pair: a bare Fastify server (bench/bare-fastify.ts, its own process, pinned to
//                    the service's core), Latchkey's Nest floor, then /v1/authorize with an allowed,
//                    a malformed, a well-formed unknown, a revoked and an expired token. Ratios are each
//                    run's service CPU per request over the bare server's in the same pair.
//   --only gc        the service restarted under --trace-gc: the first check after the restart (cold),
//                    then --gc-seconds (60) of allowed checks; every pause is parsed from node's output.
// Profiles: LATCHKEY_BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=…" and scripts/cpu-profile-top.ts.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { generateToken, hashToken, tokenHint } from '../src/auth/token-format';
import { pinned } from '../harness/cores';
import type { DatabaseTarget } from '../harness/fresh-database';
import { freePort } from '../harness/ports';
import { median as medianOf, round } from '../harness/sample-stats';
import { waitUntilUp } from './load';

/** What bench/run.ts's measure() returns, as far as this file reads it. */
export interface Measured {
  scenario: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  serverCpuMicrosPerRequest: number;
}

export type Measure = (scenario: string, path: string, secret?: string, server?: { base: string; pid: number }) => Promise<Measured>;

export interface HotPathContext {
  root: string;
  target: DatabaseTarget;
  measure: Measure;
  pairs: number;
  authorizePath: string;
  ownerEmail: string;
  allowedToken: string;
  revokedToken: string;
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
  cpuOverBare: { nestFloor: number; allowed: number; malformed: number; unknown: number; revoked: number; expired: number };
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
  const ratios: Record<string, number[]> = { nestFloor: [], allowed: [], malformed: [], unknown: [], revoked: [], expired: [] };
  const p99: number[] = [];
  try {
    for (let i = 0; i < ctx.pairs; i++) {
      const floor = await ctx.measure('bare Fastify constant route (own process)', '/health/live', undefined, bare);
      const nest = await ctx.measure('Nest floor: GET /health/live', '/health/live');
      const row: HotPathResult['pairs'][number] = {};
      const note = (name: string, run: Measured) => {
        runs.push(run);
        row[name] = { cpuMicros: run.serverCpuMicrosPerRequest, rps: run.requestsPerSecond, p99Ms: run.p99Ms, non2xx: run.non2xx };
      };
      note('bare', floor);
      note('nestFloor', nest);
      ratios.nestFloor.push(over(nest, floor));
      for (const [name, secret] of Object.entries(tokens)) {
        const run = await ctx.measure(`authorize, ${name} token`, ctx.authorizePath, secret);
        if (name === 'allowed' ? run.non2xx > 0 : run.non2xx === 0) throw new Error(`authorize with the ${name} token answered wrongly`);
        note(name, run);
        ratios[name].push(over(run, floor));
        if (name === 'allowed') p99.push(run.p99Ms);
      }
      pairs.push(row);
    }
  } finally {
    bare.stop();
  }
  const cpuOverBare = Object.fromEntries(Object.entries(ratios).map(([k, v]) => [k, median(v)])) as HotPathResult['cpuOverBare'];
  return { result: { cpuOverBare, allowedP99Ms: p99, pairs }, runs };
}

/** One GC event from node's --trace-gc line: its kind and pause in ms. */
export function parseTraceGc(line: string): { kind: string; pauseMs: number } | null {
  // e.g. "[1234:0x5f…]    5123 ms: Scavenge 12.1 (14.3) -> 11.0 (15.3) MB, 0.61 / 0.00 ms  (average mu = …) allocation failure;"
  const match = /\d+ ms: ([A-Za-z-]+(?: \([^)]*\))?)[^,]*, ([\d.]+) \/ [\d.]+ ms/.exec(line);
  return match ? { kind: match[1], pauseMs: Number(match[2]) } : null;
}

export interface GcReport {
  seconds: number;
  events: number;
  maxPauseMs: number;
  p99PauseMs: number;
  totalPauseMs: number;
  byKind: Record<string, { events: number; maxPauseMs: number }>;
  pausesOver10Ms: number;
}

export function summariseGc(events: Array<{ kind: string; pauseMs: number }>, seconds: number): GcReport {
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
    p99PauseMs: pauses.length ? pauses[Math.min(pauses.length - 1, Math.floor(pauses.length * 0.99))] : 0,
    totalPauseMs: round(
      pauses.reduce((a, b) => a + b, 0),
      1,
    ),
    byKind,
    pausesOver10Ms: pauses.filter((p) => p > 10).length,
  };
}

/** The time of one request, from this process (a fresh connection, as after a restart). */
export async function timeOneCheck(base: string, path: string, secret: string): Promise<{ ms: number; status: number }> {
  const started = performance.now();
  const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${secret}` } });
  await res.arrayBuffer();
  return { ms: round(performance.now() - started, 2), status: res.status };
}
