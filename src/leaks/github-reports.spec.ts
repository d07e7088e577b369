import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AppConfig } from '../config/app-config';
import { GithubReports } from './github-reports';
import type { LeakedTokens } from './leaked-tokens';

const dir = mkdtempSync(join(tmpdir(), 'latchkey-keys-'));
const configWith = (githubKeysFile: string | null) => ({ leaks: { githubKeysFile, reportsPerIpPerHour: 0 } }) as unknown as AppConfig;
const leaks = {} as LeakedTokens;

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('GithubReports keys at start', () => {
  it('starts with a good file, and without one (the endpoint then answers 404)', async () => {
    const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' });
    expect(
      () => new GithubReports(leaks, configWith(file('good.json', JSON.stringify({ public_keys: [{ key_identifier: 'k', key: pem }] })))),
    ).not.toThrow();
    await expect(new GithubReports(leaks, configWith(null)).report(Buffer.from('[]'), 'k', 'sig', [], null)).rejects.toMatchObject({
      code: 'not_found',
    });
  });

  it.each([
    ['a missing file', join(dir, 'missing.json'), /cannot be read: ENOENT/],
    ['a file that is not JSON', file('bad.json', 'not json'), /is not JSON/],
    ['a file without keys', file('empty.json', '{"public_keys":[]}'), /no public_keys/],
  ])('refuses to start with %s, saying why and naming the setting', (_label, path, reason) => {
    expect(() => new GithubReports(leaks, configWith(path))).toThrow(reason);
    expect(() => new GithubReports(leaks, configWith(path))).toThrow(/LATCHKEY_GITHUB_SECRET_SCANNING_KEYS_FILE/);
  });
});
