import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import type { AppConfig } from '../config/app-config';
import { newSigningSecret, WebhookSecrets } from './webhook-secrets';

const secretsWith = (webhooks: Partial<AppConfig['webhooks']>, dataDir = '/nonexistent') =>
  new WebhookSecrets({ dataDir, webhooks: { secretsKey: null, ...webhooks } } as AppConfig);

describe('webhook signing secrets', () => {
  it('are Standard Webhooks secrets the library accepts', () => {
    const secret = newSigningSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(() => new Webhook(secret)).not.toThrow();
    expect(newSigningSecret()).not.toBe(secret);
  });

  it('open only under the same key and for the same endpoint', () => {
    const a = secretsWith({ secretsKey: 'a'.repeat(32) });
    const sealed = a.seal('whsec_abc', 'endpoint-1');
    expect(sealed).not.toContain('abc');
    expect(a.open(sealed, 'endpoint-1')).toBe('whsec_abc');
    expect(() => a.open(sealed, 'endpoint-2')).toThrow();
    expect(() => secretsWith({ secretsKey: 'b'.repeat(32) }).open(sealed, 'endpoint-1')).toThrow(/LATCHKEY_WEBHOOK_SECRETS_KEY differs/);
    const [v, key, iv, data, tag] = sealed.split('.');
    const flipped = Buffer.from(data, 'base64url');
    flipped[0] ^= 1;
    expect(() => a.open([v, key, iv, flipped.toString('base64url'), tag].join('.'), 'endpoint-1')).toThrow();
  });

  it('without a configured key, make a key file of mode 0600 once and keep using it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'latchkey-secrets-'));
    try {
      const sealed = secretsWith({}, dir).seal('whsec_abc', 'e');
      expect(statSync(join(dir, 'webhook-secrets.key')).mode & 0o777).toBe(0o600);
      expect(secretsWith({}, dir).open(sealed, 'e')).toBe('whsec_abc');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
