// The outbox through the real application and database: a job commits with its change or not at all,
// a failing delivery is retried after its handler's delay, workers never run one job at once, and a
// job whose worker died is run again once its lease is over.
import { Injectable, Module, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Outbox, OutboxHandler, OutboxJob } from '../../src/outbox/outbox';
import { OutboxWorker } from '../../src/outbox/outbox-worker';
import { OutboxRepository } from '../../src/outbox/outbox.repository';
import { startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase, serverUrl } from '../support/test-database';

/** Records every delivery; `behaviour` decides each one's outcome. */
@Injectable()
class RecordingHandler implements OutboxHandler, OnModuleInit {
  readonly kind = 'test';
  readonly runs: Array<{ id: string; attempt: number; payload: Record<string, unknown> }> = [];
  readonly inFlight = new Set<string>();
  overlaps = 0;
  gaveUp: string[] = [];
  behaviour: (job: OutboxJob) => Promise<void> = async () => undefined;
  delays: Array<number | null> = [60_000, 120_000, null];

  constructor(private readonly worker: OutboxWorker) {}

  onModuleInit(): void {
    this.worker.register(this);
  }

  async deliver(job: OutboxJob): Promise<void> {
    if (this.inFlight.has(job.id)) this.overlaps++;
    this.inFlight.add(job.id);
    this.runs.push({ id: job.id, attempt: job.attempt, payload: job.payload });
    try {
      await this.behaviour(job);
    } finally {
      this.inFlight.delete(job.id);
    }
  }

  retryDelayMs(failedAttempt: number): number | null {
    return this.delays[failedAttempt - 1] ?? null;
  }

  async onGiveUp(job: OutboxJob): Promise<void> {
    this.gaveUp.push(job.id);
  }
}

@Module({ providers: [RecordingHandler] })
class RecordingModule {}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function addJob(t: TestApp, payload: Record<string, unknown> = {}): Promise<string> {
  return t.dataSource.transaction((em) => t.app.get(Outbox).add(em, { kind: 'test', payload }));
}

async function jobRow(
  t: TestApp,
  id: string,
): Promise<{ status: string; attempts: number; payload: unknown; last_error: string | null } | undefined> {
  const rows = await t.dataSource.query(`SELECT status, attempts, payload, last_error FROM outbox_jobs WHERE id = $1`, [id]);
  return rows[0];
}

describe('outbox (manual worker)', () => {
  let t: TestApp;
  let handler: RecordingHandler;
  let worker: OutboxWorker;

  beforeAll(async () => {
    t = await startTestApp({}, undefined, { imports: [RecordingModule] });
    handler = t.app.get(RecordingHandler);
    worker = t.app.get(OutboxWorker);
  });
  afterAll(() => t.close());
  beforeEach(async () => {
    await worker.drainDue();
    handler.runs.length = 0;
    handler.behaviour = async () => undefined;
  });

  it('never runs a job added in a transaction that rolled back', async () => {
    let id = '';
    await expect(
      t.dataSource.transaction(async (em) => {
        id = await t.app.get(Outbox).add(em, { kind: 'test', payload: { n: 1 } });
        throw new Error('the change fails');
      }),
    ).rejects.toThrow('the change fails');
    expect(id).not.toBe('');
    expect(await worker.drainDue()).toBe(0);
    expect(handler.runs).toEqual([]);
    expect(await jobRow(t, id)).toBeUndefined();
  });

  it('runs a job added in a committed transaction once, with its payload, then deletes it', async () => {
    const id = await addJob(t, { to: 'someone', n: 2 });
    expect(await worker.drainDue()).toBe(1);
    expect(handler.runs).toEqual([{ id, attempt: 1, payload: { to: 'someone', n: 2 } }]);
    expect(await jobRow(t, id)).toBeUndefined();
    expect(await worker.drainDue()).toBe(0);
  });

  it('waits for runAt', async () => {
    const id = await t.dataSource.transaction((em) =>
      t.app.get(Outbox).add(em, { kind: 'test', payload: {}, runAt: new Date(t.clock.now().getTime() + 3_600_000) }),
    );
    expect(await worker.drainDue()).toBe(0);
    t.clock.advanceSeconds(3601);
    expect(await worker.drainDue()).toBe(1);
    expect(handler.runs.map((r) => r.id)).toEqual([id]);
  });

  it("retries a failing delivery after the handler's delay, with the same id, then gives up and blanks the payload", async () => {
    handler.behaviour = async () => {
      throw new Error('receiver down');
    };
    const id = await addJob(t, { link: 'https://example.test/one-time' });
    expect(await worker.drainDue()).toBe(1);
    expect(await worker.drainDue()).toBe(0); // not before its 60 s delay
    t.clock.advanceSeconds(59);
    expect(await worker.drainDue()).toBe(0);
    t.clock.advanceSeconds(2);
    expect(await worker.drainDue()).toBe(1);
    expect(await jobRow(t, id)).toMatchObject({ status: 'pending', attempts: 2, last_error: 'Error: receiver down' });
    t.clock.advanceSeconds(121);
    expect(await worker.drainDue()).toBe(1);
    expect(handler.runs.map((r) => [r.id, r.attempt])).toEqual([
      [id, 1],
      [id, 2],
      [id, 3],
    ]);
    expect(handler.gaveUp).toEqual([id]);
    expect(await jobRow(t, id)).toMatchObject({ status: 'failed', attempts: 3, payload: {} });
    t.clock.advanceSeconds(3600);
    expect(await worker.drainDue()).toBe(0);
  });

  it('a failure followed by success delivers on the retry', async () => {
    let calls = 0;
    handler.behaviour = async () => {
      if (++calls === 1) throw new Error('first try fails');
    };
    const id = await addJob(t);
    await worker.drainDue();
    t.clock.advanceSeconds(61);
    await worker.drainDue();
    expect(handler.runs.map((r) => [r.id, r.attempt])).toEqual([
      [id, 1],
      [id, 2],
    ]);
    expect(await jobRow(t, id)).toBeUndefined();
  });

  it('runs a claimed job whose worker died again once the lease is over, and the dead attempt cannot finish it', async () => {
    const id = await addJob(t);
    // A worker claims it and dies before delivering: nothing but the claim happened.
    const now = t.clock.now();
    const lease = t.config.outbox.leaseSeconds * 1000;
    const claimed = await t.app.get(OutboxRepository).claim('test', now, new Date(now.getTime() + lease), {
      limit: 10,
      perShareKey: 10,
      roomByShareKey: new Map(),
      failingKeys: [],
      failingRoom: 0,
    });
    expect(claimed.map((j) => j.id)).toEqual([id]);
    expect(await worker.drainDue()).toBe(0); // still leased
    t.clock.advance(lease - 1000);
    expect(await worker.drainDue()).toBe(0);
    t.clock.advance(2000);
    handler.behaviour = async () => {
      throw new Error('still down');
    };
    expect(await worker.drainDue()).toBe(1);
    expect(handler.runs).toEqual([{ id, attempt: 2, payload: {} }]);
    // The dead worker's late "delivered" names attempt 1: the retry scheduled by attempt 2 stands.
    await t.app.get(OutboxRepository).delivered(id, 1);
    expect(await jobRow(t, id)).toMatchObject({ status: 'pending', attempts: 2 });
    handler.behaviour = async () => undefined;
    t.clock.advanceSeconds(121);
    expect(await worker.drainDue()).toBe(1);
    expect(await jobRow(t, id)).toBeUndefined();
  });

  it("claims other keys' jobs past thousands of older due jobs of a share key at its cap, and of a key no more than its room", async () => {
    // A kind no lane runs, so only these claims take its jobs.
    const kind = 'shared-test';
    const now = t.clock.now();
    const ago = (ms: number) => new Date(now.getTime() - ms);
    const repository = t.app.get(OutboxRepository);
    const stuck = await repository.insertMany(
      t.dataSource.manager,
      Array.from({ length: 2000 }, (_, n) => ({ kind, payload: {}, shareKey: 'a', runAt: ago(3_600_000 - n), createdAt: now })),
    );
    const [other, unkeyed] = await repository.insertMany(t.dataSource.manager, [
      { kind, payload: {}, shareKey: 'b', runAt: ago(60_000), createdAt: now },
      { kind, payload: {}, runAt: ago(30_000), createdAt: now },
    ]);
    const leaseUntil = new Date(now.getTime() + 60_000);
    const claim = async (limit: number, roomByShareKey: Map<string, number>) =>
      (await repository.claim(kind, now, leaseUntil, { limit, perShareKey: 3, roomByShareKey, failingKeys: [], failingRoom: 0 }))
        .map((j) => j.id)
        .sort();

    expect(await claim(5, new Map([['a', 0]]))).toEqual([other, unkeyed].sort());
    expect(await claim(5, new Map([['a', 1]]))).toEqual([stuck[0]]);
    expect(await claim(2, new Map())).toEqual([stuck[1], stuck[2]].sort());
  });

  it('claims of the failing share keys together no more than their room, the oldest due first, and every other key as before', async () => {
    const kind = 'failing-test';
    const now = t.clock.now();
    const ago = (ms: number) => new Date(now.getTime() - ms);
    const repository = t.app.get(OutboxRepository);
    const failing = ['f1', 'f2', 'f3'];
    const failingJobs = await repository.insertMany(
      t.dataSource.manager,
      failing.flatMap((shareKey, n) => [
        { kind, payload: {}, shareKey, runAt: ago(90_000 - n), createdAt: now },
        { kind, payload: {}, shareKey, runAt: ago(80_000 - n), createdAt: now },
      ]),
    );
    const [ok] = await repository.insertMany(t.dataSource.manager, [
      { kind, payload: {}, shareKey: 'ok', runAt: ago(10_000), createdAt: now },
    ]);
    const leaseUntil = new Date(now.getTime() + 60_000);
    const roomByShareKey = new Map(failing.map((key) => [key, 1]));
    const claim = async (failingRoom: number) =>
      (await repository.claim(kind, now, leaseUntil, { limit: 10, perShareKey: 3, roomByShareKey, failingKeys: failing, failingRoom }))
        .map((j) => j.id)
        .sort();

    // Room for none of them: only the key that delivers.
    expect(await claim(0)).toEqual([ok]);
    // Room for two: the oldest job of the two keys due the longest (f1's and f2's), one each.
    expect(await claim(2)).toEqual([failingJobs[0], failingJobs[2]].sort());
  });

  it('two drains at once never run the same job twice', async () => {
    handler.behaviour = async () => {
      await sleep(20);
    };
    const ids = await Promise.all(Array.from({ length: 25 }, (_, n) => addJob(t, { n })));
    const [a, b] = await Promise.all([worker.drainDue(), worker.drainDue()]);
    expect(a + b).toBe(25);
    expect(handler.overlaps).toBe(0);
    expect(handler.runs.map((r) => r.id).sort()).toEqual([...ids].sort());
  });
});

describe('outbox (background worker)', () => {
  it('delivers soon after the commit without being asked', async () => {
    const t = await startTestApp({ LATCHKEY_OUTBOX_WORKER: 'on', LATCHKEY_OUTBOX_POLL_SECONDS: '300' }, undefined, {
      imports: [RecordingModule],
    });
    try {
      const handler = t.app.get(RecordingHandler);
      const id = await addJob(t, { n: 1 });
      for (let i = 0; i < 100 && handler.runs.length === 0; i++) await sleep(20);
      expect(handler.runs.map((r) => r.id)).toEqual([id]);
    } finally {
      await t.close();
    }
  });

  it('an instance with the worker on schedules the token expiry scan, which runs and schedules the next hour once', async () => {
    const t = await startTestApp({ LATCHKEY_OUTBOX_WORKER: 'on', LATCHKEY_OUTBOX_POLL_SECONDS: '300' });
    try {
      const hour = 3_600_000;
      const nextSlot = (Math.floor(t.clock.now().getTime() / hour) + 1) * hour;
      let rows: Array<{ runAt: Date }> = [];
      for (let i = 0; i < 150; i++) {
        rows = await t.dataSource.query(
          `SELECT run_at AS "runAt" FROM outbox_jobs WHERE kind = 'token-expiry-scan' AND status = 'pending'`,
        );
        // A claimed scan's row is pushed one lease ahead (not on the hour): wait for the next hour's row.
        if (rows.length === 1 && rows[0].runAt.getTime() % hour === 0 && rows[0].runAt.getTime() >= nextSlot) break;
        await sleep(20);
      }
      // This hour's scan ran (its row is gone) and left exactly one for the next hour (the one after,
      // when the test itself ran across the hour).
      expect(rows).toHaveLength(1);
      expect([nextSlot, nextSlot + hour]).toContain(rows[0].runAt.getTime());
    } finally {
      await t.close();
    }
  });

  // Two instances on one PostgreSQL database (the embedded one admits a single process).
  (serverUrl() ? it : it.skip)('two instances share the jobs and never run one twice', async () => {
    const db = await createTestDatabase();
    const env = { LATCHKEY_OUTBOX_WORKER: 'on', LATCHKEY_OUTBOX_POLL_SECONDS: '1' };
    const [a, b] = [
      await startTestApp(env, db, { imports: [RecordingModule] }),
      await startTestApp(env, db, { imports: [RecordingModule] }),
    ];
    try {
      const handlers = [a.app.get(RecordingHandler), b.app.get(RecordingHandler)];
      for (const h of handlers)
        h.behaviour = async () => {
          await sleep(30);
        };
      const ids: string[] = [];
      await a.app.get(DataSource).transaction(async (em) => {
        for (let n = 0; n < 40; n++) ids.push(await a.app.get(Outbox).add(em, { kind: 'test', payload: { n } }));
      });
      b.app
        .get(OutboxWorker)
        .drainDue()
        .catch(() => undefined);
      const all = () => handlers.flatMap((h) => h.runs.map((r) => r.id));
      for (let i = 0; i < 250 && all().length < 40; i++) await sleep(20);
      expect(all().sort()).toEqual([...ids].sort());
      expect(handlers[1].runs.length).toBeGreaterThan(0);
    } finally {
      await a.close();
      await b.close();
      await db.drop();
    }
  });
});
