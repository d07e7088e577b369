// Network allow-lists of tokens and API users (allowedCidrs): how a list is read and stored, whether a
// list lies within another (no escalation), and the matcher the token check asks on every request.
import * as ipaddr from 'ipaddr.js';

/** The most ranges one list may hold (the bench uses 100). */
export const MAX_ALLOWED_CIDRS = 100;
/** Longer than any CIDR spelling (a full IPv6 address with a v4 tail and /128), short enough to refuse junk. */
export const CIDR_MAX_LENGTH = 64;

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

/**
 * A range as stored: its network address and prefix ("10.1.2.3/8" → "10.0.0.0/8"; a bare address is a
 * /32 or /128; an IPv4-mapped IPv6 range is written as the IPv4 range it covers). null when not a range.
 */
export function normaliseCidr(raw: string): string | null {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > CIDR_MAX_LENGTH) return null;
  let range: Range;
  try {
    range = raw.includes('/') ? ipaddr.parseCIDR(raw) : parseAddress(raw);
  } catch {
    return null;
  }
  const [address, bits] = range;
  if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) {
    return (
      ipaddr.IPv4.networkAddressFromCIDR(`${(address as ipaddr.IPv6).toIPv4Address().toString()}/${bits - 96}`).toString() + `/${bits - 96}`
    );
  }
  const network =
    address.kind() === 'ipv4'
      ? ipaddr.IPv4.networkAddressFromCIDR(`${address.toString()}/${bits}`)
      : ipaddr.IPv6.networkAddressFromCIDR(`${address.toString()}/${bits}`);
  return `${network.toString()}/${bits}`;
}

function parseAddress(raw: string): Range {
  // ipaddr.parse accepts IPv4 shorthands ("10", "0x0a.1"); only the four-part decimal form is a client address here.
  if (!ipaddr.IPv4.isValidFourPartDecimal(raw) && !ipaddr.IPv6.isValid(raw)) throw new Error('not an address');
  const address = ipaddr.parse(raw);
  return [address, address.kind() === 'ipv4' ? 32 : 128];
}

/**
 * The list as stored: each range normalised, duplicates dropped, in the order given. A string saying
 * what is wrong when an entry is not a range (its position, never an echo of the input) or the list is too long.
 */
export function normaliseCidrList(raw: readonly string[]): string[] | string {
  if (raw.length > MAX_ALLOWED_CIDRS) return `holds at most ${MAX_ALLOWED_CIDRS} ranges`;
  const out: string[] = [];
  for (let i = 0; i < raw.length; i++) {
    const cidr = normaliseCidr(raw[i]);
    if (cidr === null) return `entry ${i + 1} is not an IPv4 or IPv6 address or CIDR range (e.g. 203.0.113.0/24, 2001:db8::/32)`;
    if (!out.includes(cidr)) out.push(cidr);
  }
  if (out.length === 0) return 'names no range: send null to allow every network';
  return out;
}

/** Is every range of `inner` inside some range of `outer`? A token hands out only networks it is held to. */
export function cidrsWithin(outer: readonly string[], inner: readonly string[]): boolean {
  const outerRanges = outer.map((c) => ipaddr.parseCIDR(c));
  return inner.every((c) => {
    const range = ipaddr.parseCIDR(c);
    return outerRanges.some((around) => rangeWithin(range, around));
  });
}

/** Is the range `inner` inside the range `outer` (the same family, a prefix at least as long, matching)? */
function rangeWithin([address, bits]: Range, [range, rangeBits]: Range): boolean {
  return range.kind() === address.kind() && rangeBits <= bits && address.match(range, rangeBits);
}

/**
 * The networks inside both lists, as one list (null when neither is set): CIDR ranges are nested or
 * apart, so where two overlap, what they share is the narrower of them. Frozen; empty when they share
 * nothing (nobody can use such a token, and nothing is within it).
 */
export function commonCidrs(a: readonly string[] | null, b: readonly string[] | null): readonly string[] | null {
  if (a === null || b === null) return (a ?? b) && Object.freeze([...(a ?? b)!]);
  const ranges = (list: readonly string[]) => list.map((cidr) => [cidr, ipaddr.parseCIDR(cidr)] as const);
  const common = new Set<string>();
  const others = ranges(b);
  for (const [x, xRange] of ranges(a)) {
    for (const [y, yRange] of others) {
      if (rangeWithin(xRange, yRange)) common.add(x);
      else if (rangeWithin(yRange, xRange)) common.add(y);
    }
  }
  return Object.freeze([...common]);
}

/**
 * Answers "may a request from this address use the token?" for one or two lists (the token's and its
 * API user's: the client must be inside each list that is set). Built once per cached credential; it
 * remembers its last address, so a client's repeated requests parse nothing.
 */
export class NetworkMatcher {
  private readonly lists: Range[][];
  private lastIp: string | null = null;
  private lastVerdict = false;

  constructor(lists: ReadonlyArray<readonly string[] | null>) {
    this.lists = lists.filter((list): list is readonly string[] => list !== null).map((list) => list.map((c) => ipaddr.parseCIDR(c)));
  }

  /** No list set: every address is allowed, and allows() is never asked. */
  get restricts(): boolean {
    return this.lists.length > 0;
  }

  allows(ip: string): boolean {
    if (ip === this.lastIp) return this.lastVerdict;
    const verdict = this.judge(ip);
    this.lastIp = ip;
    this.lastVerdict = verdict;
    return verdict;
  }

  private judge(ip: string): boolean {
    let address: ipaddr.IPv4 | ipaddr.IPv6;
    try {
      address = ipaddr.parse(ip);
    } catch {
      // No address (an in-process call): not inside any list.
      return false;
    }
    if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()) address = (address as ipaddr.IPv6).toIPv4Address();
    for (const list of this.lists) {
      let inside = false;
      for (const [range, bits] of list) {
        if (range.kind() === address.kind() && address.match(range, bits)) {
          inside = true;
          break;
        }
      }
      if (!inside) return false;
    }
    return true;
  }
}
