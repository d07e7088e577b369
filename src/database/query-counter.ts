// Counts every SQL statement TypeORM sends, for the metrics and for tests that prove a path makes no query.
import type { Logger as TypeOrmLogger } from 'typeorm';

export class QueryCounter implements TypeOrmLogger {
  private count = 0;
  private readonly listeners: Array<() => void> = [];

  get total(): number {
    return this.count;
  }

  onQuery(listener: () => void): void {
    this.listeners.push(listener);
  }

  logQuery(): void {
    this.count++;
    for (const listener of this.listeners) listener();
  }

  logQueryError(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}
}
