// Review of issue 20: QueryRunnerAlreadyReleasedError now means "database unavailable" (503), as TypeORM
// raises it when a transaction's connection reported an error. It is also what a plain programming
// error raises, with the database perfectly up: a transaction's manager used after the transaction
// ended (a query not awaited inside it, a manager kept for later). On both databases.
import { Controller, Get, Module } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Public } from '../../src/auth/access.decorators';
import { expectProblem } from '../support/api';
import { LogCapture } from '../support/log-capture';
import { startTestApp, TestApp } from '../support/test-app';

@Controller('review-released')
class LeakedManagerController {
  constructor(private readonly dataSource: DataSource) {}

  @Get()
  @Public()
  async leaked(): Promise<object> {
    let kept: EntityManager | null = null;
    await this.dataSource.transaction(async (em) => {
      kept = em;
      await em.query('SELECT 1');
    });
    // The bug: the transaction is over and its query runner released.
    return (kept as unknown as EntityManager).query('SELECT 1');
  }
}

@Module({ controllers: [LeakedManagerController] })
class LeakedManagerModule {}

describe('review: a released query runner with the database up', () => {
  let t: TestApp;
  const logs = new LogCapture();

  beforeAll(async () => {
    t = await startTestApp({ LATCHKEY_LOG_LEVEL: 'warn' }, undefined, { imports: [LeakedManagerModule], logDestination: logs });
  });
  afterAll(() => t?.close());

  it('is answered as the bug it is (500, logged as an error), not as an outage the client should wait out', async () => {
    expect((await t.http().get('/health/ready')).status).toBe(200);
    const res = await t.http().get('/v1/review-released');
    // Bug: RELEASED_RUNNER_ERRORS (src/database/database-errors.ts) calls it "unreachable" whatever the
    // state of the database: 503 `unavailable`, a warning, and latchkey_database_unavailable_total moves,
    // so a 500-rate alert never sees the bug and the outage dashboard shows an outage that is not there.
    expectProblem(res, 500, 'internal');
    expect(logs.text).toContain('unhandled error');
  });
});
