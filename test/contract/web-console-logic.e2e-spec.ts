// The web console's pure rules, without a browser: which expiry choices a policy leaves, when a token
// is "expiring soon", the same screen in another workspace, Retry-After read as seconds, server
// phrases in plain words, ids replaced by names.
import { retryAfterSeconds } from '../../web/src/api/retry-after';
import { defaultExpiry, expiryChoices } from '../../web/src/components/expiry';
import { expiryState } from '../../web/src/format';
import { readableFieldMessage, withNames } from '../../web/src/messages';
import { sameScreenIn } from '../../web/src/paths';

const DAY = 86_400_000;
const NOW = Date.parse('2026-06-01T12:00:00Z');
const at = (ms: number) => new Date(NOW + ms).toISOString();

describe('expiry choices', () => {
  it('offers the same days everywhere, and "Never" only without a maximum lifetime', () => {
    expect(expiryChoices({ longest: 366 }).map((c) => c.value)).toEqual(['7', '30', '60', '90', '180', '366', 'never']);
    expect(expiryChoices({ longest: 3650 }).map((c) => c.value)).toEqual(['7', '30', '60', '90', '180', '366', 'never']);
  });

  it('cuts them to a policy, offering its maximum itself', () => {
    const choices = expiryChoices({ longest: 3650, policyMaxDays: 45 });
    expect(choices.map((c) => c.value)).toEqual(['7', '30', '45']);
    expect(choices.at(-1)?.label).toBe('45 days (the longest this workspace allows)');
    expect(defaultExpiry(choices)).toBe('45');
    expect(defaultExpiry(expiryChoices({ longest: 366 }))).toBe('90');
    expect(expiryChoices({ longest: 366, policyMaxDays: 3 }).map((c) => c.value)).toEqual(['3']);
  });
});

describe('"expiring soon"', () => {
  it('is not said of a 7-day token just made, and is once half its life is gone', () => {
    expect(expiryState({ createdAt: at(0), expiresAt: at(7 * DAY) }, NOW)).toBe('active');
    expect(expiryState({ createdAt: at(-4 * DAY), expiresAt: at(3 * DAY) }, NOW)).toBe('expiring');
    expect(expiryState({ createdAt: at(-60 * DAY), expiresAt: at(6 * DAY) }, NOW)).toBe('expiring');
    expect(expiryState({ createdAt: at(-60 * DAY), expiresAt: at(8 * DAY) }, NOW)).toBe('active');
    expect(expiryState({ expiresAt: at(-1) }, NOW)).toBe('expired');
    expect(expiryState({ kind: 'session', createdAt: at(-11 * 3_600_000), expiresAt: at(3_600_000) }, NOW)).toBe('active');
  });
});

describe('the same screen in another workspace', () => {
  const other = '7d1a0c2e-4b4f-4e0b-9c7a-2f1e3d5c6b7a';
  it.each([
    ['/w/aaaa/devices', `/w/${other}/devices`],
    ['/w/aaaa', `/w/${other}`],
    ['/w/aaaa/api-users/bbbb', `/w/${other}/api-users`],
    ['/account/tokens', `/w/${other}`],
  ])('%s becomes %s', (from, to) => {
    expect(sameScreenIn(from, other)).toBe(to);
  });
});

describe('Retry-After', () => {
  it('reads seconds and HTTP dates, and ignores junk', () => {
    expect(retryAfterSeconds('900')).toBe(900);
    expect(retryAfterSeconds(new Date(NOW + 90_000).toUTCString(), NOW)).toBe(90);
    expect(retryAfterSeconds('soon')).toBeUndefined();
    expect(retryAfterSeconds(null)).toBeUndefined();
  });
});

describe('messages', () => {
  it('says validator phrases plainly and leaves others as written', () => {
    expect(readableFieldMessage('must contain at least 1 elements')).toBe('needs at least one ticked');
    expect(readableFieldMessage('must be longer than or equal to 12 characters')).toBe('must be at least 12 characters long');
    expect(readableFieldMessage('is taken')).toBe('is taken');
  });

  it('names known workspaces instead of their ids', () => {
    const id = '7D1A0C2E-4B4F-4E0B-9C7A-2F1E3D5C6B7A';
    const names = new Map([[id.toLowerCase(), 'Acme']]);
    expect(withNames(`Workspace ${id} does not accept personal access tokens.`, names)).toBe(
      'Workspace “Acme” does not accept personal access tokens.',
    );
    expect(withNames('Workspace 00000000-0000-4000-8000-000000000000 is gone.', names)).toContain('00000000-');
  });
});
