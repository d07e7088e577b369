import { MemoryFailureLog } from './login-throttle';

describe('MemoryFailureLog', () => {
  const WINDOW_MS = 900_000;

  it('locks after maxFailures within the window until the oldest of them leaves it', async () => {
    const log = new MemoryFailureLog(3, WINDOW_MS);
    expect(await log.begin('k', 0)).toBeNull();
    expect(await log.begin('k', 1_000)).toBeNull();
    expect(await log.begin('k', 2_000)).toBeNull();
    expect(await log.begin('k', 3_000)).toBe(WINDOW_MS - 3_000);
    // The refused attempt did not count: the lock still ends when the failure at 0 leaves the window.
    expect(await log.begin('k', WINDOW_MS)).toBeNull();
    expect(await log.begin('k', WINDOW_MS + 1)).toBe(1_000 + WINDOW_MS - (WINDOW_MS + 1));
  });

  it('forgets an email on reset', async () => {
    const log = new MemoryFailureLog(1, WINDOW_MS);
    expect(await log.begin('k', 0)).toBeNull();
    expect(await log.begin('k', 1)).not.toBeNull();
    await log.reset('k');
    expect(await log.begin('k', 2)).toBeNull();
  });

  it('stays bounded against a flood of made-up emails: expired keys go first, then the least recently failed', async () => {
    const log = new MemoryFailureLog(1, WINDOW_MS, 3);
    await log.begin('old', 0);
    await log.begin('a', WINDOW_MS - 10);
    await log.begin('b', WINDOW_MS - 5);
    await log.begin('c', WINDOW_MS + 1); // 'old' has expired: it goes
    expect(log.size).toBe(3);
    expect(await log.begin('a', WINDOW_MS + 2)).not.toBeNull();
    await log.begin('d', WINDOW_MS + 3); // none expired: 'a', the least recently failed, goes
    expect(log.size).toBe(3);
    expect(await log.begin('a', WINDOW_MS + 4)).toBeNull(); // and now 'b' goes
    expect(await log.begin('c', WINDOW_MS + 5)).not.toBeNull();
    for (let i = 0; i < 1_000; i++) await log.begin(`flood-${i}`, WINDOW_MS + 6);
    expect(log.size).toBe(3);
  });
});

describe('MemoryFailureLog as the per-email count (no limit)', () => {
  it('counts failures in the window, whatever their number, and forgets them as they leave it', () => {
    const log = new MemoryFailureLog(2, 1_000);
    for (let at = 0; at < 5; at++) log.add('k', at);
    expect(log.count('k', 5)).toBe(5);
    expect(log.count('k', 1_002)).toBe(2);
    expect(log.count('other', 5)).toBe(0);
  });
});
