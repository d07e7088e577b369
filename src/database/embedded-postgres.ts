// The embedded PostgreSQL (PGlite, PostgreSQL compiled to WebAssembly) behind a private Unix socket,
// so the app talks to it with the same `pg` driver it uses for a real server.
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export interface PostgresConnection {
  host: string;
  port: number;
  username: string;
  database: string;
}

export class EmbeddedPostgres {
  private constructor(
    private readonly db: PGlite,
    private readonly server: PGLiteSocketServer,
    private readonly socketDir: string | null,
    private readonly lockFile: string | null,
  ) {}

  /**
   * Opens (or creates) the database kept in `dataDir`, reachable on a private Unix socket.
   * In memory instead (empty, or a copy of a dump), a throwaway database on a loopback TCP port:
   * the tests' per-file databases.
   */
  static async start(source: { dataDir: string } | { inMemory: true; dump?: Blob }): Promise<EmbeddedPostgres> {
    let lockFile: string | null = null;
    let db: PGlite;
    if ('dataDir' in source) {
      const dir = resolve(source.dataDir);
      mkdirSync(dir, { recursive: true });
      lockFile = acquireLock(join(dir, 'latchkey.lock'));
      try {
        db = await PGlite.create(join(dir, 'pgdata'));
      } catch (error) {
        releaseLock(lockFile);
        throw error;
      }
    } else {
      db = await PGlite.create(source.dump ? { loadDataDir: source.dump } : {});
    }
    if (lockFile === null) {
      const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 1 });
      await server.start();
      return new EmbeddedPostgres(db, server, null, null);
    }
    // mkdtemp creates the folder with mode 0700: only this user can reach the trust-auth socket.
    const socketDir = await mkdtemp(join(tmpdir(), 'latchkey-pg-'));
    const server = new PGLiteSocketServer({ db, path: join(socketDir, '.s.PGSQL.5432'), maxConnections: 1 });
    await server.start();
    return new EmbeddedPostgres(db, server, socketDir, lockFile);
  }

  get connection(): PostgresConnection {
    if (this.socketDir) return { host: this.socketDir, port: 5432, username: 'postgres', database: 'postgres' };
    const [host, port] = this.server.getServerConn().split(':');
    return { host, port: Number(port), username: 'postgres', database: 'postgres' };
  }

  /** The database in this process is open (it cannot be "unreachable" otherwise). */
  get running(): boolean {
    return !this.db.closed;
  }

  /** A postgres:// URL for the loopback copies; the Unix-socket database is addressed by `connection`. */
  get url(): string {
    const { host, port, username, database } = this.connection;
    return `postgres://${username}@${host}:${port}/${database}`;
  }

  /** A tarball of the whole database, to start in-memory copies quickly (used by the tests). */
  dump(): Promise<Blob> {
    return this.db.dumpDataDir('none') as Promise<Blob>;
  }

  async stop(): Promise<void> {
    await this.server.stop();
    await this.db.close();
    if (this.socketDir) await rm(this.socketDir, { recursive: true, force: true });
    if (this.lockFile) releaseLock(this.lockFile);
  }
}

/** The locks this process holds: a lock naming this process's pid that is not among them was left by an earlier process. */
const heldLocks = new Set<string>();

/**
 * PGlite does not lock its data directory and two processes on one directory lose writes,
 * so a pid file guards it. A lock left by a process that is gone is taken over. A pid alone does
 * not say that: after a kill -9 the pid may belong to another process, and in a container the
 * restarted service gets the dead one's pid (often 1) again. So the lock also records when its
 * process started, and a lock whose pid is this process, or a live process that started at
 * another time, is stale too.
 */
function acquireLock(path: string): string {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      const started = processStartTime(process.pid);
      writeSync(fd, started === null ? String(process.pid) : `${process.pid} ${started}`);
      closeSync(fd);
      heldLocks.add(path);
      return path;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const [pidText, started] = readFileSync(path, 'utf8').trim().split(/\s+/);
      const holder = Number(pidText);
      if (Number.isInteger(holder) && holder > 0 && holdsLock(holder, started ?? null, path)) {
        throw new Error(`The data directory is in use by process ${holder} (${path}); stop it or set LATCHKEY_DATA_DIR.`, { cause: error });
      }
      rmSync(path, { force: true });
    }
  }
  throw new Error(`Could not lock the data directory (${path}).`);
}

function releaseLock(path: string): void {
  heldLocks.delete(path);
  rmSync(path, { force: true });
}

function holdsLock(pid: number, started: string | null, path: string): boolean {
  if (pid === process.pid) return heldLocks.has(path);
  if (!isAlive(pid)) return false;
  const actual = started === null ? null : processStartTime(pid);
  return actual === null || actual === started;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** When the process started, in clock ticks since boot (Linux /proc); null where that cannot be read. */
export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) in parentheses; starttime is field 22.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}
