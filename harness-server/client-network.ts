// The client "network" a guess or a relay connection is counted against (the RP's throttle, the
// relay's connection cap): the IPv4 address, or the /64 an IPv6 address
// belongs to (one subscriber usually gets a whole /64, so counting single IPv6 addresses would
// give an attacker 2^64 fresh counters).
//
// The address is the TCP peer unless that peer is a proxy named in TRUST_PROXY: then it is the
// address that proxy put in X-Forwarded-For (walking back through further trusted proxies). The
// same compiled trust function is Fastify's `trustProxy` (so `request.ip`, the RP throttle and
// @fastify/rate-limit see it) and the relay's, whose upgrades bypass Fastify's request object.
import proxyAddr from '@fastify/proxy-addr';
import type { IncomingMessage } from 'node:http';
import { isIPv4, isIPv6 } from 'node:net';

/** Whether the hop at `address` (0 = the TCP peer) is a proxy whose X-Forwarded-For we believe. */
export type ProxyTrust = (address: string, hop: number) => boolean;

/** Trusts nobody: X-Forwarded-For is ignored and the TCP peer is the client. */
export const TRUST_NO_PROXY: ProxyTrust = () => false;

/** The trust function for TRUST_PROXY's entries (config.ts validated them). */
export function proxyTrust(trusted: readonly string[]): ProxyTrust {
  return trusted.length === 0 ? TRUST_NO_PROXY : proxyAddr.compile([...trusted]);
}

/** The client's address for a raw request, as Fastify's `request.ip` computes it with the same trust. */
export function clientAddress(request: IncomingMessage, trust: ProxyTrust): string {
  if (trust === TRUST_NO_PROXY) return request.socket.remoteAddress ?? '';
  return proxyAddr(request, trust) ?? '';
}

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
