import { Clock } from '../common/clock';
import type { AppConfig } from '../config/app-config';
import type { WebhookSender } from '../webhooks/webhook-sender';
import { IssuerKeys, IssuerKeysError, MAX_ISSUERS } from './issuer-keys';

class FixedClock extends Clock {
  now(): Date {
    return new Date('2026-12-07T10:00:00Z');
  }
}

/** IssuerKeys over a sender that fails every fetch, counting the fetches per issuer. */
function failingIssuerKeys(): { keys: IssuerKeys; fetchesOf: (issuer: string) => number } {
  const fetches = new Map<string, number>();
  const sender = {
    request: (url: string) => {
      const issuer = url.replace('/.well-known/openid-configuration', '');
      fetches.set(issuer, (fetches.get(issuer) ?? 0) + 1);
      return Promise.resolve({ ok: false, error: 'ECONNREFUSED' });
    },
  } as unknown as WebhookSender;
  const config = { webhooks: { allowedCidrs: [] }, federation: { allowHttp: false, timeoutMs: 1000 } } as unknown as AppConfig;
  return { keys: new IssuerKeys(sender, new FixedClock(), config), fetchesOf: (issuer) => fetches.get(issuer) ?? 0 };
}

async function failedFetch(keys: IssuerKeys, issuer: string): Promise<void> {
  await expect(Promise.resolve(keys.keys(issuer))).rejects.toBeInstanceOf(IssuerKeysError);
}

describe('IssuerKeys: failed fetches are remembered', () => {
  it('answers a failed issuer again from memory within the cooldown, without fetching', async () => {
    const { keys, fetchesOf } = failingIssuerKeys();
    await failedFetch(keys, 'https://issuer.example');
    await failedFetch(keys, 'https://issuer.example');
    expect(fetchesOf('https://issuer.example')).toBe(1);
  });

  it('keeps an issuer in use remembered while many made-up issuers fail (least recently used goes, not all)', async () => {
    const { keys, fetchesOf } = failingIssuerKeys();
    const hammered = 'https://hammered.example';
    await failedFetch(keys, hammered);
    for (let i = 0; i < MAX_ISSUERS - 1; i += 1) await failedFetch(keys, `https://made-up-${i}.example`);
    await failedFetch(keys, hammered);
    // Past the limit: a cache that started over here would fetch the hammered issuer again.
    for (let i = 0; i < 10; i += 1) await failedFetch(keys, `https://more-made-up-${i}.example`);
    await failedFetch(keys, hammered);
    expect(fetchesOf(hammered)).toBe(1);
    // The least recently used made-up issuer was forgotten, and is fetched again.
    await failedFetch(keys, 'https://made-up-0.example');
    expect(fetchesOf('https://made-up-0.example')).toBe(2);
  });
});
