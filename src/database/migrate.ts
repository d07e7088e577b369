// Migrations run at start-up in one transaction under a transaction-scoped advisory lock, so instances
// starting together take turns and the second finds nothing left to do. Transaction scope, not session
// scope: through a pooler in transaction mode (PgBouncer) a session lock would stay behind on a server
// connection that other clients then share, and COMMIT or ROLLBACK (or a lost connection) always
// releases this one. PostgreSQL's DDL is transactional, so a failed migration leaves nothing half done.
import { DataSource, MigrationExecutor } from 'typeorm';

// Any constant will do, as long as every Latchkey instance uses the same one ("latchkey" in ASCII).
const MIGRATION_LOCK_KEY = 0x6c617463686b6579n.toString();

export async function runMigrations(dataSource: DataSource): Promise<string[]> {
  // One connection holds the lock and runs the migrations: with the embedded database's single
  // connection, a second one would wait forever.
  const queryRunner = dataSource.createQueryRunner();
  await queryRunner.connect();
  try {
    await queryRunner.startTransaction();
    try {
      // Waiting for another instance's migrations, and a long migration, must outlast the statement
      // timeout (sent at connect, or set on the role behind PgBouncer): this transaction only.
      await queryRunner.query('SET LOCAL statement_timeout = 0');
      await queryRunner.query('SELECT pg_advisory_xact_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
      const executor = new MigrationExecutor(dataSource, queryRunner);
      // Inside the transaction begun here: the lock must cover reading what is applied as well.
      executor.transaction = 'none';
      const outside = (await executor.getPendingMigrations()).filter((m) => m.instance?.transaction === false);
      if (outside.length > 0) {
        // All migrations run in one transaction (above): one that cannot (CREATE INDEX CONCURRENTLY) would
        // fail at every start. Such a change is applied by hand before the deploy, as the migration's comment says.
        throw new Error(`migrations cannot opt out of the transaction (transaction = false): ${outside.map((m) => m.name).join(', ')}`);
      }
      const applied = await executor.executePendingMigrations();
      await queryRunner.commitTransaction();
      return applied.map((m) => m.name);
    } catch (error) {
      if (queryRunner.isTransactionActive) await queryRunner.rollbackTransaction().catch(() => undefined);
      throw error;
    }
  } finally {
    await queryRunner.release();
  }
}
