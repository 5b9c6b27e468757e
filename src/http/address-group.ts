// Which addresses count as one caller for the limits: an IPv4 address alone, an IPv6 address by its /64 (the
// smallest network a provider hands a customer, so one host can take a whole /64 at no cost).
import { isIPv4, isIPv6 } from 'node:net';

const IPV4_MAPPED = /^::ffff:([0-9]+\.[0-9]+\.[0-9]+\.[0-9]+)$/i;

/** The first 4 of an IPv6 address's 8 groups, expanded; undefined if it is not an IPv6 address. */
function firstFourGroups(address: string): string[] | undefined {
  if (!isIPv6(address)) return undefined;
  const bare = address.split('%')[0] ?? address;
  const [head = '', tail] = bare.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  // An embedded IPv4 tail (::1.2.3.4) stands for two groups; it only ever falls in the last four.
  const tailLength = tailGroups.reduce((sum, group) => sum + (group.includes('.') ? 2 : 1), 0);
  const zeros = tail === undefined ? [] : Array<string>(8 - headGroups.length - tailLength).fill('0');
  return [...headGroups, ...zeros, ...tailGroups]
    .slice(0, 4)
    .map((group) => group.toLowerCase().replace(/^0+(?=.)/, ''));
}

/** `1.2.3.4` for IPv4 (also when mapped into IPv6), `2001:db8:1:2::/64` for IPv6. */
export function addressGroup(address: string | undefined): string {
  if (address === undefined || address === '') return 'unknown';
  if (isIPv4(address)) return address;
  const mapped = IPV4_MAPPED.exec(address)?.[1];
  if (mapped !== undefined) return mapped;
  const groups = firstFourGroups(address);
  return groups === undefined ? address : `${groups.join(':')}::/64`;
}
