// Global, as infrastructure: the one data source (embedded PGlite or PostgreSQL) every repository uses.
import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { Database } from './database';
import { QueryCounter } from './query-counter';

@Global()
@Module({
  providers: [
    QueryCounter,
    {
      provide: Database,
      inject: [APP_CONFIG, QueryCounter],
      useFactory: (config: AppConfig, counter: QueryCounter) => Database.open(config, counter),
    },
    { provide: DataSource, inject: [Database], useFactory: (database: Database) => database.dataSource },
  ],
  exports: [DataSource, Database, QueryCounter],
})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(@Inject(Database) private readonly database: Database) {}

  // Runs after every beforeApplicationShutdown hook (the last-used flush needs the database).
  async onApplicationShutdown(): Promise<void> {
    await this.database.close();
  }
}
