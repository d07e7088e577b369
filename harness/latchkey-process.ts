// Latchkey as the operator runs it: `node --no-memory-reducer dist/main.js` (START_NODE_ARGS) in a
// child process, configured by the environment, ready when /health/ready answers 200. It can be
// stopped gently (SIGTERM), killed (SIGKILL) and started again on the same port and database.
// bench/ and reliability/ both start it here.
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { appendFileSync, closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { onExit } from './cleanup';
import { pinned } from './cores';
import { freePort } from './ports';

/** node's options in the start commands (package.json's start, the Dockerfile's CMD): src/heap-tuning.ts says why. */
export const START_NODE_ARGS: readonly string[] = ['--no-memory-reducer'];

export interface LatchkeyOptions {
  /** The repository root; dist/main.js must be built. */
  root: string;
  /** The database and anything else: DATABASE_URL, or LATCHKEY_DATA_DIR for the embedded database. */
  env: Record<string, string>;
  /** Default: a free port, kept across restarts. */
  port?: number;
  /** Default 120 s (the embedded database's first start migrates, about 10 s). */
  readyTimeoutMs?: number;
  /** Every line the process writes (stdout and stderr), e.g. to scan its logs. */
  onOutput?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Run it as pid 1 of a pid namespace of its own, as in a container (see canUsePidNamespace). */
  pidNamespace?: boolean;
  /** Run it on this core alone where the machine allows (harness/cores.ts), leaving the other to the load. */
  core?: number;
  /** Options for node before dist/main.js, e.g. ['--cpu-prof'] to profile it under load. */
  nodeArgs?: string[];
  /** Appends every line the process writes to this file, kept after the run. */
  logFile?: string;
  /**
   * Its standard output goes to this file (created or emptied) instead of a pipe, and onOutput and logFile
   * see only standard error. For V8's own lines (--trace-gc): V8 writes them through C's stdio onto the
   * same descriptor, which node makes non-blocking when it is a pipe, so whatever the pipe cannot take at
   * once is dropped while the reader is busy (the bench runs its load generator synchronously); a file
   * takes every line. C's buffer reaches the file in blocks and at exit: read it after stop().
   */
  stdoutFile?: string;
}

/** Whether Latchkey can be run as pid 1 of its own pid namespace here (Linux, root, util-linux unshare). */
export function canUsePidNamespace(): boolean {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return false;
  try {
    execFileSync('unshare', ['--pid', '--fork', '--kill-child=SIGKILL', '--mount-proc', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

// Reliability runs drive one token from one address far past the production limits; nothing else
// of the environment that runs the parts (a DATABASE_URL, a LATCHKEY_* setting) leaks in.
const DEFAULT_ENV: Record<string, string> = {
  HOST: '127.0.0.1',
  NODE_ENV: 'production',
  LATCHKEY_LOG_LEVEL: 'warn',
  LATCHKEY_LOG_REQUESTS: 'false',
  LATCHKEY_RATE_LIMIT_PER_TOKEN: '0',
  LATCHKEY_RATE_LIMIT_PUBLIC_PER_IP: '0',
  LATCHKEY_RATE_LIMIT_FAILED_CHECKS_PER_IP: '0',
  LATCHKEY_REGISTRATIONS_PER_IP: '0',
};

export class LatchkeyProcess {
  private child: ChildProcess | null = null;
  private exit: Promise<number | null> = Promise.resolve(null);
  /** The last lines it wrote, for error messages. */
  private readonly tail: string[] = [];
  /** How often the process was started, restarts included. */
  starts = 0;
  /** Whether the next start() runs it as pid 1 of its own pid namespace. */
  pidNamespace: boolean;
  private namespaced = false;
  /** Whether it runs on its core alone (LatchkeyOptions.core). */
  pinned = false;

  private constructor(
    private readonly options: LatchkeyOptions,
    readonly port: number,
  ) {
    this.pidNamespace = options.pidNamespace ?? false;
  }

  /** Starts Latchkey and waits until /health/ready answers 200. */
  static async start(options: LatchkeyOptions): Promise<LatchkeyProcess> {
    const service = new LatchkeyProcess(options, options.port ?? (await freePort()));
    await service.start();
    return service;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get isRunning(): boolean {
    return this.child !== null;
  }

  /** Starts it again (after kill() or stop()) with the same options and port; resolves when ready. */
  async start(): Promise<number> {
    if (this.child) throw new Error('Latchkey is running already');
    const started = Date.now();
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(process.env)) {
      if (value !== undefined && !key.startsWith('LATCHKEY_') && key !== 'DATABASE_URL' && key !== 'REDIS_URL') env[key] = value;
    }
    const main = [process.execPath, ...START_NODE_ARGS, ...(this.options.nodeArgs ?? []), join(this.options.root, 'dist/main.js')];
    // unshare's child gets SIGKILL when unshare dies, so killing unshare kills "the container".
    const namespaced = this.pidNamespace ? ['unshare', '--pid', '--fork', '--kill-child=SIGKILL', '--mount-proc', ...main] : main;
    const {
      command,
      args,
      pinned: isPinned,
    } = this.options.core === undefined
      ? { command: namespaced[0], args: namespaced.slice(1), pinned: false }
      : pinned(this.options.core, namespaced);
    this.pinned = isPinned;
    const stdoutFile = this.options.stdoutFile === undefined ? null : openSync(this.options.stdoutFile, 'w');
    let child: ChildProcess;
    try {
      child = spawn(command, args, {
        cwd: this.options.root,
        env: { ...env, ...DEFAULT_ENV, ...this.options.env, PORT: String(this.port) },
        stdio: ['ignore', stdoutFile ?? 'pipe', 'pipe'],
      });
    } finally {
      // The child has its own copy of the descriptor.
      if (stdoutFile !== null) closeSync(stdoutFile);
    }
    this.child = child;
    this.namespaced = this.pidNamespace;
    this.starts++;
    const forgetUndo = onExit(() => child.kill('SIGKILL'));
    this.exit = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        if (this.child === child) this.child = null;
        forgetUndo();
        resolve(code ?? (signal ? -1 : null));
      });
    });
    for (const stream of ['stdout', 'stderr'] as const) {
      let partial = '';
      child[stream]?.on('data', (chunk: Buffer) => {
        const lines = (partial + chunk.toString()).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) {
          this.tail.push(line);
          if (this.tail.length > 50) this.tail.shift();
          if (this.options.logFile) appendFileSync(this.options.logFile, `${line}\n`);
          this.options.onOutput?.(line, stream);
        }
      });
    }
    await this.waitReady(started);
    return Date.now() - started;
  }

  /** SIGKILL: no shutdown hook runs, nothing is flushed. Resolves once the process is gone. */
  async kill(): Promise<void> {
    if (!this.child) return;
    this.child.kill('SIGKILL');
    await this.exit;
  }

  /** SIGTERM, as an orchestrator stops it; SIGKILL if it has not exited after `timeoutMs`. */
  async stop(timeoutMs = 20_000): Promise<number | null> {
    if (!this.child) return null;
    const child = this.child;
    // In a pid namespace the signal goes to Latchkey itself, not to unshare (which would just die).
    const inner = this.namespaced ? childrenOf(child.pid) : [];
    if (inner.length > 0) for (const pid of inner) process.kill(pid, 'SIGTERM');
    else child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exit;
    } finally {
      clearTimeout(timer);
    }
  }

  async restart(): Promise<number> {
    await this.stop();
    return this.start();
  }

  /** The last lines the process wrote. */
  output(): string {
    return this.tail.join('\n');
  }

  /** Resident set size now, from ps, in MiB (one decimal). taskset execs node in place, so the pid is the service's. */
  rssMiB(): number {
    const kb = Number(
      execFileSync('ps', ['-o', 'rss=', '-p', String(this.pid)])
        .toString()
        .trim(),
    );
    return Math.round((kb / 1024) * 10) / 10;
  }

  private async waitReady(started: number): Promise<void> {
    const deadline = started + (this.options.readyTimeoutMs ?? 120_000);
    let exited = false;
    void this.exit.then(() => (exited = true));
    while (Date.now() < deadline && !exited) {
      try {
        // No connection kept: a stop (SIGTERM) waits for open ones to end (src/health/draining.ts).
        const res = await fetch(`${this.baseUrl}/health/ready`, { headers: { connection: 'close' }, signal: AbortSignal.timeout(3000) });
        await res.arrayBuffer();
        if (res.status === 200) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    if (!exited) await this.kill();
    throw new Error(
      `Latchkey ${exited ? 'exited' : 'was not ready'} ${exited ? 'before it was ready' : `after ${Date.now() - started} ms`}:\n${this.output()}`,
    );
  }
}

function childrenOf(pid: number | undefined): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}
