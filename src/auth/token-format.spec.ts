import { checksum, generateToken, hashToken, parseToken, TOKEN_LENGTH, tokenHint } from './token-format';

describe('token format', () => {
  it('makes <prefix><32 base62><6 base62 CRC32> tokens that parse back', () => {
    for (const prefix of ['lkp_', 'lka_', 'lks_', 'lki_', 'lkv_', 'lkr_'] as const) {
      const token = generateToken(prefix);
      expect(token).toHaveLength(TOKEN_LENGTH);
      expect(token).toMatch(new RegExp(`^${prefix}[0-9A-Za-z]{38}$`));
      expect(token.slice(-6)).toBe(checksum(token.slice(0, -6)));
      expect(parseToken(token)).toBe(prefix);
    }
  });

  it('never repeats and uses the whole alphabet', () => {
    const bodies = Array.from({ length: 2000 }, () => generateToken('lkp_').slice(4, 36));
    expect(new Set(bodies).size).toBe(bodies.length);
    const seen = new Set(bodies.join(''));
    expect(seen.size).toBe(62);
  });

  it('rejects every single-character change (the CRC32 catches typos and truncation)', () => {
    const token = generateToken('lka_');
    for (let i = 4; i < token.length; i++) {
      const swapped = token.slice(0, i) + (token[i] === 'x' ? 'y' : 'x') + token.slice(i + 1);
      expect(parseToken(swapped)).toBeNull();
    }
    expect(parseToken(token.slice(0, -1))).toBeNull();
    expect(parseToken(`${token} `)).toBeNull();
    expect(parseToken('')).toBeNull();
    expect(parseToken(`lkz_${token.slice(4)}`)).toBeNull();
  });

  it('pads the checksum to six characters', () => {
    expect(checksum('')).toBe('000000'); // crc32('') is 0
    expect(checksum('lkp_abc')).toMatch(/^[0-9A-Za-z]{6}$/);
  });

  it('hints with the prefix, four characters and the last four', () => {
    const token = generateToken('lkp_');
    expect(tokenHint(token)).toBe(`${token.slice(0, 8)}…${token.slice(-4)}`);
  });

  it('hashes with SHA-256 in hex', () => {
    expect(hashToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
