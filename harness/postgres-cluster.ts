// A disposable PostgreSQL cluster of a part's own: initdb into a temporary folder, a free port on
// 127.0.0.1, and a stop that can be made as abrupt as a crash. The machine's own PostgreSQL (5432)
// is never touched. As root, initdb and postgres run as the `postgres` user (they refuse root).
import { execFile, execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { onExit } from './cleanup';
import { freePort } from './ports';

const run = promisify(execFile);

export type StopMode = 'smart' | 'fast' | 'immediate';

export class PostgresCluster {
  private running = false;
  private readonly forgetUndo: () => void;

  private constructor(
    /** The temporary folder: data/, the socket and the server log. */
    readonly dir: string,
    readonly port: number,
    private readonly bin: string,
    private readonly asPostgres: boolean,
  ) {
    this.forgetUndo = onExit(() => this.destroySync());
  }

  /** initdb and start a new cluster; it is stopped and deleted at exit whatever happens. */
  static async create(): Promise<PostgresCluster> {
    const bin = postgresBinDir();
    const asPostgres = process.getuid?.() === 0;
    const dir = mkdtempSync(join(tmpdir(), 'latchkey-reliability-pg-'));
    const cluster = new PostgresCluster(dir, await freePort(), bin, asPostgres);
    try {
      if (asPostgres) execFileSync('chown', ['postgres:postgres', dir]);
      await cluster.pg('initdb', ['-D', cluster.dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync']);
      // Appended to postgresql.conf so that every later start uses the same port and socket folder.
      cluster.pgAppend(
        [
          `port = ${cluster.port}`,
          `listen_addresses = '127.0.0.1'`,
          `unix_socket_directories = '${dir}'`,
          'max_connections = 100',
          'shared_buffers = 32MB',
          'logging_collector = off',
        ].join('\n'),
      );
      await cluster.start();
      return cluster;
    } catch (error) {
      cluster.destroySync();
      throw error;
    }
  }

  get dataDir(): string {
    return join(this.dir, 'data');
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** postgres://postgres@127.0.0.1:<port>/<database> */
  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  /** Starts the server (again) on the same port and waits until it accepts connections. */
  async start(): Promise<void> {
    await this.pg('pg_ctl', ['-D', this.dataDir, '-l', join(this.dir, 'server.log'), '-w', '-t', '60', 'start']);
    this.running = true;
  }

  /** `immediate` is a crash as far as clients can tell: connections drop, nothing is checkpointed. */
  async stop(mode: StopMode = 'fast'): Promise<void> {
    await this.pg('pg_ctl', ['-D', this.dataDir, '-m', mode, '-w', '-t', '60', 'stop']);
    this.running = false;
  }

  async createDatabase(name: string): Promise<string> {
    await this.query(`CREATE DATABASE "${name}"`);
    return this.url(name);
  }

  /** One statement on a short-lived connection. */
  async query<T = Record<string, unknown>>(sql: string, params: unknown[] = [], database = 'postgres'): Promise<T[]> {
    const client = new Client({ connectionString: this.url(database) });
    await client.connect();
    try {
      return (await client.query(sql, params)).rows as T[];
    } finally {
      await client.end();
    }
  }

  /** The end of the server log, for error messages. */
  logTail(lines = 20): string {
    const file = join(this.dir, 'server.log');
    return existsSync(file) ? readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n') : '';
  }

  async destroy(): Promise<void> {
    this.destroySync();
  }

  private destroySync(): void {
    this.forgetUndo?.();
    if (existsSync(join(this.dataDir, 'postmaster.pid'))) {
      try {
        execFileSync(...this.command('pg_ctl', ['-D', this.dataDir, '-m', 'immediate', '-w', 'stop']), { stdio: 'ignore' });
      } catch {
        // not running after all
      }
    }
    this.running = false;
    rmSync(this.dir, { recursive: true, force: true });
  }

  private command(tool: string, args: string[]): [string, string[]] {
    const path = join(this.bin, tool);
    return this.asPostgres ? ['runuser', ['-u', 'postgres', '--', path, ...args]] : [path, args];
  }

  private async pg(tool: string, args: string[]): Promise<void> {
    const [file, argv] = this.command(tool, args);
    try {
      await run(file, argv, { cwd: this.dir, timeout: 120_000 });
    } catch (error) {
      const e = error as { stderr?: string; stdout?: string; message: string };
      throw new Error(`${tool} ${args.at(-1)} failed: ${(e.stderr || e.stdout || e.message).trim()}\n${this.logTail()}`, { cause: error });
    }
  }

  private pgAppend(text: string): void {
    appendFileSync(join(this.dataDir, 'postgresql.conf'), `\n# latchkey reliability\n${text}\n`);
  }
}

/** LATCHKEY_PG_BIN, else the newest /usr/lib/postgresql/<version>/bin, else pg_config --bindir. */
function postgresBinDir(): string {
  if (process.env.LATCHKEY_PG_BIN) return process.env.LATCHKEY_PG_BIN;
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions.length > 0) return join(root, versions[0], 'bin');
  }
  try {
    return execFileSync('pg_config', ['--bindir']).toString().trim();
  } catch {
    throw new Error('No PostgreSQL server binaries found (initdb, pg_ctl): install postgresql or set LATCHKEY_PG_BIN.');
  }
}
