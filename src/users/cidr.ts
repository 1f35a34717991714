// `npm token create --cidr=…`: a token usable only from the given address ranges.
import ipaddr from 'ipaddr.js';

/** The canonical form of each range (`10.0.0.0/8`), or undefined when one is not a valid CIDR. */
export function parseRanges(list: string[]): string[] | undefined {
  const out: string[] = [];
  for (const text of list) {
    try {
      const [addr, bits] = ipaddr.parseCIDR(text.trim());
      out.push(`${addr.toString()}/${bits}`);
    } catch {
      return undefined;
    }
  }
  return out;
}

/** True when `ip` lies in one of `ranges` (IPv4-mapped IPv6 addresses count as IPv4). */
export function ipInRanges(ip: string | null, ranges: string[]): boolean {
  if (!ip || !ipaddr.isValid(ip)) return false;
  const addr = ipaddr.process(ip);
  return ranges.some((r) => {
    const range = ipaddr.parseCIDR(r);
    return addr.kind() === range[0].kind() && addr.match(range);
  });
}
