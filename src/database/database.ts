// Opens the database Latchkey runs on: the PostgreSQL server in DATABASE_URL, or the embedded one.
import { Logger } from '@nestjs/common';
import { DataSource, DataSourceOptions } from 'typeorm';
import type { AppConfig } from '../config/app-config';
import { EmbeddedPostgres, PostgresConnection } from './embedded-postgres';
import { runMigrations } from './migrate';
import { QueryCounter } from './query-counter';
import { ENTITIES, MIGRATIONS } from './schema';

export function dataSourceOptions(
  target: { url: string } | PostgresConnection,
  poolSize: number,
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
      max: poolSize,
      // Fail fast when the server is gone, so requests get a quick 503 instead of hanging.
      connectionTimeoutMillis: 3000,
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
      options = dataSourceOptions({ url: config.databaseUrl }, config.dbPoolSize, queryCounter);
    } else {
      embedded = await EmbeddedPostgres.start({ dataDir: config.dataDir });
      // The embedded database is correct with exactly one connection (see STACK.md): more lose writes.
      options = dataSourceOptions(embedded.connection, 1, queryCounter);
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
