// The requests Latchkey sends itself at start to warm the token check (src/checks/check-warm-up.ts).
// They must leave no trace: no request metrics, no request log, no failed check counted against an
// address. They are told apart by their socket's address, which Fastify's inject sets and no real
// connection can have: a TCP peer is an IP address, a Unix socket's has none. request.ip is not used:
// behind a trusted proxy it comes from X-Forwarded-For, which a caller writes.
import type { IncomingMessage } from 'node:http';

/** Not an address, so no socket has it; and never counted as one (clientKey keeps a non-address as it is). */
export const WARM_UP_ADDRESS = 'latchkey-warm-up';

export function isWarmUpRequest(raw: IncomingMessage): boolean {
  return raw.socket?.remoteAddress === WARM_UP_ADDRESS;
}
