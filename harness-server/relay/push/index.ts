// The relay's Web Push service for channel members: a joined socket may send a TEXT request
// (shared/protocol/relay-contract.ts `RelayRequestSchema`): `push-key` is answered with the VAPID
// public key, `push` posts an already-encrypted payload to a push endpoint (sender.ts) within the
// channel's rate limit, and the outcome goes back to the asker as a `push-result`.
import type { FastifyBaseLogger } from 'fastify';
import { parseRelayRequest, type RelayControl } from '../../../shared/protocol/relay-contract.ts';
import { ChannelPushLimiter } from './rate-limit.ts';
import { PushSender, type PushTestAllowance } from './sender.ts';
import type { VapidKeys } from './vapid-keys.ts';

export interface RelayPushOptions {
  keys: VapidKeys;
  subject: string;
  /** Deliveries per channel per minute, after a burst of PUSH_BURST. */
  perMinute: number;
  /** Tests only (sender.ts): never set from the environment. */
  testing?: PushTestAllowance;
}

/** A wake-up goes to every phone of a browser at once; a few may also be retried right away. */
export const PUSH_BURST = 3;

export class RelayPush {
  private readonly sender: PushSender;
  private readonly limiter: ChannelPushLimiter;

  constructor(
    private readonly options: RelayPushOptions,
    private readonly log: FastifyBaseLogger,
  ) {
    this.sender = new PushSender({ keys: options.keys, subject: options.subject, testing: options.testing });
    this.limiter = new ChannelPushLimiter(options.perMinute, PUSH_BURST);
  }

  get publicKey(): string {
    return this.options.keys.publicKey;
  }

  /** A TEXT frame of a joined socket: false when it is no request of ours (the caller closes the socket). */
  handle(channelId: string, text: string, reply: (control: RelayControl) => void): boolean {
    const request = parseRelayRequest(text);
    if (!request) return false;
    if (request.type === 'push-key') {
      reply({ type: 'push-key', publicKey: this.options.keys.publicKey });
      return true;
    }
    const { id } = request;
    if (!this.limiter.take(channelId)) {
      reply({ type: 'push-result', id, result: 'throttled' });
      return true;
    }
    const body = Buffer.from(request.payload, 'base64url');
    void this.sender.send(request.endpoint, body, request.ttl).then((delivery) => {
      // The endpoint's host is the push service (fcm.googleapis.com, …), nothing of the site.
      this.log.debug({ result: delivery.result, status: delivery.status, service: hostOf(request.endpoint) }, 'relay push delivery');
      reply({ type: 'push-result', id, ...delivery });
    });
    return true;
  }
}

function hostOf(endpoint: string): string {
  try {
    return new URL(endpoint).host;
  } catch {
    return '';
  }
}
