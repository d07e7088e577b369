// The token format (README, Tokens): <prefix><32 base62 body><6 base62 CRC32 of prefix+body>.
// Checked entirely in memory, so garbage never reaches the database.
import { hash, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';

// lkp_ personal, lka_ API user, lks_ session, lki_ invitation, lkv_ email verification link, lkr_ password reset link.
export const TOKEN_PREFIXES = ['lkp_', 'lka_', 'lks_', 'lki_', 'lkv_', 'lkr_'] as const;
/** Secrets that are never bearer tokens: invitations and mailed one-time links. */
export const NOT_BEARER: ReadonlySet<TokenPrefix> = new Set(['lki_', 'lkv_', 'lkr_']);
export type TokenPrefix = (typeof TOKEN_PREFIXES)[number];

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const BODY_LENGTH = 32;
const CHECK_LENGTH = 6;
const PREFIX_LENGTH = 4;
export const TOKEN_LENGTH = PREFIX_LENGTH + BODY_LENGTH + CHECK_LENGTH;
const SHAPE = /^lk[pasivr]_[0-9A-Za-z]{38}$/;

/** 32 uniformly random base62 characters (about 190 bits): bytes >= 248 are dropped to avoid modulo bias. */
function randomBody(): string {
  let body = '';
  while (body.length < BODY_LENGTH) {
    for (const byte of randomBytes(48)) {
      if (byte < 248 && body.length < BODY_LENGTH) body += BASE62[byte % 62];
    }
  }
  return body;
}

export function checksum(prefixAndBody: string): string {
  let value = crc32(prefixAndBody);
  let out = '';
  for (let i = 0; i < CHECK_LENGTH; i++) {
    out = BASE62[value % 62] + out;
    value = Math.floor(value / 62);
  }
  return out;
}

export function generateToken(prefix: TokenPrefix): string {
  const head = prefix + randomBody();
  return head + checksum(head);
}

/** The prefix of a well-formed token with a valid checksum, or null. */
export function parseToken(candidate: string): TokenPrefix | null {
  const prefix = tokenShape(candidate);
  return prefix !== null && hasValidChecksum(candidate) ? prefix : null;
}

/** The prefix of a string shaped like a token (prefix, length, alphabet), checksum not checked; or null. */
export function tokenShape(candidate: string): TokenPrefix | null {
  if (candidate.length !== TOKEN_LENGTH || !SHAPE.test(candidate)) return null;
  return candidate.slice(0, PREFIX_LENGTH) as TokenPrefix;
}

/** For a token-shaped string: do its last 6 characters check out? */
export function hasValidChecksum(candidate: string): boolean {
  return checksum(candidate.slice(0, PREFIX_LENGTH + BODY_LENGTH)) === candidate.slice(PREFIX_LENGTH + BODY_LENGTH);
}

/** What listings show: `lkp_abcd…wxyz`, enough to recognise a token, far too little to use it. */
export function tokenHint(secret: string): string {
  return `${secret.slice(0, PREFIX_LENGTH + 4)}…${secret.slice(-4)}`;
}

/** Every hint is this long: the prefix and 4 characters, an ellipsis, the last 4 characters. */
export const TOKEN_HINT_LENGTH = tokenHint('x'.repeat(TOKEN_LENGTH)).length;

/** Random secrets need no slow KDF: SHA-256 is the index key and leaks nothing usable. */
export function hashToken(secret: string): string {
  return hash('sha256', secret, 'hex');
}
