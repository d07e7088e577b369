// What the benches add to the harness (harness/): the load generator, autocannon in its own process on
// core 1, away from the server under test on core 0.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { pinned } from '../harness/cores';

export const ROOT = join(__dirname, '..', '..');

export interface LoadResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
  errors: number;
}

/** autocannon's JSON report of `seconds` of load at `connections`, from core 1; a GET unless `post` gives a JSON body. */
export function autocannon(
  url: string,
  headers: Record<string, string>,
  seconds: number,
  connections: number,
  post?: { json: unknown },
): LoadResult {
  const bin = join(ROOT, 'node_modules/.bin/autocannon');
  const allHeaders = post ? { ...headers, 'content-type': 'application/json' } : headers;
  const headerArgs = Object.entries(allHeaders).flatMap(([k, v]) => ['-H', `${k}=${v}`]);
  const bodyArgs = post ? ['-m', 'POST', '-b', JSON.stringify(post.json)] : [];
  const argv = ['-c', String(connections), '-d', String(seconds), '-j', ...headerArgs, ...bodyArgs, url];
  const { command, args } = pinned(1, [bin, ...argv]);
  const out = execFileSync(command, args, { maxBuffer: 1 << 26 });
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
