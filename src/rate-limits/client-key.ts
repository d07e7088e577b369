// The client an address stands for, as every per-address limit counts it (sign-in lockout, sign-up,
// public routes, failed token checks): one rule, so no limit can be escaped by a spelling another allows.
import ipaddr from 'ipaddr.js';

/**
 * An IPv4 address as it is (also when IPv4-mapped), or the /64 of an IPv6 one, since one subscriber
 * usually holds a whole /64 and could otherwise take a fresh address per request. Anything that is not
 * an address is its own key.
 */
export function clientKey(ip: string): string {
  // Without a colon it is no IPv6 address (IPv4-mapped ones have colons too): as it is, without
  // ipaddr's parser, which every refused token check would otherwise run.
  if (!ip.includes(':') || !ipaddr.IPv6.isValid(ip)) return ip;
  const address = ipaddr.IPv6.parse(ip);
  if (address.isIPv4MappedAddress()) return address.toIPv4Address().toString();
  return `${address.parts
    .slice(0, 4)
    .map((part) => part.toString(16))
    .join(':')}::/64`;
}
