// Review of issue 20: a cache bypassed while the invalidation channel is lost, against fills in flight
// across the loss and the return, and the events that may arrive meanwhile.
import { loadConfig } from '../config/app-config';
import { HotCache, tag } from './hot-cache';

type Entry = { n: number; token: string };

describe('HotCache across a lost and regained invalidation channel', () => {
  const config = loadConfig({ LATCHKEY_CACHE_TTL_SECONDS: '300', LATCHKEY_CACHE_MAX_ENTRIES: '1000' });
  const newCache = () => new HotCache<Entry>(config, { tags: (_key, value) => [tag('token', value.token)] });
  /** A read the test finishes when it likes. */
  const pendingRead = () => {
    let finish: (value: Entry) => void = () => undefined;
    const read = new Promise<Entry>((resolve) => (finish = resolve));
    return { read: () => read, finish };
  };

  it('stores nothing a fill read before the loss, even when it finishes after the channel is back', async () => {
    const cache = newCache();
    const slow = pendingRead();
    const fill = cache.fill('k', slow.read);
    cache.invalidate({ kind: 'all', channelLost: true });
    cache.invalidate({ kind: 'all' });
    // The row read before the loss may predate a revocation announced while nobody listened.
    slow.finish({ n: 1, token: 't' });
    await fill;
    expect(cache.get('k')).toBeUndefined();
  });

  it('stores nothing a fill began while the channel was lost, when it finishes after it is back', async () => {
    const cache = newCache();
    cache.invalidate({ kind: 'all', channelLost: true });
    const slow = pendingRead();
    const fill = cache.fill('k', slow.read);
    cache.invalidate({ kind: 'all' });
    slow.finish({ n: 1, token: 't' });
    await fill;
    expect(cache.get('k')).toBeUndefined();
    // A fill begun after the return is stored.
    await cache.fill('k', async () => ({ n: 2, token: 't' }));
    expect(cache.get('k')).toEqual({ n: 2, token: 't' });
  });

  it('stays bypassed through named events while lost, and through a second loss', async () => {
    const cache = newCache();
    cache.invalidate({ kind: 'all', channelLost: true });
    cache.invalidate({ kind: 'token', id: 't' });
    cache.invalidate({ kind: 'workspace', id: 'w' });
    cache.invalidate({ kind: 'all', channelLost: true });
    await cache.fill('k', async () => ({ n: 1, token: 't' }));
    cache.set('j', { n: 2, token: 'u' });
    expect(cache.size).toBe(0);
  });

  it('stores nothing a fill read across a loss that happens while another fill of the same key is in flight', async () => {
    const cache = newCache();
    const before = pendingRead();
    const during = pendingRead();
    const first = cache.fill('k', before.read);
    cache.invalidate({ kind: 'all', channelLost: true });
    const second = cache.fill('k', during.read);
    cache.invalidate({ kind: 'all' });
    during.finish({ n: 2, token: 't' });
    before.finish({ n: 1, token: 't' });
    await Promise.all([first, second]);
    expect(cache.get('k')).toBeUndefined();
    expect(cache.bookkeeping.fillsInFlight).toBe(0);
  });

  it('with caches off (TTL 0), a lost channel changes nothing and nothing is ever stored', async () => {
    const cache = new HotCache<Entry>(loadConfig({ LATCHKEY_CACHE_TTL_SECONDS: '0' }));
    cache.invalidate({ kind: 'all', channelLost: true });
    cache.invalidate({ kind: 'all' });
    expect(await cache.fill('k', async () => ({ n: 1, token: 't' }))).toEqual({ n: 1, token: 't' });
    expect(cache.get('k')).toBeUndefined();
  });
});
