// Where a webhook may go. URLs are untrusted input: a workspace admin must not be able to make
// Latchkey call its own network (cloud metadata at 169.254.169.254, databases on 10/8, the loopback).
// The URL is checked when an endpoint is saved, and every address its host resolves to is checked again
// at each delivery, where the connection goes to exactly the address that was checked.
import * as ipaddr from 'ipaddr.js';
import { isIP } from 'node:net';

export const WEBHOOK_URL_MAX_LENGTH = 2048;

/** Addresses webhooks may reach although not public (tests, private deployments), from LATCHKEY_WEBHOOK_ALLOWED_CIDRS. */
export class AddressPolicy {
  private readonly allowed: Array<[ipaddr.IPv4 | ipaddr.IPv6, number]>;

  constructor(
    allowedCidrs: readonly string[],
    readonly allowHttp: boolean,
  ) {
    this.allowed = allowedCidrs.map((cidr) => ipaddr.parseCIDR(cidr));
  }

  /**
   * Null when a delivery may connect to `address`, else why not. Only public unicast addresses pass
   * (IPv4 and IPv6; a v4-mapped v6 address is judged as the IPv4 it carries), unless a configured CIDR holds it.
   */
  refusal(address: string): string | null {
    let parsed: ipaddr.IPv4 | ipaddr.IPv6;
    try {
      parsed = ipaddr.parse(address.replace(/^\[|\]$/g, ''));
    } catch {
      return 'is not an IP address';
    }
    if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
    for (const [range, bits] of this.allowed) {
      if (range.kind() === parsed.kind() && parsed.match(range, bits)) return null;
    }
    const range = parsed.range();
    // ::/8 is reserved (RFC 4291) and holds the deprecated IPv4-compatible form ::a.b.c.d, which
    // ipaddr.js calls unicast; a host with a 6in4 (sit) interface would route [::127.0.0.1] to 127.0.0.1.
    if (range === 'unicast' && parsed.kind() === 'ipv6' && parsed.match(IPV6_RESERVED_ZERO)) return 'is a reserved address';
    return range === 'unicast' ? null : `is a ${range} address`;
  }
}

/** ::/8 (past the v4-mapped addresses, judged as IPv4 above): never a public unicast address. */
const IPV6_RESERVED_ZERO = ipaddr.parseCIDR('::/8') as [ipaddr.IPv6, number];

/** Names that are never public whatever a resolver says. */
const LOCAL_NAMES = /(^|\.)(localhost|local|internal|localdomain|home\.arpa)$/i;

/**
 * Why a URL cannot be a webhook endpoint, or null. Checked before it is saved: https (http only when
 * configured), no credentials, an ASCII host name (IDN as punycode) or an address that passes the
 * policy, no fragment. Names are resolved and checked at each delivery.
 */
export function urlProblem(raw: string, policy: AddressPolicy): string | null {
  if (raw.length > WEBHOOK_URL_MAX_LENGTH) return `must be at most ${WEBHOOK_URL_MAX_LENGTH} characters`;
  if (!/^[\x21-\x7e]+$/.test(raw)) return 'must be printable ASCII (write an international domain name as punycode, xn--…)';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.protocol !== 'https:' && !(policy.allowHttp && url.protocol === 'http:')) {
    return policy.allowHttp ? 'must be an https:// or http:// URL' : 'must be an https:// URL';
  }
  const authority = raw.slice(raw.indexOf('//') + 2).split(/[/?#]/)[0];
  if (url.username || url.password || authority.includes('@')) return 'must not carry credentials (user:password@)';
  if (url.hash || raw.includes('#')) return 'must not have a fragment';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!host) return 'must name a host';
  if (isIP(host)) {
    const refusal = policy.refusal(host);
    return refusal ? `points at ${host}, which ${refusal}` : null;
  }
  if (LOCAL_NAMES.test(host.replace(/\.$/, '')) && policy.refusal('127.0.0.1') !== null) return `points at ${host}, a local name`;
  if (!/^[a-z0-9.-]+$/i.test(host) || host.split('.').some((label) => label.length > 63)) return 'has a host that is not a valid name';
  return null;
}
