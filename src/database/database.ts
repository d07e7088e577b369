// Opens the database Latchkey runs on: the PostgreSQL server in DATABASE_URL, or the embedded one.
import { Logger } from '@nestjs/common';
import { Client, type Pool } from 'pg';
import { DataSource, DataSourceOptions } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import type { AppConfig } from '../config/app-config';
import { databaseUnavailableReason, DatabaseUnavailableReason } from './database-errors';
import { EmbeddedPostgres, PostgresConnection } from './embedded-postgres';
import { runMigrations } from './migrate';
import { PoolMonitor, PoolStats } from './pool-monitor';
import { QueryCounter } from './query-counter';
import { ENTITIES, MIGRATIONS } from './schema';

/** pg-pool's default wait for a connection, and for a new connection to open. */
export const DEFAULT_ACQUIRE_TIMEOUT_MS = 3000;

export interface PoolOptions {
  size: number;
  /**
   * pg-pool has one timeout for two waits: for a pooled connection when all are busy, and for a new
   * connection to open. Both end in a 503, told apart by databaseUnavailableReason().
   */
  acquireTimeoutMs?: number;
  /** Sent when a connection opens, with jit=off; 0: neither (a transaction pooler refuses them: set both on the role). */
  statementTimeoutMs?: number;
  monitor?: PoolMonitor;
}

export function dataSourceOptions(
  target: { url: string } | PostgresConnection,
  pool: PoolOptions,
  logger?: QueryCounter,
): DataSourceOptions {
  return {
    type: 'postgres',
    ...target,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    synchronize: false,
    migrationsRun: false,
    installExtensions: false,
    applicationName: 'latchkey',
    logger,
    extra: {
      max: pool.size,
      // Fail fast when the server is gone or the pool stays busy, so requests get a quick 503 instead of hanging.
      connectionTimeoutMillis: pool.acquireTimeoutMs ?? DEFAULT_ACQUIRE_TIMEOUT_MS,
      idleTimeoutMillis: 30000,
      // Server settings sent when a connection opens, unless statementTimeoutMs is 0: a transaction pooler
      // (PgBouncer) refuses startup parameters, and the role carries both there (deploy/bootstrap.sql).
      // No JIT on the server: every statement here ends in a LIMIT or a key, but PostgreSQL decides to
      // compile on the planner's upper bound, which for a list cut from per-member index scans (the
      // tokens reaching a workspace of 10,000 members) passes jit_above_cost and spends 25-50 ms
      // compiling to save nothing (docs/performance.md). The embedded database has no JIT to turn off.
      ...(pool.statementTimeoutMs === 0
        ? {}
        : { statement_timeout: pool.statementTimeoutMs ?? 15000, ...('url' in target ? { options: '-c jit=off' } : {}) }),
      ...(pool.monitor ? { onConnect: pool.monitor.onConnect } : {}),
    },
  };
}

export class Database {
  private readonly logger = new Logger('Database');
  private readonly closeHooks: Array<() => Promise<void>> = [];

  private constructor(
    readonly dataSource: DataSource,
    private readonly embedded: EmbeddedPostgres | null,
    private readonly pool: PoolMonitor,
    private readonly probeOptions: { connectionString: string } | null,
  ) {}

  static async open(config: AppConfig, queryCounter: QueryCounter): Promise<Database> {
    let embedded: EmbeddedPostgres | null = null;
    let options: DataSourceOptions;
    let monitor: PoolMonitor;
    if (config.databaseUrl) {
      monitor = new PoolMonitor(config.dbPoolSize);
      options = dataSourceOptions(
        { url: config.databaseUrl },
        { size: config.dbPoolSize, acquireTimeoutMs: config.dbAcquireTimeoutMs, statementTimeoutMs: config.dbStatementTimeoutMs, monitor },
        queryCounter,
      );
    } else {
      embedded = await EmbeddedPostgres.start({ dataDir: config.dataDir });
      // The embedded database is correct with exactly one connection: PGlite serves one session at a time
      // and has no locking between sessions, so a second connection loses writes (README, Operations).
      monitor = new PoolMonitor(1);
      options = dataSourceOptions(embedded.connection, { size: 1, acquireTimeoutMs: config.dbAcquireTimeoutMs, monitor }, queryCounter);
    }
    const dataSource = new DataSource(options);
    try {
      await initializeWithRetry(dataSource);
      monitor.attach((dataSource.driver as PostgresDriver).master as Pool);
      const applied = await runMigrations(dataSource);
      const database = new Database(dataSource, embedded, monitor, config.databaseUrl ? { connectionString: config.databaseUrl } : null);
      database.logger.log(
        { embedded: embedded !== null, migrationsApplied: applied },
        embedded ? `embedded PostgreSQL in ${config.dataDir}` : 'PostgreSQL server',
      );
      return database;
    } catch (error) {
      if (dataSource.isInitialized) await dataSource.destroy();
      await embedded?.stop();
      throw error;
    }
  }

  /** The database check in flight, shared by the checks that come while it runs. */
  private checking: Promise<'ok' | 'busy'> | null = null;

  poolStats(): PoolStats {
    return this.pool.stats();
  }

  /** Why this error kept a request from the database, judged by the pool as it is now; null if it did not. */
  unavailableReason(error: unknown): DatabaseUnavailableReason | null {
    return databaseUnavailableReason(error, this.pool.stats());
  }

  /**
   * Whether the database answers within `timeoutMs` (it throws otherwise). A probe queued behind a
   * busy pool would time out while the server is fine, so when every connection is taken it asks
   * outside the pool: a connection of its own to the server, or the embedded database in this
   * process (its socket admits the pool's one connection and no other).
   */
  check(timeoutMs: number): Promise<'ok' | 'busy'> {
    // One probe at a time, its outcome shared by every check that comes while it runs: the readiness
    // probe is anonymous and unlimited, and a flood of it must neither fill the pool with SELECT 1 nor
    // open a connection outside the pool per request (review 10a, F1: the server's max_connections).
    this.checking ??= this.probe(timeoutMs).finally(() => {
      this.checking = null;
    });
    return this.checking;
  }

  private async probe(timeoutMs: number): Promise<'ok' | 'busy'> {
    if (!this.pool.saturated) {
      await withTimeout(this.dataSource.query('SELECT 1'), timeoutMs);
      return 'ok';
    }
    if (this.embedded) {
      if (!this.embedded.running) throw new Error('the embedded database is closed');
      return 'busy';
    }
    await withTimeout(this.probeOutsidePool(timeoutMs), timeoutMs);
    return 'busy';
  }

  private async probeOutsidePool(timeoutMs: number): Promise<void> {
    const client = new Client({
      ...this.probeOptions,
      application_name: 'latchkey-ready',
      connectionTimeoutMillis: timeoutMs,
      query_timeout: timeoutMs,
    });
    // A connection that fails later (after a timeout) must not raise an unhandled 'error'.
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  /** Work that must reach the database before it closes (buffered writes). */
  beforeClose(hook: () => Promise<void>): void {
    this.closeHooks.push(hook);
  }

  async close(): Promise<void> {
    for (const hook of this.closeHooks) await hook();
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
    await this.embedded?.stop();
  }
}

async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('database check timed out')), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** At boot the server may still be starting (compose, orchestrators): try for about 30 seconds. */
async function initializeWithRetry(dataSource: DataSource, attempts = 15): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await dataSource.initialize();
      return;
    } catch (error) {
      if (attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  }
}
