// Which IP addresses the relay may post a push message to: public unicast only. A push endpoint
// comes from a client, so without this check any client could make the relay fetch an address
// inside its own network (SSRF): loopback, private, link-local, unique-local, CGNAT, multicast,
// documentation and transition ranges are all refused. Checked on every resolved address.
import { BlockList, isIP } from 'node:net';

const NOT_PUBLIC_V4 = [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local (cloud metadata services live here)
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const;

// IPv6 must be global unicast (2000::/3), minus these parts of it.
const NOT_PUBLIC_V6 = [
  ['2001::', 23], // IETF protocol assignments (Teredo, ORCHID, …)
  ['2001:db8::', 32], // documentation
  ['2002::', 16], // 6to4: embeds an IPv4 address that may be private
] as const;

const notPublic = new BlockList();
for (const [network, prefix] of NOT_PUBLIC_V4) notPublic.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of NOT_PUBLIC_V6) notPublic.addSubnet(network, prefix, 'ipv6');
const globalUnicastV6 = new BlockList();
globalUnicastV6.addSubnet('2000::', 3, 'ipv6');

/** True for a public unicast IPv4 or IPv6 address; false for anything else, including non-addresses. */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return !notPublic.check(address, 'ipv4');
  // IPv4-mapped and every other non-2000::/3 form (::1, fc00::/7, fe80::/10, ff00::/8) is refused.
  if (family === 6) return globalUnicastV6.check(address, 'ipv6') && !notPublic.check(address, 'ipv6');
  return false;
}
