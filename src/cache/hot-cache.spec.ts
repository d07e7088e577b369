import { loadConfig } from '../config/app-config';
import { HotCache, tag } from './hot-cache';

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

  it('stores nothing while the invalidation channel is lost, and caches again once it is back', async () => {
    const cache = new HotCache<{ n: number }>(config);
    cache.set('a', { n: 1 });
    cache.invalidate({ kind: 'all', channelLost: true });
    expect(cache.get('a')).toBeUndefined();
    cache.set('a', { n: 2 });
    expect(await cache.fill('b', async () => ({ n: 3 }))).toEqual({ n: 3 });
    expect(cache.size).toBe(0);
    cache.invalidate({ kind: 'all' });
    cache.set('a', { n: 4 });
    expect(cache.get('a')).toEqual({ n: 4 });
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

  describe('invalidation by tag (audit L9)', () => {
    const long = loadConfig({ LATCHKEY_CACHE_TTL_SECONDS: '300', LATCHKEY_CACHE_MAX_ENTRIES: '200000' });
    type Entry = { owner: string; workspaces: string[] };
    const tagged = () => {
      const calls = { n: 0 };
      const cache = new HotCache<Entry>(long, {
        tags: (key, e) => {
          calls.n++;
          return [tag('token', key), tag('user', e.owner), ...e.workspaces.map((w) => tag('workspace', w))];
        },
      });
      return { cache, calls };
    };
    const deferred = () => {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      return { promise, resolve };
    };

    it('stores many entries read at once on the terms of one fill each: not one whose tag an event named meanwhile, nor any across "all" or a lost channel', async () => {
      const { cache } = tagged();
      const read = deferred();
      const filled = cache.fillMany(async () => {
        await read.promise;
        return [
          ['t1', { owner: 'u1', workspaces: ['w1'] }],
          ['t2', { owner: 'u2', workspaces: ['w2'] }],
          ['t3', { owner: 'u3', workspaces: ['w3'] }],
        ];
      });
      // While they are read: u2 changes (its token's credential may be stale), and w9, which none names.
      cache.invalidate({ kind: 'user', id: 'u2' });
      cache.invalidate({ kind: 'workspace', id: 'w9' });
      read.resolve();
      await filled;
      expect(cache.get('t1')).toEqual({ owner: 'u1', workspaces: ['w1'] });
      expect(cache.get('t2')).toBeUndefined();
      expect(cache.get('t3')).toEqual({ owner: 'u3', workspaces: ['w3'] });
      expect(cache.bookkeeping.fillsInFlight).toBe(0);

      const again = deferred();
      const acrossAll = cache.fillMany(async () => {
        await again.promise;
        return [['t4', { owner: 'u4', workspaces: [] }]];
      });
      cache.invalidate({ kind: 'all' });
      again.resolve();
      await acrossAll;
      expect(cache.get('t4')).toBeUndefined();

      cache.invalidate({ kind: 'all', channelLost: true });
      const whileLost = jest.fn(async () => [['t5', { owner: 'u5', workspaces: [] }]] as Array<[string, Entry]>);
      await cache.fillMany(whileLost);
      expect(cache.get('t5')).toBeUndefined();
      // Nothing it read could be kept, so nothing is read.
      expect(whileLost).not.toHaveBeenCalled();
    });

    it('reads nothing for many entries with the cache off (no TTL)', async () => {
      const off = new HotCache<Entry>(loadConfig({ LATCHKEY_CACHE_TTL_SECONDS: '0' }));
      const read = jest.fn(async () => [['t1', { owner: 'u1', workspaces: [] }]] as Array<[string, Entry]>);
      await off.fillMany(read);
      expect(read).not.toHaveBeenCalled();
      expect(off.get('t1')).toBeUndefined();
    });

    it('drops only the entries an event names, without looking at the others', () => {
      const { cache, calls } = tagged();
      for (let n = 0; n < 100_000; n++) cache.set(`t${n}`, { owner: `u${n % 1000}`, workspaces: [`w${n % 10}`] });
      calls.n = 0;
      const started = performance.now();
      for (let n = 0; n < 1000; n++) cache.invalidate({ kind: 'token', id: `absent${n}` });
      expect(calls.n).toBe(0);
      cache.invalidate({ kind: 'user', id: 'u7' });
      // Only the 100 entries of u7 were touched (each one's tags, to take it out of the index).
      expect(calls.n).toBe(100);
      expect(cache.size).toBe(99_900);
      expect(cache.get('t7')).toBeUndefined();
      expect(cache.get('t8')).toBeDefined();
      cache.invalidate({ kind: 'token', id: 't8' });
      expect(cache.get('t8')).toBeUndefined();
      cache.invalidate({ kind: 'workspace', id: 'w9' });
      expect(cache.size).toBe(99_900 - 1 - 10_000);
      // Was a scan of 100k entries per event: now 1,000 events take about what one scan did.
      expect(performance.now() - started).toBeLessThan(1000);
    });

    it('keeps a fill in flight across events about other things, and discards it across one about its own', async () => {
      const { cache } = tagged();
      const gate = deferred();
      const kept = cache.fill('a', async () => {
        await gate.promise;
        return { owner: 'u1', workspaces: ['w1'] };
      });
      const dropped = cache.fill('b', async () => {
        await gate.promise;
        return { owner: 'u2', workspaces: ['w1'] };
      });
      cache.invalidate({ kind: 'token', id: 'c' });
      cache.invalidate({ kind: 'user', id: 'u3' });
      cache.invalidate({ kind: 'user', id: 'u2' });
      gate.resolve();
      await Promise.all([kept, dropped]);
      expect(cache.get('a')).toBeDefined();
      expect(cache.get('b')).toBeUndefined();
    });

    it('discards every fill in flight on an "all" event', async () => {
      const { cache } = tagged();
      const gate = deferred();
      const filled = cache.fill('a', async () => {
        await gate.promise;
        return { owner: 'u1', workspaces: [] };
      });
      cache.invalidate({ kind: 'all' });
      gate.resolve();
      await filled;
      expect(cache.get('a')).toBeUndefined();
      expect(cache.bookkeeping).toEqual({ tags: 0, touched: 0, fillsInFlight: 0 });
    });

    it('forgets events once no fill in flight began before them, and keeps the index exact through evictions', async () => {
      const small = new HotCache<Entry>(long, { tags: (key, e) => [tag('token', key), tag('user', e.owner)], maxEntries: 10 });
      for (let n = 0; n < 1000; n++) small.set(`t${n}`, { owner: `u${n}`, workspaces: [] });
      // Ten entries of two tags each: the evicted ones left the index.
      expect(small.bookkeeping.tags).toBe(20);
      const gate = deferred();
      const slow = small.fill('slow', async () => {
        await gate.promise;
        return null;
      });
      for (let n = 0; n < 500; n++) small.invalidate({ kind: 'token', id: `spam${n}` });
      expect(small.bookkeeping.touched).toBe(500);
      gate.resolve();
      await slow;
      small.invalidate({ kind: 'token', id: 'last' });
      expect(small.bookkeeping).toEqual({ tags: 20, touched: 0, fillsInFlight: 0 });
    });

    it('lets a failed read go without leaving it in flight', async () => {
      const { cache } = tagged();
      await expect(cache.fill('a', () => Promise.reject(new Error('down')))).rejects.toThrow('down');
      cache.invalidate({ kind: 'token', id: 'x' });
      expect(cache.bookkeeping.fillsInFlight).toBe(0);
      expect(cache.bookkeeping.touched).toBe(0);
    });
  });
});
