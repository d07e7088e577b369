// Races told without luck, on PostgreSQL: a second connection of the test holds a lock where the race
// would be, the test waits until the competing request is seen waiting for it, then lets it go.
import type { Response } from 'supertest';
import type { DataSource, QueryRunner } from 'typeorm';
import type { TestApp } from './test-app';

/**
 * Registers, in the calling describe block, a second connection in an open transaction for each test
 * (`held`, rolled back after it unless the test committed). `app` answers the block's app.
 */
export function secondConnection(app: () => TestApp): { readonly held: QueryRunner } {
  let held: QueryRunner | undefined;
  beforeEach(async () => {
    held = app().dataSource.createQueryRunner();
    await held.connect();
    await held.startTransaction();
  });
  afterEach(async () => {
    if (held?.isTransactionActive) await held.rollbackTransaction();
    await held?.release();
  });
  return {
    get held(): QueryRunner {
      if (!held) throw new Error('the second connection is opened for each test, before it');
      return held;
    },
  };
}

/** Resolves once `count` other backends of this database wait on a lock in a statement matching `like`. */
export async function blockedOnLock(dataSource: DataSource, like: string, count = 1): Promise<'blocked'> {
  for (;;) {
    const [{ n }] = await dataSource.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock' AND query LIKE $1`,
      [like],
    );
    if (n >= count) return 'blocked';
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Sends the request now (supertest sends on then()), answering its response. */
export function send(request: PromiseLike<Response>): Promise<Response> {
  return Promise.resolve(request);
}
