// What every bench shares: the load generator (autocannon, its own process) and core pinning, so the
// server under test and the load never compete for one core.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');

const cores = Number(execFileSync('nproc').toString().trim());
export const hasTaskset = (() => {
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
    return cores >= 2;
  } catch {
    return false;
  }
})();
export const pinning = hasTaskset ? 'server on core 0, load on core 1' : 'not pinned';

/** [command, argv] that runs node with `args` on core 0 where it can. */
export function serverCommand(args: string[]): [string, string[]] {
  return hasTaskset ? ['taskset', ['-c', '0', process.execPath, ...args]] : [process.execPath, args];
}

export interface LoadResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
  errors: number;
}

/** autocannon's JSON report of `seconds` of load at `connections`, from core 1. */
export function autocannon(url: string, headers: Record<string, string>, seconds: number, connections: number): LoadResult {
  const bin = join(ROOT, 'node_modules/.bin/autocannon');
  const headerArgs = Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}=${v}`]);
  const argv = ['-c', String(connections), '-d', String(seconds), '-j', ...headerArgs, url];
  const out = hasTaskset ? execFileSync('taskset', ['-c', '1', bin, ...argv], { maxBuffer: 1 << 26 }) : execFileSync(bin, argv, { maxBuffer: 1 << 26 });
  const run = JSON.parse(out.toString());
  return {
    requestsPerSecond: Math.round(run.requests.average),
    p50Ms: run.latency.p50,
    p99Ms: run.latency.p99,
    requests: run.requests.total,
    non2xx: run.non2xx,
    errors: run.errors,
  };
}

export async function waitUntilUp(url: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}
