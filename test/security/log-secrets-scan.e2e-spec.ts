// The log scanner CI runs over the test apps' log (reliability/log-secrets.ts) must find each kind of
// secret Latchkey makes; a pattern that misses one would pass any log.
import { generateToken } from '../../src/auth/token-format';
import { scanLog } from '../../reliability/log-secrets';

const line = (msg: string) => JSON.stringify({ level: 30, msg });

describe('log secret scanner', () => {
  it.each(['lkp_', 'lka_', 'lks_', 'lki_', 'lkv_', 'lkr_'] as const)('finds a %s token, whole or in part', (prefix) => {
    const secret = generateToken(prefix);
    expect(scanLog(line(`link ${secret}`), []).findings.map((f) => f.kind)).toContain('token with a valid checksum');
    expect(scanLog(line(`part ${secret.slice(0, 20)}`), []).findings.map((f) => f.kind)).toContain('token fragment');
    // The excerpt shortens the secret it reports.
    expect(JSON.stringify(scanLog(line(secret), []).findings)).not.toContain(secret);
  });

  it('finds a webhook signing secret', () => {
    const found = scanLog(line('secret whsec_' + 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6'), []).findings;
    expect(found.map((f) => f.kind)).toEqual(['webhook signing secret']);
  });

  it('leaves hints and ordinary lines alone', () => {
    expect(scanLog([line('token lkv_abcd…wxyz used'), line('webhook created')].join('\n'), []).findings).toEqual([]);
  });
});
