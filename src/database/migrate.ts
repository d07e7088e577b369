// Migrations run at start-up under a PostgreSQL advisory lock, so instances starting together take turns.
import { DataSource, MigrationExecutor } from 'typeorm';

// Any constant will do, as long as every Latchkey instance uses the same one ("latchkey" in ASCII).
const MIGRATION_LOCK_KEY = 0x6c617463686b6579n.toString();

export async function runMigrations(dataSource: DataSource): Promise<string[]> {
  // One connection holds the lock and runs the migrations: with the embedded database's single
  // connection, a second one would wait forever.
  const queryRunner = dataSource.createQueryRunner();
  await queryRunner.connect();
  try {
    await queryRunner.query('SELECT pg_advisory_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
    try {
      const executor = new MigrationExecutor(dataSource, queryRunner);
      executor.transaction = 'each';
      const applied = await executor.executePendingMigrations();
      return applied.map((m) => m.name);
    } finally {
      await queryRunner.query('SELECT pg_advisory_unlock($1::bigint)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await queryRunner.release();
  }
}
