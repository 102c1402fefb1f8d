// The relay's Web Push service for channel members: a joined socket may send a TEXT request
// (shared/protocol/relay-contract.ts `RelayRequestSchema`): `push-key` is answered with the VAPID
// public key, `push` posts an already-encrypted payload to a push endpoint (sender.ts) within the
// rate limits, and the outcome goes back to the asker as a `push-result`.
//
// Anyone can invent seat tokens, so anyone can make channels: the per-channel limit alone would
// let one client (many sockets, each on a fresh channel) make the relay post chosen bytes with its
// VAPID signature at will. So deliveries are also limited per client address (TRUST_PROXY-aware,
// as the relay's connection cap counts it) and for the whole node, and only so many may be in
// flight at once (a slow push service must not pile up sockets).
import type { FastifyBaseLogger } from 'fastify';
import { parseRelayRequest, type RelayControl } from '../../../shared/protocol/relay-contract.ts';
import type { PushHosts } from './push-hosts.ts';
import { PushRateLimiter } from './rate-limit.ts';
import { PushSender, type PushDelivery, type PushTestAllowance } from './sender.ts';
import type { VapidKeys } from './vapid-keys.ts';

export interface RelayPushOptions {
  keys: VapidKeys;
  subject: string;
  /** Deliveries per channel per minute, after a burst of PUSH_BURST. */
  perMinute: number;
  /** Deliveries per client address (default PUSH_PER_IP). */
  perIp?: PushRate;
  /** Deliveries of this relay node, all clients together (default PUSH_GLOBAL). */
  global?: PushRate;
  /** Deliveries waiting for their push service at once; more are answered `throttled` (default PUSH_MAX_IN_FLIGHT). */
  maxInFlight?: number;
  /** A push service's answer (its status line) must come within this long (default sender.ts PUSH_DEADLINE_MS). */
  deadlineMs?: number;
  /** The push services' hosts posted to (push-hosts.ts; default DEFAULT_PUSH_HOSTS). */
  hosts?: PushHosts;
  /** Tests only (sender.ts): never set from the environment. */
  testing?: PushTestAllowance;
}

/** A token bucket's size: `burst` deliveries at once, then `perMinute`. */
export interface PushRate {
  perMinute: number;
  burst: number;
}

/** A wake-up goes to every phone of a browser at once; a few may also be retried right away. */
export const PUSH_BURST = 3;
/** One address may be a whole office behind NAT: several browsers, each waking its phones. */
export const PUSH_PER_IP: PushRate = { perMinute: 60, burst: 20 };
/** What one node sends in all: ample for wake-ups, too little to be worth abusing as a reflector. */
export const PUSH_GLOBAL: PushRate = { perMinute: 1200, burst: 200 };
/** Deliveries waiting for their push service at once (each holds a socket for up to the deadline). */
export const PUSH_MAX_IN_FLIGHT = 64;

export class RelayPush {
  private readonly sender: PushSender;
  private readonly perChannel: PushRateLimiter;
  private readonly perIp: PushRateLimiter;
  private readonly global: PushRateLimiter;
  private readonly maxInFlight: number;
  private inFlight = 0;

  constructor(
    private readonly options: RelayPushOptions,
    private readonly log: FastifyBaseLogger,
  ) {
    this.sender = new PushSender({ keys: options.keys, subject: options.subject, deadlineMs: options.deadlineMs, hosts: options.hosts, testing: options.testing });
    this.perChannel = new PushRateLimiter(options.perMinute, PUSH_BURST);
    const perIp = options.perIp ?? PUSH_PER_IP;
    const global = options.global ?? PUSH_GLOBAL;
    this.perIp = new PushRateLimiter(perIp.perMinute, perIp.burst);
    this.global = new PushRateLimiter(global.perMinute, global.burst);
    this.maxInFlight = options.maxInFlight ?? PUSH_MAX_IN_FLIGHT;
  }

  get publicKey(): string {
    return this.options.keys.publicKey;
  }

  /** Deliveries waiting for their push service now. */
  get deliveriesInFlight(): number {
    return this.inFlight;
  }

  /**
   * A TEXT frame of a joined socket from `address` (the client's, as the connection cap counts
   * it): false when it is no request of ours (the caller closes the socket).
   */
  handle(channelId: string, address: string, text: string, reply: (control: RelayControl) => void): boolean {
    const request = parseRelayRequest(text);
    if (!request) return false;
    if (request.type === 'push-key') {
      reply({ type: 'push-key', publicKey: this.options.keys.publicKey });
      return true;
    }
    const { id } = request;
    if (!this.admit(channelId, address)) {
      reply({ type: 'push-result', id, result: 'throttled' });
      return true;
    }
    this.inFlight += 1;
    const body = Buffer.from(request.payload, 'base64url');
    this.sender
      .send(request.endpoint, body, request.ttl)
      .catch((error: unknown): PushDelivery => {
        this.log.warn({ err: error }, 'relay push delivery threw');
        return { result: 'failed' };
      })
      .then((delivery) => {
        this.inFlight -= 1;
        // The endpoint's host is the push service (fcm.googleapis.com, …), nothing of the site.
        this.log.debug({ result: delivery.result, status: delivery.status, service: hostOf(request.endpoint) }, 'relay push delivery');
        reply({ type: 'push-result', id, ...delivery });
      });
    return true;
  }

  /** Takes a delivery from all three buckets, or from none when any is empty or too many are in flight. */
  private admit(channelId: string, address: string): boolean {
    if (this.inFlight >= this.maxInFlight) return false;
    if (!this.perChannel.available(channelId) || !this.perIp.available(address) || !this.global.available('')) return false;
    return this.perChannel.take(channelId) && this.perIp.take(address) && this.global.take('');
  }
}

function hostOf(endpoint: string): string {
  try {
    return new URL(endpoint).host;
  } catch {
    return '';
  }
}
