// npm run bench -- --only instances [--duration 10] [--connections 50] (or node build/bench/instances.js):
// issue 20's cost as the work grows. The deployment of deploy/ on this machine (harness/cluster.ts:
// nginx, PgBouncer in transaction mode, HAProxy, a Patroni pair, Redis), with nginx sending the checks
// to 1, then 2, then 3 Latchkey instances: authorize req/s, CPU per check (Latchkey's, each shared part's
// and the machine's), PostgreSQL transactions and Redis commands per check, so a shared part that grows
// with the checks shows. Then the caches' memory per 100,000 tokens on one instance.
// Two cores: more instances cannot add throughput here; what must hold is that nothing shared costs
// more per check as instances are added.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Redis from 'ioredis';
import { generateToken, hashToken, tokenHint } from '../src/auth/token-format';
import { ApiClient } from '../harness/api-client';
import { clusterUnavailableReason, LocalCluster } from '../harness/cluster';
import { cpuSeconds, machineBusySeconds, treeCpuSeconds } from '../harness/process-cpu';
import { round } from '../harness/sample-stats';
import { seedApiUser, seedOwner } from '../harness/seed';
import { autocannon, ROOT } from './load';

const METRICS_KEY = 'bench-instances-metrics-key-0123456789abcdef';
const TOKENS_FOR_MEMORY = 100_000;

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

interface Row {
  instances: number;
  requestsPerSecond: number;
  p99Ms: number;
  non2xx: number;
  latchkeyCpuUsPerCheck: number;
  nginxCpuUsPerCheck: number;
  pgbouncerCpuUsPerCheck: number;
  redisCpuUsPerCheck: number;
  machineCpuUsPerCheck: number;
  postgresTransactionsPerCheck: number;
  redisCommandsPerCheck: number;
}

export async function benchInstances(): Promise<void> {
  const reason = clusterUnavailableReason();
  if (reason) {
    console.log(`instances: skipped, ${reason}`);
    return;
  }
  const seconds = flag('--duration', 10);
  const connections = flag('--connections', 50);
  const cluster = await LocalCluster.start({
    root: ROOT,
    instances: 3,
    latchkeyEnv: {
      LATCHKEY_METRICS_TOKEN: METRICS_KEY,
      // Counting on (in memory, synced to Redis every 100 ms), never refusing: its Redis cost is measured.
      LATCHKEY_RATE_LIMIT_PER_TOKEN: '100000000',
      LATCHKEY_CACHE_TTL_SECONDS: '300',
    },
    onStep: (step) => console.log(`  cluster: ${step}`),
  });
  const redis = new Redis(`redis://127.0.0.1:${cluster.ports.redis}`);
  try {
    const api = new ApiClient(cluster.url);
    const owner = await seedOwner(api);
    const bot = await seedApiUser(api, owner);
    const path = `/v1/authorize?workspaceId=${owner.workspaceId}&permission=measurements:read&deviceId=${bot.deviceId}`;
    const headers = { authorization: `Bearer ${bot.token}` };
    const transactions = async () =>
      Number(
        (await cluster.superuserQuery<{ n: string }>(`SELECT xact_commit::text AS n FROM pg_stat_database WHERE datname = 'latchkey'`))[0]
          .n,
      );
    const redisCommands = async () => Number(/total_commands_processed:(\d+)/.exec(await redis.info('stats'))?.[1]);
    const rows: Row[] = [];
    for (const count of [1, 2, 3]) {
      await cluster.useInstances(count);
      autocannon(`${cluster.url}${path}`, headers, 2, connections); // warm-up: caches, connections
      const latchkey = () => cluster.latchkey.reduce((sum, l) => sum + cpuSeconds(l.pid), 0);
      const before = {
        latchkey: latchkey(),
        nginx: treeCpuSeconds(cluster.nginx.pid),
        pgbouncer: treeCpuSeconds(cluster.pgbouncer.pid),
        redis: cpuSeconds(cluster.redis.pid),
        machine: machineBusySeconds(),
        transactions: await transactions(),
        commands: await redisCommands(),
      };
      const load = autocannon(`${cluster.url}${path}`, headers, seconds, connections);
      const perCheck = (after: number, start: number) => round(((after - start) * 1e6) / load.requests, 1);
      rows.push({
        instances: count,
        requestsPerSecond: load.requestsPerSecond,
        p99Ms: load.p99Ms,
        non2xx: load.non2xx,
        latchkeyCpuUsPerCheck: perCheck(latchkey(), before.latchkey),
        nginxCpuUsPerCheck: perCheck(treeCpuSeconds(cluster.nginx.pid), before.nginx),
        pgbouncerCpuUsPerCheck: perCheck(treeCpuSeconds(cluster.pgbouncer.pid), before.pgbouncer),
        redisCpuUsPerCheck: perCheck(cpuSeconds(cluster.redis.pid), before.redis),
        machineCpuUsPerCheck: perCheck(machineBusySeconds(), before.machine),
        postgresTransactionsPerCheck: round(((await transactions()) - before.transactions) / load.requests, 4),
        redisCommandsPerCheck: round(((await redisCommands()) - before.commands) / load.requests, 4),
      });
      console.log(`  ${count} instance(s): ${JSON.stringify(rows.at(-1))}`);
    }
    const memory = await cacheMemoryPer100kTokens(cluster, owner.userId, path);
    printAndKeep(rows, memory, seconds, connections);
  } finally {
    redis.disconnect();
    await cluster.stop();
  }
}

/**
 * Heap of instance 1 before and after checking 100,000 distinct tokens through it once each (each then
 * cached: its credential and its access row), after a forced collection each time; the tokens go in by SQL.
 */
async function cacheMemoryPer100kTokens(cluster: LocalCluster, userId: string, path: string): Promise<{ heapMiB: number; rssMiB: number }> {
  const instance = cluster.latchkey[0];
  const secrets = Array.from({ length: TOKENS_FOR_MEMORY }, () => generateToken('lkp_'));
  for (let from = 0; from < secrets.length; from += 5000) {
    const part = secrets.slice(from, from + 5000);
    await cluster.superuserQuery(
      `INSERT INTO tokens (id, kind, user_id, name, token_hash, hint, scopes, created_at)
       SELECT gen_random_uuid(), 'named', $1, 'cached', h.hash, h.hint, '{*}', now() FROM unnest($2::text[], $3::text[]) AS h(hash, hint)`,
      [userId, part.map(hashToken), part.map(tokenHint)],
      'latchkey',
    );
  }
  const heap = async () => {
    const text = await (await fetch(`${instance.baseUrl}/metrics`, { headers: { authorization: `Bearer ${METRICS_KEY}` } })).text();
    return Number(/^latchkey_nodejs_heap_size_used_bytes (\S+)/m.exec(text)?.[1]) / 2 ** 20;
  };
  const settle = () => new Promise((r) => setTimeout(r, 3000));
  await settle();
  const before = { heap: await heap(), rss: instance.rssMiB() };
  let next = 0;
  const worker = async () => {
    while (next < secrets.length) {
      const res = await fetch(`${instance.baseUrl}${path}`, { headers: { authorization: `Bearer ${secrets[next++]}` } });
      if (res.status !== 204) throw new Error(`checking the cached tokens: ${res.status}`);
    }
  };
  await Promise.all(Array.from({ length: 20 }, worker));
  await settle();
  return { heapMiB: round((await heap()) - before.heap, 1), rssMiB: round(instance.rssMiB() - before.rss, 1) };
}

function printAndKeep(rows: Row[], memory: { heapMiB: number; rssMiB: number }, seconds: number, connections: number): void {
  console.log(`\nauthorize through nginx, ${connections} connections, ${seconds} s each (CPU in µs per check)`);
  console.log('instances  req/s   p99 ms  latchkey  nginx  pgbouncer  redis  machine  pg xact/check  redis cmd/check');
  for (const r of rows) {
    console.log(
      [
        String(r.instances).padEnd(10),
        String(r.requestsPerSecond).padEnd(7),
        String(r.p99Ms).padEnd(7),
        String(r.latchkeyCpuUsPerCheck).padEnd(9),
        String(r.nginxCpuUsPerCheck).padEnd(6),
        String(r.pgbouncerCpuUsPerCheck).padEnd(10),
        String(r.redisCpuUsPerCheck).padEnd(6),
        String(r.machineCpuUsPerCheck).padEnd(8),
        String(r.postgresTransactionsPerCheck).padEnd(14),
        String(r.redisCommandsPerCheck),
      ].join(' '),
    );
  }
  console.log(
    `caches' memory per ${TOKENS_FOR_MEMORY} tokens checked once on one instance: heap +${memory.heapMiB} MiB, RSS +${memory.rssMiB} MiB`,
  );
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}-instances.json`);
  writeFileSync(
    file,
    `${JSON.stringify({ date: new Date().toISOString(), seconds, connections, rows, cacheMemoryPer100kTokens: memory }, null, 2)}\n`,
  );
  console.log(`kept in ${file}`);
}

if (require.main === module) {
  benchInstances().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  });
}
