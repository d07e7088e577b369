// The scale-out deployment of deploy/ (issue 20), started on one machine from Debian's packages: etcd,
// two Patroni nodes (a primary and a synchronous standby), HAProxy to the current primary, PgBouncer in
// transaction mode, a Redis of its own, up to three Latchkey instances and nginx in front. Everything
// listens on 127.0.0.1 on free ports, lives in one temporary folder, and is killed at exit whatever
// happens. The configs are deploy/'s own, their ${NAME} placeholders filled in here (renderTemplate).
// reliability/cluster.ts kills its parts; bench/instances.ts measures 1, 2 and 3 instances; the same
// shape is docker-compose.yml's "cluster" profile.
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { onExit } from './cleanup';
import { LatchkeyProcess } from './latchkey-process';
import { freePort } from './ports';

/** The Debian packages the cluster needs, and the binaries that show they are installed. */
export const CLUSTER_PACKAGES = ['etcd-server', 'patroni', 'haproxy', 'pgbouncer', 'nginx-light', 'redis-server', 'postgresql'];
const BINARIES = ['etcd', 'patroni', 'haproxy', 'pgbouncer', 'nginx', 'redis-server'];

/** Why the cluster cannot run here (a binary missing, not root), or null when it can. */
export function clusterUnavailableReason(): string | null {
  if (process.platform !== 'linux') return 'the local cluster runs on Linux only';
  if (process.getuid?.() !== 0) return 'the local cluster runs as root (PostgreSQL and PgBouncer then run as the postgres user)';
  const missing = BINARIES.filter((bin) => !which(bin));
  if (missing.length > 0) return `not installed: ${missing.join(', ')} (apt-get install ${CLUSTER_PACKAGES.join(' ')})`;
  if (!postgresBin()) return 'no PostgreSQL server binaries under /usr/lib/postgresql';
  return null;
}

function which(bin: string): string | null {
  for (const dir of ['/usr/sbin', '/usr/bin', '/usr/local/bin', '/usr/local/sbin']) if (existsSync(join(dir, bin))) return join(dir, bin);
  return null;
}

function postgresBin(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'postgres')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length > 0 ? join(root, versions[0], 'bin') : null;
}

/** Fills in `${NAME}` placeholders (upper case, digits, _); a name without a value is an error, not an empty string. */
export function renderTemplate(text: string, values: Record<string, string | number>): string {
  return text.replace(/\$\{([A-Z][A-Z0-9_]*)\}/g, (_, name: string) => {
    if (!(name in values)) throw new Error(`no value for \${${name}}`);
    return String(values[name]);
  });
}

/** A child process of the cluster, its output kept in a log file of the run folder. */
class Service {
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();

  constructor(
    readonly name: string,
    private readonly command: string,
    private readonly args: string[],
    private readonly logFile: string,
    private readonly env: Record<string, string> = {},
    private readonly asPostgres = false,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== null;
  }

  start(): void {
    if (this.child) return;
    const [command, args] = this.asPostgres ? ['runuser', ['-u', 'postgres', '--', this.command, ...this.args]] : [this.command, this.args];
    // A process group of its own, so kill() reaches what it started (Patroni's postgres).
    const child = spawn(command, args, { env: { ...process.env, ...this.env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    this.child = child;
    for (const stream of [child.stdout, child.stderr]) stream?.on('data', (chunk: Buffer) => appendFileSync(this.logFile, chunk));
    const forget = onExit(() => killGroup(child.pid, 'SIGKILL'));
    this.exited = new Promise((resolve) =>
      child.once('exit', () => {
        if (this.child === child) this.child = null;
        forget();
        resolve();
      }),
    );
  }

  /** SIGKILL to the whole group: a crash, nothing flushed. */
  async kill(): Promise<void> {
    if (!this.child) return;
    killGroup(this.child.pid, 'SIGKILL');
    await this.exited;
  }

  async stop(): Promise<void> {
    if (!this.child) return;
    const child = this.child;
    killGroup(child.pid, 'SIGTERM');
    const timer = setTimeout(() => killGroup(child.pid, 'SIGKILL'), 20_000);
    await this.exited;
    clearTimeout(timer);
  }

  logTail(lines = 30): string {
    return existsSync(this.logFile) ? readFileSync(this.logFile, 'utf8').split('\n').slice(-lines).join('\n') : '';
  }
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // gone already
  }
}

export interface PatroniNode {
  name: string;
  pgPort: number;
  restPort: number;
  service: Service;
}

export interface ClusterOptions {
  /** The repository root: deploy/ and dist/main.js (built). */
  root: string;
  /** Latchkey instances behind nginx, 1 to 3. */
  instances: number;
  /** More environment for every Latchkey instance. */
  latchkeyEnv?: Record<string, string>;
  /** Keep the run folder (logs, configs) after stop() instead of deleting it. */
  keep?: boolean;
  /** Every Latchkey instance on this core (harness/cores.ts), leaving the other to the load. */
  core?: number;
  /** Told each step of the start as it is done, e.g. to print progress. */
  onStep?: (step: string) => void;
}

async function until<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false>,
  timeoutMs: number,
  explain = () => '',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s\n${explain()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export class LocalCluster {
  readonly etcd: Service;
  readonly nodes: PatroniNode[];
  readonly haproxy: Service;
  readonly pgbouncer: Service;
  readonly redis: Service;
  readonly nginx: Service;
  latchkey: LatchkeyProcess[] = [];
  private readonly forget: () => void;

  private constructor(
    readonly dir: string,
    private readonly options: ClusterOptions,
    readonly ports: {
      etcd: number;
      etcdPeer: number;
      haproxy: number;
      pgbouncer: number;
      redis: number;
      nginx: number;
      latchkey: number[];
    },
    pg: Array<{ pgPort: number; restPort: number }>,
  ) {
    this.forget = onExit(() => {
      // Patroni starts postgres in a session of its own: killing Patroni's group (Service) leaves it running.
      for (let i = 0; i < pg.length; i++) killPostmaster(join(dir, `pg${i + 1}`));
      if (!options.keep) rmSync(dir, { recursive: true, force: true });
    });
    const log = (name: string) => join(dir, `${name}.log`);
    const bin = postgresBin() as string;
    this.etcd = new Service(
      'etcd',
      'etcd',
      [
        '--name=etcd1',
        `--data-dir=${join(dir, 'etcd')}`,
        `--listen-client-urls=http://127.0.0.1:${ports.etcd}`,
        `--advertise-client-urls=http://127.0.0.1:${ports.etcd}`,
        `--listen-peer-urls=http://127.0.0.1:${ports.etcdPeer}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${ports.etcdPeer}`,
        `--initial-cluster=etcd1=http://127.0.0.1:${ports.etcdPeer}`,
        '--log-level=warn',
      ],
      log('etcd'),
    );
    this.nodes = pg.map(({ pgPort, restPort }, i) => {
      const name = `pg${i + 1}`;
      const service = new Service(
        name,
        'patroni',
        [join(options.root, 'deploy/patroni/patroni.yml')],
        log(name),
        {
          PATRONI_NAME: name,
          PATRONI_RESTAPI_LISTEN: `127.0.0.1:${restPort}`,
          PATRONI_RESTAPI_CONNECT_ADDRESS: `127.0.0.1:${restPort}`,
          PATRONI_POSTGRESQL_LISTEN: `127.0.0.1:${pgPort}`,
          PATRONI_POSTGRESQL_CONNECT_ADDRESS: `127.0.0.1:${pgPort}`,
          PATRONI_POSTGRESQL_DATA_DIR: join(dir, name),
          PATRONI_POSTGRESQL_BIN_DIR: bin,
          PATRONI_ETCD3_HOSTS: `127.0.0.1:${ports.etcd}`,
          PATRONI_LOG_LEVEL: 'INFO',
        },
        true,
      );
      return { name, pgPort, restPort, service };
    });
    this.haproxy = new Service('haproxy', 'haproxy', ['-db', '-f', join(options.root, 'deploy/haproxy/haproxy.cfg')], log('haproxy'), {
      HAPROXY_BIND: `127.0.0.1:${ports.haproxy}`,
      PG1_ADDRESS: `127.0.0.1:${pg[0].pgPort}`,
      PG1_REST_PORT: String(pg[0].restPort),
      PG2_ADDRESS: `127.0.0.1:${pg[1].pgPort}`,
      PG2_REST_PORT: String(pg[1].restPort),
    });
    this.pgbouncer = new Service('pgbouncer', 'pgbouncer', [join(dir, 'pgbouncer/pgbouncer.ini')], log('pgbouncer-stdout'), {}, true);
    this.redis = new Service(
      'redis',
      'redis-server',
      ['--bind', '127.0.0.1', '--port', String(ports.redis), '--save', '', '--appendonly', 'no', '--dir', dir],
      log('redis'),
    );
    this.nginx = new Service('nginx', 'nginx', ['-e', 'stderr', '-c', join(dir, 'nginx/nginx.conf'), '-g', 'daemon off;'], log('nginx'));
  }

  /** Starts everything and waits until nginx answers /health/ready through every instance. */
  static async start(options: ClusterOptions): Promise<LocalCluster> {
    const reason = clusterUnavailableReason();
    if (reason) throw new Error(reason);
    const dir = mkdtempSync(join(tmpdir(), 'latchkey-cluster-'));
    chownSync(dir, uid('postgres'), gid('postgres'));
    chmodSync(dir, 0o755);
    const port = () => freePort();
    const ports = {
      etcd: await port(),
      etcdPeer: await port(),
      haproxy: await port(),
      pgbouncer: await port(),
      redis: await port(),
      nginx: await port(),
      latchkey: [await port(), await port(), await port()].slice(0, options.instances),
    };
    const pg = [
      { pgPort: await port(), restPort: await port() },
      { pgPort: await port(), restPort: await port() },
    ];
    const cluster = new LocalCluster(dir, options, ports, pg);
    try {
      await cluster.boot();
      return cluster;
    } catch (error) {
      await cluster.stop();
      throw error;
    }
  }

  /** nginx: where clients go. */
  get url(): string {
    return `http://127.0.0.1:${this.ports.nginx}`;
  }

  /** Through PgBouncer, as Latchkey's pool. */
  get pooledUrl(): string {
    return `postgres://latchkey@127.0.0.1:${this.ports.pgbouncer}/latchkey`;
  }

  /** Through HAProxy to the current primary, as Latchkey's LISTEN connection. */
  get directUrl(): string {
    return `postgres://latchkey@127.0.0.1:${this.ports.haproxy}/latchkey`;
  }

  /** The Latchkey environment every instance gets. */
  latchkeyEnv(): Record<string, string> {
    return {
      DATABASE_URL: this.pooledUrl,
      LATCHKEY_DATABASE_LISTEN_URL: this.directUrl,
      LATCHKEY_DB_STATEMENT_TIMEOUT_MS: '0',
      REDIS_URL: `redis://127.0.0.1:${this.ports.redis}`,
      // nginx probes no readiness: an instance stops listening at SIGTERM (src/health/draining.ts).
      LATCHKEY_SHUTDOWN_DRAIN_SECONDS: '0',
      LATCHKEY_TRUST_PROXY: '127.0.0.1',
      LATCHKEY_DB_POOL_SIZE: '10',
      LATCHKEY_DATA_DIR: join(this.dir, 'latchkey-data'),
      ...this.options.latchkeyEnv,
    };
  }

  private async boot(): Promise<void> {
    const started = Date.now();
    const step = (what: string) => this.options.onStep?.(`${what} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    this.etcd.start();
    await until(
      'etcd',
      async () => (await fetch(`http://127.0.0.1:${this.ports.etcd}/health`)).ok,
      30_000,
      () => this.etcd.logTail(),
    );
    // The first node bootstraps and leads; the second then clones it and follows synchronously.
    this.nodes[0].service.start();
    await until(
      'the first Patroni node leading',
      () => this.restStatus(this.nodes[0], 'primary'),
      90_000,
      () => this.nodes[0].service.logTail(),
    );
    step('etcd up, pg1 leading');
    this.nodes[1].service.start();
    this.haproxy.start();
    // HAProxy counts a server up until its checks say otherwise (about a second): wait until several
    // connections in a row, which it spreads over the servers it counts up, all reach the primary.
    let inARow = 0;
    await until(
      'HAProxy to the primary alone',
      async () => {
        const [row] = await this.superuserQuery<{ primary: boolean }>('SELECT NOT pg_is_in_recovery() AS primary').catch(() => [
          { primary: false },
        ]);
        inARow = row.primary ? inARow + 1 : 0;
        return inARow >= 4;
      },
      30_000,
      () => this.haproxy.logTail(),
    );
    for (const statement of readFileSync(join(this.options.root, 'deploy/bootstrap.sql'), 'utf8')
      .replace(/--.*$/gm, '')
      .split(';')
      .map((s) => s.trim())
      .filter(Boolean)) {
      await this.superuserQuery(statement);
    }
    step('HAProxy to the primary, role and database made');
    this.writePgbouncerConfig();
    this.pgbouncer.start();
    this.redis.start();
    await until(
      'the standby streaming synchronously',
      () => this.synchronousStandby(),
      90_000,
      () => this.nodes[1].service.logTail(),
    );
    step('pg2 streaming synchronously, PgBouncer and Redis started');
    const env = this.latchkeyEnv();
    // One at a time: the first migrates (under its lock), the others find nothing to do.
    for (const [i, port] of this.ports.latchkey.entries()) {
      this.latchkey.push(
        await LatchkeyProcess.start({
          root: this.options.root,
          env,
          port,
          core: this.options.core,
          logFile: join(this.dir, `latchkey-${i + 1}.log`),
        }),
      );
    }
    step(`${this.latchkey.length} Latchkey instance(s) ready`);
    this.writeNginxConfig();
    this.nginx.start();
    await until(
      'nginx',
      async () => (await fetch(`${this.url}/health/ready`)).status === 200,
      30_000,
      () => this.nginx.logTail(),
    );
  }

  private writePgbouncerConfig(): void {
    const confDir = join(this.dir, 'pgbouncer');
    mkdirSync(confDir, { recursive: true });
    writeFileSync(join(confDir, 'userlist.txt'), '"latchkey" ""\n');
    writeFileSync(
      join(confDir, 'pgbouncer.ini'),
      renderTemplate(readFileSync(join(this.options.root, 'deploy/pgbouncer/pgbouncer.ini.template'), 'utf8'), {
        PRIMARY_HOST: '127.0.0.1',
        PRIMARY_PORT: this.ports.haproxy,
        LISTEN_ADDR: '127.0.0.1',
        LISTEN_PORT: this.ports.pgbouncer,
        RUN_DIR: confDir,
        CONF_DIR: confDir,
        AUTH_TYPE: 'trust',
      }),
    );
    execFileSync('chown', ['-R', 'postgres:postgres', confDir]);
  }

  /** nginx.conf with the first `count` instances upstream. */
  private writeNginxConfig(count = this.ports.latchkey.length): void {
    const confDir = join(this.dir, 'nginx');
    mkdirSync(confDir, { recursive: true });
    const upstream = (i: number) => `127.0.0.1:${this.ports.latchkey[Math.min(i, count - 1)]}`;
    let text = renderTemplate(readFileSync(join(this.options.root, 'deploy/nginx/nginx.conf.template'), 'utf8'), {
      RUN_DIR: confDir,
      CONF_DIR: confDir,
      LISTEN: `127.0.0.1:${this.ports.nginx}`,
      LATCHKEY_1: upstream(0),
      LATCHKEY_2: upstream(1),
      LATCHKEY_3: upstream(2),
    });
    // Fewer than three instances: the same server listed twice would count double; keep each once.
    const seen = new Set<string>();
    text = text
      .split('\n')
      .filter((line) => {
        const m = /^\s*server (127\.0\.0\.1:\d+) /.exec(line);
        if (!m) return true;
        if (seen.has(m[1])) return false;
        seen.add(m[1]);
        return true;
      })
      .join('\n');
    writeFileSync(join(confDir, 'nginx.conf'), text);
    writeFileSync(join(confDir, 'proxy.conf'), readFileSync(join(this.options.root, 'deploy/nginx/proxy.conf')));
  }

  /**
   * A restart as a rollout does it: SIGTERM, and the same instance started again once it has exited.
   * Nothing is changed in nginx: the instance stops listening at once (no drain, LATCHKEY_SHUTDOWN_DRAIN_SECONDS
   * is 0 here), so nginx's new connections are refused and sent to another instance, and the open ones
   * are served to their end (src/health/draining.ts).
   */
  async restartInstance(index: number): Promise<{ stopMs: number; startMs: number }> {
    const started = performance.now();
    await this.latchkey[index].stop();
    const stopped = performance.now();
    await this.latchkey[index].start();
    return { stopMs: stopped - started, startMs: performance.now() - stopped };
  }

  /** Sends nginx's traffic to the first `count` instances only (a graceful reload), e.g. to measure 1, 2 and 3. */
  async useInstances(count: number): Promise<void> {
    this.writeNginxConfig(count);
    execFileSync('nginx', ['-e', 'stderr', '-c', join(this.dir, 'nginx/nginx.conf'), '-s', 'reload'], { stdio: 'ignore' });
    // The master starts new workers and lets the old ones finish; wait until the old ones are gone.
    await until('nginx reloaded', async () => workerCount(this.nginx.pid) === 1, 10_000);
  }

  /** Copies every log of the run folder into `folder`, e.g. to read after a failure. */
  saveLogs(folder: string): void {
    mkdirSync(folder, { recursive: true });
    for (const file of readdirSync(this.dir)) if (file.endsWith('.log')) copyFileSync(join(this.dir, file), join(folder, file));
    const pgbouncerLog = join(this.dir, 'pgbouncer', 'pgbouncer.log');
    if (existsSync(pgbouncerLog)) copyFileSync(pgbouncerLog, join(folder, 'pgbouncer.log'));
  }

  /** Patroni's REST answer for `role` (primary, replica, sync…): true on 200. */
  private async restStatus(node: PatroniNode, role: string): Promise<boolean> {
    const res = await fetch(`http://127.0.0.1:${node.restPort}/${role}`, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return res.status === 200;
  }

  /** The node leading now, asked of each node's REST API; null while none does. */
  async primary(): Promise<PatroniNode | null> {
    for (const node of this.nodes) {
      if (!node.service.running) continue;
      if (await this.restStatus(node, 'primary').catch(() => false)) return node;
    }
    return null;
  }

  private async synchronousStandby(): Promise<boolean> {
    const rows = await this.superuserQuery<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_replication WHERE sync_state = 'sync'`);
    return rows[0].n > 0;
  }

  /** A statement as the superuser on the current primary (through HAProxy). */
  async superuserQuery<T = Record<string, unknown>>(sql: string, params: unknown[] = [], database = 'postgres'): Promise<T[]> {
    const client = new Client({
      connectionString: `postgres://postgres@127.0.0.1:${this.ports.haproxy}/${database}`,
      connectionTimeoutMillis: 2000,
    });
    client.on('error', () => undefined);
    await client.connect();
    try {
      return (await client.query(sql, params)).rows as T[];
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  /** Ends everything; the run folder goes too unless `keep`. */
  async stop(): Promise<void> {
    await this.nginx.kill();
    for (const instance of this.latchkey) await instance.kill();
    await this.pgbouncer.kill();
    await this.haproxy.kill();
    for (const node of this.nodes) await node.service.kill();
    // Patroni's postgres may outlive a killed Patroni in its own session: end what still runs in the data folders.
    for (const node of this.nodes) killPostmaster(join(this.dir, node.name));
    await this.redis.kill();
    await this.etcd.kill();
    this.forget();
    if (!this.options.keep) rmSync(this.dir, { recursive: true, force: true });
  }
}

/** SIGKILL to the postmaster of a data folder, where one still runs. */
export function killPostmaster(dataDir: string): void {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  try {
    if (pid > 0) process.kill(pid, 'SIGKILL');
  } catch {
    // gone already
  }
}

/** How many worker processes an nginx master has now (worker_processes 1: more while a reload finishes). */
function workerCount(masterPid: number | undefined): number {
  try {
    return readFileSync(`/proc/${masterPid}/task/${masterPid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).length;
  } catch {
    return 0;
  }
}

function uid(user: string): number {
  return Number(execFileSync('id', ['-u', user]).toString().trim());
}

function gid(user: string): number {
  return Number(execFileSync('id', ['-g', user]).toString().trim());
}
