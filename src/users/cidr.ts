// `npm token create --cidr=…`: a token usable only from the given address ranges.
import ipaddr from 'ipaddr.js';

/**
 * The canonical form of each range (`10.0.0.0/8`), or undefined when one is not a valid CIDR. IPv4
 * must be four decimal parts (not `010.0.0.0` or `10/8`, which old parsers read otherwise), and an
 * IPv4-mapped IPv6 range is stored as the IPv4 range it means, as client addresses are.
 */
export function parseRanges(list: string[]): string[] | undefined {
  const out: string[] = [];
  for (const raw of list) {
    const text = raw.trim();
    try {
      const [addr, bits] = ipaddr.parseCIDR(text);
      if (addr.kind() === 'ipv4' && !ipaddr.IPv4.isValidCIDRFourPartDecimal(text)) return undefined;
      if (addr instanceof ipaddr.IPv6 && addr.isIPv4MappedAddress()) {
        if (bits < 96) return undefined;
        out.push(`${addr.toIPv4Address().toString()}/${bits - 96}`);
      } else {
        out.push(`${addr.toString()}/${bits}`);
      }
    } catch {
      return undefined;
    }
  }
  return out;
}

/**
 * True when `ip` lies in one of `ranges` (IPv4-mapped IPv6 addresses count as IPv4); a range that does not parse
 * matches nothing.
 */
export function ipInRanges(ip: string | null, ranges: string[]): boolean {
  if (!ip || !ipaddr.isValid(ip)) return false;
  const addr = ipaddr.process(ip);
  return ranges.some((r) => {
    try {
      const range = ipaddr.parseCIDR(r);
      return addr.kind() === range[0].kind() && addr.match(range);
    } catch {
      return false;
    }
  });
}
