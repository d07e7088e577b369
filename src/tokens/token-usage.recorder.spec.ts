// The usage recorder's buffer: counted in memory, one statement per flush, nothing lost silently.
import type { Clock } from '../common/clock';
import type { AppConfig } from '../config/app-config';
import type { Database } from '../database/database';
import { HOUR_MS, TokenUsageRecorder, USAGE_MAX_PENDING } from './token-usage.recorder';
import type { TokenUsageRepository, UsageTally } from './token-usage.repository';

function recorder(add: (tallies: readonly UsageTally[]) => Promise<void>, now: { ms: number }) {
  const repository = { add: jest.fn(add), deleteBefore: jest.fn(async () => 0) };
  const clock = { now: () => new Date(now.ms), nowMs: () => now.ms } as Clock;
  const instance = new TokenUsageRecorder(repository as unknown as TokenUsageRepository, {} as Database, clock, {
    lastUsedFlushSeconds: 10,
  } as AppConfig);
  return { instance, repository };
}

describe('TokenUsageRecorder', () => {
  it('writes one statement per flush, a row per token and hour, refusals with requests', async () => {
    const now = { ms: 100 * HOUR_MS + 5 };
    const written: UsageTally[] = [];
    const { instance, repository } = recorder(async (t) => void written.push(...t), now);
    instance.request('a', now.ms);
    instance.request('a', now.ms);
    instance.refusal('a');
    instance.request('b', now.ms);
    now.ms += HOUR_MS;
    instance.request('a', now.ms);
    await instance.flush();
    expect(repository.add).toHaveBeenCalledTimes(1);
    expect(written.map((w) => [w.tokenId, w.hour.getTime() / HOUR_MS, w.requests, w.refusals]).sort()).toEqual(
      [
        ['a', 100, 2, 1],
        ['a', 101, 1, 0],
        ['b', 100, 1, 0],
      ].sort(),
    );
    await instance.flush();
    expect(repository.add).toHaveBeenCalledTimes(1);
  });

  it('keeps the counts of a failed flush for the next one', async () => {
    const now = { ms: 7 * HOUR_MS };
    let fail = true;
    const written: UsageTally[] = [];
    const { instance } = recorder(async (t) => {
      if (fail) throw new Error('database down');
      written.push(...t);
    }, now);
    instance.request('a', now.ms);
    await instance.flush();
    expect(instance.stats.flushFailures).toBe(1);
    fail = false;
    instance.request('a', now.ms);
    await instance.flush();
    expect(written).toEqual([{ tokenId: 'a', hour: new Date(7 * HOUR_MS), requests: 2, refusals: 0 }]);
  });

  it('drops the uses of new tokens past the cap and counts them, while tokens already counted go on', async () => {
    const now = { ms: 3 * HOUR_MS };
    const { instance } = recorder(async () => undefined, now);
    for (let i = 0; i < USAGE_MAX_PENDING; i++) instance.request(`t${i}`, now.ms);
    instance.request('one-too-many', now.ms);
    instance.request('t0', now.ms);
    expect(instance.stats.dropped).toBe(1);
  });
});
