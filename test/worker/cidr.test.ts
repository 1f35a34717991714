import { describe, expect, it } from 'vitest';
import { ipInRanges, parseRanges } from '../../src/users/cidr';

describe('parseRanges', () => {
  it('canonicalises valid ranges', () => {
    expect(parseRanges([' 10.0.0.0/8', '2001:DB8::/32', '192.168.1.7/32'])).toEqual([
      '10.0.0.0/8',
      '2001:db8::/32',
      '192.168.1.7/32',
    ]);
    // an IPv4-mapped IPv6 range means the IPv4 range, as client addresses do
    expect(parseRanges(['::ffff:10.0.0.0/104'])).toEqual(['10.0.0.0/8']);
  });

  it.each([
    ['10.0.0.0/33'],
    ['010.0.0.0/8'],
    ['10/8'],
    ['0x0a.0.0.0/8'],
    ['10.0.0.0'],
    ['not an address'],
    ['::ffff:10.0.0.0/90'],
    [''],
  ])('refuses %s', (range) => {
    expect(parseRanges([range])).toBeUndefined();
  });
});

describe('ipInRanges', () => {
  it('matches IPv4, IPv6 and IPv4-mapped IPv6 addresses', () => {
    const ranges = parseRanges(['10.0.0.0/8', '2001:db8::/32'])!;
    for (const ip of ['10.1.2.3', '::ffff:10.9.9.9', '2001:db8::1'])
      expect([ip, ipInRanges(ip, ranges)]).toEqual([ip, true]);
    for (const ip of ['11.0.0.1', '2001:db9::1', 'nonsense', null])
      expect([ip, ipInRanges(ip, ranges)]).toEqual([ip, false]);
  });

  it('lets a stored range that does not parse match nothing, rather than fail', () => {
    expect(ipInRanges('10.0.0.1', ['garbage', '10.0.0.0/8'])).toBe(true);
    expect(ipInRanges('10.0.0.1', ['garbage'])).toBe(false);
  });
});
