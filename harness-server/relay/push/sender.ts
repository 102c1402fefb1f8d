// Posts one already-encrypted Web Push message (RFC 8030) with the relay's VAPID signature
// (RFC 8292, from the `web-push` library). The body was encrypted by the asker to the phone's keys
// (RFC 8291), so the relay sends bytes it cannot read. Only https endpoints whose host resolves to
// public addresses are posted to, the connection goes to the address that was checked (no second
// lookup a DNS answer could change in between), and redirects are not followed. Only the default
// https port (every push service uses it: nothing else on a host is a push service), only the
// push services' hosts (push-hosts.ts, unless the operator turned the list off) and never an
// address of the relay's own machine. A push service gets a hard deadline for its status line,
// and its body is never read: a hostile endpoint cannot hold the relay's sockets.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request, type RequestOptions } from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { networkInterfaces } from 'node:os';
import webPush from 'web-push';
import type { RelayPushResult } from '../../../shared/protocol/relay-contract.ts';
import { isPublicAddress } from './public-address.ts';
import { DEFAULT_PUSH_HOSTS, pushHostAllowed, type PushHosts } from './push-hosts.ts';
import type { VapidKeys } from './vapid-keys.ts';

/**
 * Only for tests in the same process: they run the push service on 127.0.0.1 with a throw-away
 * certificate. It is a programmatic option of the relay plugin, never read from the environment
 * or a config file, so no deployment can turn it on.
 */
export interface PushTestAllowance {
  /** Addresses posted to although not public (the test's own endpoint), on any port. */
  loopbackAddresses: readonly string[];
  /** The test endpoint's certificate (PEM), trusted in addition to the system's. */
  ca: string;
}

export interface PushSenderOptions {
  keys: VapidKeys;
  /** RFC 8292 `sub`: how a push service reaches the relay's operator (mailto: or https:). */
  subject: string;
  /** Give up on a push service whose connection has been idle this long (default PUSH_IDLE_TIMEOUT_MS). */
  timeoutMs?: number;
  /** Give up on a push service whose status line has not come this long after the start, idle or not (default PUSH_DEADLINE_MS). */
  deadlineMs?: number;
  /** The hosts posted to (default DEFAULT_PUSH_HOSTS; RELAY_PUSH_HOSTS). */
  hosts?: PushHosts;
  /** The addresses of the relay's own machine, never posted to (default: its network interfaces'). */
  ownAddresses?: () => readonly string[];
  testing?: PushTestAllowance;
}

export interface PushDelivery {
  result: RelayPushResult;
  status?: number;
}

/** Longest time a push service may hold a wake-up: a request waits 5 minutes at most. */
export const MAX_PUSH_TTL_SECONDS = 300;
// RFC 8292 §2: at most 24 h; push services reject tokens that expire too late or too early.
const VAPID_TOKEN_SECONDS = 12 * 60 * 60;
export const PUSH_IDLE_TIMEOUT_MS = 10_000;
export const PUSH_DEADLINE_MS = 15_000;

class RefusedEndpoint extends Error {}

export class PushSender {
  private readonly timeoutMs: number;
  private readonly deadlineMs: number;
  private readonly ownAddresses: () => readonly string[];

  constructor(private readonly options: PushSenderOptions) {
    this.timeoutMs = options.timeoutMs ?? PUSH_IDLE_TIMEOUT_MS;
    this.deadlineMs = options.deadlineMs ?? PUSH_DEADLINE_MS;
    this.ownAddresses = options.ownAddresses ?? interfaceAddresses;
    // Fails at start, not at the first push, on a bad subject or key (web-push validates both).
    webPush.getVapidHeaders('https://push.example', options.subject, options.keys.publicKey, options.keys.privateKey, 'aes128gcm');
  }

  async send(endpoint: string, body: Uint8Array, ttlSeconds: number): Promise<PushDelivery> {
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      return { result: 'refused' };
    }
    if (url.protocol !== 'https:' || url.username || url.password) return { result: 'refused' };
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    // URL drops a default port: any port left is not 443. The test endpoint listens where it can.
    const testEndpoint = this.options.testing?.loopbackAddresses.includes(host) ?? false;
    if (url.port !== '' && !testEndpoint) return { result: 'refused' };
    if (!testEndpoint && !pushHostAllowed(this.options.hosts ?? DEFAULT_PUSH_HOSTS, url.hostname)) return { result: 'refused' };
    // A literal address is connected to without any lookup: check it here.
    if (isIP(host) !== 0 && !this.allowed(host)) return { result: 'refused' };
    const { Authorization } = webPush.getVapidHeaders(
      url.origin,
      this.options.subject,
      this.options.keys.publicKey,
      this.options.keys.privateKey,
      'aes128gcm',
      Math.floor(Date.now() / 1000) + VAPID_TOKEN_SECONDS,
    ) as { Authorization: string };
    const requestOptions: RequestOptions = {
      method: 'POST',
      headers: {
        Authorization,
        TTL: String(Math.min(Math.max(0, Math.floor(ttlSeconds)), MAX_PUSH_TTL_SECONDS)),
        Urgency: 'high',
        'Content-Encoding': 'aes128gcm',
        'Content-Type': 'application/octet-stream',
        'Content-Length': String(body.byteLength),
      },
      lookup: this.checkedLookup(),
      agent: false,
      timeout: this.timeoutMs,
      ...(this.options.testing ? { ca: this.options.testing.ca } : {}),
    };
    return new Promise<PushDelivery>((resolve) => {
      const finish = (delivery: PushDelivery): void => {
        clearTimeout(deadline);
        resolve(delivery); // later calls are no-ops
      };
      // `timeout` only fires on an idle socket: a service dripping bytes would never trip it.
      // Once the status line is in, the answer is destroyed at once: this covers everything before it.
      const deadline = setTimeout(() => post.destroy(new Error('push service deadline')), this.deadlineMs);
      const post = request(url, requestOptions, (answer) => {
        const status = answer.statusCode ?? 0;
        // The body says nothing the status does not: close the connection rather than read it.
        answer.destroy();
        finish({ result: resultOf(status), status });
      });
      post.on('timeout', () => post.destroy(new Error('push service timeout')));
      post.on('error', (error) => finish({ result: error instanceof RefusedEndpoint ? 'refused' : 'failed' }));
      post.end(body);
    });
  }

  private allowed(address: string): boolean {
    if (this.options.testing?.loopbackAddresses.includes(address)) return true;
    // The relay's own public address would make it post to itself (its own TLS front, say).
    return isPublicAddress(address) && !this.ownAddresses().some((own) => sameAddress(own, address));
  }

  /** dns.lookup, refusing the host if any of its addresses is not allowed. */
  private checkedLookup(): LookupFunction {
    return (hostname, options, callback) => {
      dnsLookup(hostname, { all: true, verbatim: true, family: options.family }, (error, addresses: LookupAddress[]) => {
        if (error) return callback(error, '', 0);
        if (addresses.length === 0 || !addresses.every((a) => this.allowed(a.address))) {
          return callback(new RefusedEndpoint(`${hostname} does not resolve to public addresses only`), '', 0);
        }
        if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
        const [first] = addresses as [LookupAddress];
        callback(null, first.address, first.family);
      });
    };
  }
}

function interfaceAddresses(): string[] {
  return Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((info) => info.address));
}

/** Compares two IP addresses, whatever their spelling (`2001:DB8::1` and `2001:db8:0::1` are one address). */
function sameAddress(a: string, b: string): boolean {
  const family = isIP(a);
  if (family === 0 || family !== isIP(b)) return false;
  const list = new BlockList();
  list.addAddress(a, family === 4 ? 'ipv4' : 'ipv6');
  return list.check(b, family === 4 ? 'ipv4' : 'ipv6');
}

function resultOf(status: number): RelayPushResult {
  if (status >= 200 && status < 300) return 'sent';
  if (status === 404 || status === 410) return 'gone';
  if (status === 429) return 'throttled';
  return 'failed';
}
