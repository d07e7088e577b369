// npm run cluster [-- --instances 3] [--keep]: the deployment of deploy/ on this machine (harness/cluster.ts),
// up until Ctrl-C. Prints where each part listens; logs and rendered configs are in the run folder.
import { join } from 'node:path';
import { clusterUnavailableReason, LocalCluster } from './cluster';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const instances = args.includes('--instances') ? Number(args[args.indexOf('--instances') + 1]) : 3;
  if (!(instances >= 1 && instances <= 3)) throw new Error('--instances takes 1, 2 or 3');
  const reason = clusterUnavailableReason();
  if (reason) throw new Error(`the local cluster cannot run here: ${reason}`);
  const started = Date.now();
  const cluster = await LocalCluster.start({
    root: join(__dirname, '..', '..'),
    instances,
    keep: args.includes('--keep'),
    onStep: (step) => console.log(`  ${step}`),
  });
  const primary = await cluster.primary();
  console.log(`Latchkey cluster up in ${((Date.now() - started) / 1000).toFixed(1)} s (folder ${cluster.dir})`);
  console.log(`  nginx        ${cluster.url}`);
  cluster.latchkey.forEach((l, i) => console.log(`  latchkey-${i + 1}   ${l.baseUrl}`));
  console.log(`  pgbouncer    ${cluster.pooledUrl}`);
  console.log(`  haproxy      ${cluster.directUrl} (primary: ${primary?.name ?? 'none'})`);
  cluster.nodes.forEach((n) => console.log(`  ${n.name}          postgres on ${n.pgPort}, Patroni REST on ${n.restPort}`));
  console.log(`  redis        redis://127.0.0.1:${cluster.ports.redis}`);
  console.log('Ctrl-C stops it all.');
  const stop = () => void cluster.stop().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
