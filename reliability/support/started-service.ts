// Runs the built Latchkey (dist/main.js) as a child process on a fresh database of its own, the way
// bench/run.ts does: a new database on the local PostgreSQL server, or an embedded one in a temporary
// LATCHKEY_DATA_DIR. Pins the service to core 0 when there are two cores, so load can run on core 1.
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort } from './ports';

/** The local server of the machine notes; LATCHKEY_RELIABILITY_PG_URL points elsewhere. */
export const LOCAL_POSTGRES = process.env.LATCHKEY_RELIABILITY_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface FreshDatabase {
  kind: 'postgresql' | 'embedded';
  /** What the service needs in its environment to use this database. */
  env: Record<string, string>;
  drop(): Promise<void>;
}

/** A new, empty database; the service migrates it at its first start. */
export async function freshDatabase(kind: 'postgresql' | 'embedded', label: string): Promise<FreshDatabase> {
  if (kind === 'embedded') {
    const dir = mkdtempSync(join(tmpdir(), `latchkey-${label}-`));
    return { kind, env: { LATCHKEY_DATA_DIR: dir }, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const name = `latchkey_rel_${label.replace(/\W/g, '_')}_${Date.now()}_${randomBytes(3).toString('hex')}`;
  await onServer((c) => c.query(`CREATE DATABASE "${name}"`));
  const url = new URL(LOCAL_POSTGRES);
  url.pathname = `/${name}`;
  return {
    kind,
    env: { DATABASE_URL: url.toString() },
    drop: () => onServer((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined),
  };
}

/** True when the local PostgreSQL server answers. */
export async function postgresAvailable(): Promise<boolean> {
  try {
    await onServer((c) => c.query('SELECT 1'));
    return true;
  } catch {
    return false;
  }
}

async function onServer<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: LOCAL_POSTGRES, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export const cores = Number(execFileSync('nproc').toString().trim());
const tasksetAvailable = (() => {
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** argv that runs `argv` on one core when the machine has two or more and taskset exists. */
export function pinned(core: number, argv: string[]): { command: string; args: string[]; pinned: boolean } {
  if (tasksetAvailable && cores >= 2) return { command: 'taskset', args: ['-c', String(core), ...argv], pinned: true };
  return { command: argv[0], args: argv.slice(1), pinned: false };
}

export interface LatchkeyProcess {
  child: ChildProcess;
  pid: number;
  baseUrl: string;
  /** Whether the service runs on core 0 alone. */
  pinned: boolean;
  /** Resident set size now, from ps, in MiB. */
  rssMiB(): number;
  /** The service's stdout and stderr so far (its JSON logs). */
  output(): string;
  /** SIGTERM and wait for the exit; the exit code. */
  stop(): Promise<number | null>;
}

export interface StartOptions {
  root: string;
  database: FreshDatabase;
  env?: Record<string, string>;
  /** Where stdout and stderr go; default a temporary file. */
  logFile?: string;
  readyTimeoutMs?: number;
}

/** Environment every part starts from: quiet logs, no rate limits, production mode. */
export const QUIET_ENV: Record<string, string> = {
  LATCHKEY_LOG_LEVEL: 'warn',
  LATCHKEY_LOG_REQUESTS: 'false',
  LATCHKEY_RATE_LIMIT_PER_TOKEN: '0',
  LATCHKEY_RATE_LIMIT_PUBLIC_PER_IP: '0',
  LATCHKEY_RATE_LIMIT_FAILED_CHECKS_PER_IP: '0',
  LATCHKEY_REGISTRATIONS_PER_IP: '0',
  NODE_ENV: 'production',
};

export async function startLatchkey(options: StartOptions): Promise<LatchkeyProcess> {
  const port = await freePort();
  const logFile = options.logFile ?? join(mkdtempSync(join(tmpdir(), 'latchkey-log-')), 'service.log');
  const fd = openSync(logFile, 'a');
  const { command, args, pinned: isPinned } = pinned(0, [process.execPath, join(options.root, 'dist/main.js')]);
  const inherited = { ...process.env };
  // The parent's database settings must not leak into the child: it gets exactly the one it was given.
  delete inherited.DATABASE_URL;
  delete inherited.LATCHKEY_DATA_DIR;
  const child = spawn(command, args, {
    cwd: options.root,
    env: { ...inherited, ...QUIET_ENV, ...options.database.env, ...options.env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code, signal) => {
      exitCode = code ?? (signal ? 128 : null);
      resolve(exitCode);
    }),
  );
  const baseUrl = `http://127.0.0.1:${port}`;
  const service: LatchkeyProcess = {
    child,
    pid: child.pid as number,
    baseUrl,
    pinned: isPinned,
    rssMiB: () => {
      // With taskset the child is taskset, which execs node: same pid.
      const kb = Number(execFileSync('ps', ['-o', 'rss=', '-p', String(child.pid)]).toString().trim());
      return Math.round((kb / 1024) * 10) / 10;
    },
    output: () => readFileSync(logFile, 'utf8'),
    stop: async () => {
      if (exitCode === undefined) child.kill('SIGTERM');
      return exited;
    },
  };
  const deadline = Date.now() + (options.readyTimeoutMs ?? 120_000);
  while (Date.now() < deadline) {
    if (exitCode !== undefined) throw new Error(`Latchkey exited with ${exitCode} before it was ready:\n${service.output().slice(-2000)}`);
    try {
      if ((await fetch(`${baseUrl}/health/ready`)).ok) return service;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill('SIGKILL');
  throw new Error(`Latchkey did not become ready:\n${service.output().slice(-2000)}`);
}

export interface ApiAnswer<T> {
  status: number;
  headers: Headers;
  body: T;
}

/** One JSON request; throws unless the status is the expected one. */
export async function call<T = Record<string, any>>(
  baseUrl: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; expect?: number } = {},
): Promise<ApiAnswer<T>> {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
  });
  const text = await res.text();
  if (options.expect !== undefined && res.status !== options.expect) {
    throw new Error(`${method} ${path}: expected ${options.expect}, got ${res.status} ${text.slice(0, 300)}`);
  }
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : {}) as T };
}
