// npm run bench:adapters [-- --duration 10 --connections 50]
// Express or Fastify under Nest, measured in one run on this machine: the same minimal app
// (bench/adapter-server.ts) on each adapter, a plain JSON route and a bearer-guarded 204, with
// autocannon from a separate process on the other core. Writes bench/results/<date>-adapters.json.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pinned, pinning } from '../harness/cores';
import { autocannon, LoadResult, ROOT, waitUntilUp } from './load';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const DURATION = flag('duration', 10);
const CONNECTIONS = flag('connections', 50);
const PORT = 3950;
const TOKEN = 'lka_benchAdapterToken0000000000000000000000';

async function measureAdapter(adapter: 'express' | 'fastify'): Promise<Record<'plain' | 'checked', LoadResult>> {
  const { command, args: argv } = pinned(0, [process.execPath, join(ROOT, 'build/bench/adapter-server.js'), adapter, String(PORT), TOKEN]);
  const child = spawn(command, argv, { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, NODE_ENV: 'production' } });
  try {
    await waitUntilUp(`http://127.0.0.1:${PORT}/plain`, 30_000);
    const run = (path: string, headers: Record<string, string> = {}) => {
      autocannon(`http://127.0.0.1:${PORT}${path}`, headers, 2, CONNECTIONS); // warm-up
      return autocannon(`http://127.0.0.1:${PORT}${path}`, headers, DURATION, CONNECTIONS);
    };
    return { plain: run('/plain'), checked: run('/checked', { authorization: `Bearer ${TOKEN}` }) };
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
}

async function main(): Promise<void> {
  const started = new Date();
  const express = await measureAdapter('express');
  const fastify = await measureAdapter('fastify');
  const line = (label: string, r: LoadResult) =>
    console.log(
      label.padEnd(36),
      String(r.requestsPerSecond).padStart(8),
      String(r.p50Ms).padStart(8),
      String(r.p99Ms).padStart(8),
      String(r.non2xx + r.errors).padStart(8),
    );
  console.log(`\nNest adapters — ${CONNECTIONS} connections, ${DURATION} s each, ${pinning}\n`);
  console.log('route'.padEnd(36), 'req/s'.padStart(8), 'p50 ms'.padStart(8), 'p99 ms'.padStart(8), 'failed'.padStart(8));
  line('express: GET /plain', express.plain);
  line('express: GET /checked (bearer guard)', express.checked);
  line('fastify: GET /plain', fastify.plain);
  line('fastify: GET /checked (bearer guard)', fastify.checked);
  const ratio = (a: LoadResult, b: LoadResult) => Number((a.requestsPerSecond / b.requestsPerSecond).toFixed(2));
  const summary = {
    date: started.toISOString(),
    node: process.version,
    connections: CONNECTIONS,
    durationSeconds: DURATION,
    pinned: pinning,
    express,
    fastify,
    fastifyOverExpress: { plain: ratio(fastify.plain, express.plain), checked: ratio(fastify.checked, express.checked) },
  };
  console.log(`\nfastify / express: plain ${summary.fastifyOverExpress.plain}×, guarded ${summary.fastifyOverExpress.checked}×`);
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  const file = join(ROOT, 'bench/results', `${started.toISOString().replace(/[:.]/g, '-')}-adapters.json`);
  writeFileSync(file, `${JSON.stringify(summary, null, 2)}\n`);
  console.log(`written to ${file}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
