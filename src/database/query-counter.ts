// Counts every SQL statement TypeORM sends, for the metrics and for tests that prove a path makes no query.
import type { Logger as TypeOrmLogger } from 'typeorm';

export class QueryCounter implements TypeOrmLogger {
  private count = 0;
  private readonly listeners: Array<(sql: string) => void> = [];

  get total(): number {
    return this.count;
  }

  onQuery(listener: (sql: string) => void): () => void {
    this.listeners.push(listener);
    return () => this.listeners.splice(this.listeners.indexOf(listener), 1);
  }

  logQuery(sql: string): void {
    this.count++;
    for (const listener of this.listeners) listener(sql);
  }

  logQueryError(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}
}
