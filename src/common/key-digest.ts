// Configured keys (platform introspection keys, the metrics key) are kept and compared as SHA-256
// digests: equal lengths for timingSafeEqual, so neither a key's length nor a prefix leaks through timing.
import { createHash, timingSafeEqual } from 'node:crypto';

export function keyDigest(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}

/** Whether the candidate is one of the keys, compared against every one (no early exit). */
export function matchesKeyDigest(candidate: string, digests: readonly Buffer[]): boolean {
  const digest = keyDigest(candidate);
  let found = false;
  for (const key of digests) found = timingSafeEqual(key, digest) || found;
  return found;
}
