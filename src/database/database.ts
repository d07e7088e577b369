// Opens the database Latchkey runs on: the PostgreSQL server in DATABASE_URL, or the embedded one.
import { Logger } from '@nestjs/common';
import { DataSource, DataSourceOptions } from 'typeorm';
import type { AppConfig } from '../config/app-config';
import { EmbeddedPostgres, PostgresConnection } from './embedded-postgres';
import { runMigrations } from './migrate';
import { QueryCounter } from './query-counter';
import { ENTITIES, MIGRATIONS } from './schema';

/** pg-pool's default wait for a connection, and for a new connection to open. */
export const DEFAULT_ACQUIRE_TIMEOUT_MS = 3000;

export interface PoolOptions {
  size: number;
  /** pg-pool has one timeout for two waits: for a pooled connection when all are busy, and for a new connection to open. */
  acquireTimeoutMs?: number;
}

export function dataSourceOptions(target: { url: string } | PostgresConnection, pool: PoolOptions, logger?: QueryCounter): DataSourceOptions {
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
      statement_timeout: 15000,
    },
  };
}

export class Database {
  private readonly logger = new Logger('Database');
  private readonly closeHooks: Array<() => Promise<void>> = [];

  private constructor(
    readonly dataSource: DataSource,
    private readonly embedded: EmbeddedPostgres | null,
  ) {}

  static async open(config: AppConfig, queryCounter: QueryCounter): Promise<Database> {
    let embedded: EmbeddedPostgres | null = null;
    let options: DataSourceOptions;
    if (config.databaseUrl) {
      options = dataSourceOptions({ url: config.databaseUrl }, { size: config.dbPoolSize, acquireTimeoutMs: config.dbAcquireTimeoutMs }, queryCounter);
    } else {
      embedded = await EmbeddedPostgres.start({ dataDir: config.dataDir });
      // The embedded database is correct with exactly one connection (see STACK.md): more lose writes.
      options = dataSourceOptions(embedded.connection, { size: 1, acquireTimeoutMs: config.dbAcquireTimeoutMs }, queryCounter);
    }
    const dataSource = new DataSource(options);
    try {
      await initializeWithRetry(dataSource);
      const applied = await runMigrations(dataSource);
      const database = new Database(dataSource, embedded);
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
