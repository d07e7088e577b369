import { loadConfig } from '../config/app-config';
import { HotCache } from './hot-cache';

describe('HotCache', () => {
  const config = loadConfig({ LATCHKEY_CACHE_TTL_SECONDS: '1', LATCHKEY_CACHE_MAX_ENTRIES: '1000' });

  it('drops expired entries when something is added after a TTL, not only at the size bound', async () => {
    const cache = new HotCache<{ n: number }>(config);
    for (let n = 0; n < 100; n++) cache.set(`old-${n}`, { n });
    expect(cache.size).toBe(100);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    cache.set('new', { n: 1 });
    expect(cache.size).toBe(1);
    expect(cache.get('new')).toEqual({ n: 1 });
  });

  it('keeps live entries when it purges', async () => {
    const cache = new HotCache<{ n: number }>(config);
    cache.set('a', { n: 1 });
    await new Promise((resolve) => setTimeout(resolve, 600));
    cache.set('b', { n: 2 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    cache.set('c', { n: 3 });
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('b')).toEqual({ n: 2 });
    expect(cache.size).toBe(2);
  });

  it('stores nothing a fill read across an invalidation', async () => {
    const cache = new HotCache<{ n: number }>(config);
    const filled = cache.fill('k', async () => {
      cache.clear();
      return { n: 1 };
    });
    await expect(filled).resolves.toEqual({ n: 1 });
    expect(cache.get('k')).toBeUndefined();
  });
});
