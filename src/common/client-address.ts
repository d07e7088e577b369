// The client's address, as every per-address limit, network allow-list and audit entry reads it.

/**
 * The request's client address (Fastify's `request.ip`: the socket's peer, or the nearest entry of
 * X-Forwarded-For no trusted proxy wrote) without a port. Some proxies append the client's port
 * (`203.0.113.9:51234`, `[2001:db8::1]:51234`, as Azure's gateways do): kept, it would make each of a
 * client's ports its own rate-limit bucket and an address no allow-list matches.
 */
export function clientAddress(request: { readonly ip: string }): string {
  return withoutPort(request.ip);
}

export function withoutPort(address: string): string {
  // Plain addresses (the usual case) are answered after one or two character scans.
  if (address.charCodeAt(0) === 0x5b /* [ */) {
    const end = address.indexOf(']');
    const tail = address.slice(end + 1);
    return end > 1 && (tail === '' || isPort(tail)) ? address.slice(1, end) : address;
  }
  const colon = address.indexOf(':');
  // IPv4 with a port has one colon; an IPv6 address has at least two.
  if (colon === -1 || address.indexOf(':', colon + 1) !== -1) return address;
  return isPort(address.slice(colon)) ? address.slice(0, colon) : address;
}

/** ":" and one to five digits. */
function isPort(tail: string): boolean {
  return /^:\d{1,5}$/.test(tail);
}
