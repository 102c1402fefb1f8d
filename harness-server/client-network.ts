// The client "network" a guess or a relay connection is counted against (the RP's throttle, the
// relay's connection cap): the IPv4 address, or the /64 an IPv6 address
// belongs to (one subscriber usually gets a whole /64, so counting single IPv6 addresses would
// give an attacker 2^64 fresh counters). The address is the TCP peer (`request.ip`: the server
// does not trust X-Forwarded-For; behind a proxy, set Fastify's trustProxy so it is the client's).
import { isIPv4, isIPv6 } from 'node:net';

export function clientNetwork(ip: string): string {
  const address = ip.replace(/%.*$/, ''); // an IPv6 zone id names a local interface, not a client
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (isIPv4(address)) return address;
  if (!isIPv6(address)) return address;
  return `${expandIPv6(address).slice(0, 4).join(':')}::/64`;
}

/** The eight groups of an IPv6 address, lower-case, without leading zeros. */
function expandIPv6(address: string): string[] {
  const [head = '', tail] = address.toLowerCase().split('::');
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  // A trailing dotted IPv4 part stands for two groups.
  const last = right.length > 0 ? right : left;
  const dotted = last.at(-1)?.includes('.') ? last.pop()! : undefined;
  if (dotted) {
    const [a = 0, b = 0, c = 0, d = 0] = dotted.split('.').map(Number);
    last.push(((a << 8) | b).toString(16), ((c << 8) | d).toString(16));
  }
  const missing = 8 - left.length - right.length;
  return [...left, ...Array.from({ length: tail === undefined ? 0 : missing }, () => '0'), ...right].map((g) => parseInt(g, 16).toString(16));
}
