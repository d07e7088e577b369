// Who may scrape /metrics. The metrics tell a lot about the service (routes, load, pool state), so they
// are never public by default: on the API's port they need LATCHKEY_METRICS_TOKEN; a separate listener
// (LATCHKEY_METRICS_PORT, on LATCHKEY_METRICS_HOST, loopback by default) serves them to the network
// it is bound to, and asks for the key too when one is set.
import { DomainError, ErrorCode, notFound } from '../common/errors';
import { matchesKeyDigest } from '../common/key-digest';

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

/**
 * Throws unless the Authorization header carries the key. Digests are compared, in constant time, so
 * neither the key's length nor any prefix of it leaks through timing.
 */
export function assertMetricsKey(tokenDigest: Buffer, authorization: string | undefined): void {
  const match = authorization === undefined ? null : BEARER.exec(authorization);
  if (!match) throw new DomainError(ErrorCode.TokenMissing, 'Send the metrics key as "Authorization: Bearer <key>".');
  if (!matchesKeyDigest(match[1], [tokenDigest])) throw new DomainError(ErrorCode.TokenInvalid, 'The metrics key is not correct.');
}

/** On the API's port: served only with a key configured, and only to whoever sends it. */
export function assertPublicMetricsAccess(tokenDigest: Buffer | null, authorization: string | undefined): void {
  if (tokenDigest === null) throw notFound('Route');
  assertMetricsKey(tokenDigest, authorization);
}
