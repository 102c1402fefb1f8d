// Waking phones for one waiting request (issue 14): a paired phone whose app is closed is not on
// its relay channel, so the request cannot reach it. For each such phone that gave us a Web Push
// subscription, the extension encrypts a small wake-up itself (RFC 8291, shared/push/encrypt.ts:
// which site asks, for what, until when) and asks the relay to post it; the relay signs (VAPID)
// and learns only an endpoint and a time. The phone's service worker shows a notification; once
// the person opens the app it connects and receives the request as usual (phones.ts).
// One wake-up per phone per request, none once the request left this stage (answered, stopped,
// out of time), and the request's own deadline is the push's TTL.
import { toB64url } from '../../shared/bytes.ts';
import { encryptPushMessage } from '../../shared/push/encrypt.ts';
import type { PushSubscriptionInfo, WakePayload } from '../../shared/push/subscription.ts';
import type { RelayPushResult } from '../../shared/protocol/relay-contract.ts';
import type { WakeState } from '../runtime-messages.ts';

export type { WakeState };

/** What a wake-up needs of one confirmed phone (phones.ts builds these from its links). */
export interface WakeTarget {
  phoneId: string;
  /** The relay said the phone is not on its channel (PhoneLink.phoneAbsent). */
  absent: boolean;
  /** Its Web Push subscription, if it sent one. */
  push: PushSubscriptionInfo | undefined;
  /** Ask the relay to post the encrypted body (PhoneLink.requestPush). */
  requestPush(endpoint: string, payload: string, ttlSeconds: number): Promise<RelayPushResult>;
}

export interface WakeHooks {
  /** The state the request UI shows changed. */
  onChange(state: WakeState | null): void;
  /** The push service said the subscription is gone for good (404/410): forget it. */
  onGone(phoneId: string): void;
  now?: () => number;
}

/** The relay's schema allows 600 s; it caps at 300 (a request waits 5 minutes at most). */
const MAX_TTL_SECONDS = 600;

/** Per phone: the wake-up on its way, the relay's answer, or why none was sent. */
type Attempt = 'pending' | RelayPushResult | 'no-subscription';

const encoder = new TextEncoder();

export class RequestWake {
  private readonly attempts = new Map<string, Attempt>();
  private stopped = false;
  private shown: WakeState | null = null;
  private readonly now: () => number;

  constructor(
    private readonly payload: WakePayload,
    private readonly hooks: WakeHooks,
  ) {
    this.now = hooks.now ?? Date.now;
  }

  /**
   * `waking` while a wake-up is on its way or a push service took one (the phone shows a
   * notification); `open-phone` when an absent phone could not be woken (no subscription, gone,
   * throttled, refused, failed): the person has to open the app themselves. Null: no phone was
   * found absent (yet).
   */
  get state(): WakeState | null {
    const attempts = [...this.attempts.values()];
    if (attempts.some((a) => a === 'pending' || a === 'sent')) return 'waking';
    return attempts.length > 0 ? 'open-phone' : null;
  }

  /** Wake every absent phone not tried yet for this request. Called whenever a link changes. */
  consider(targets: readonly WakeTarget[]): void {
    if (this.stopped) return;
    for (const target of targets) {
      if (!target.absent || this.attempts.has(target.phoneId)) continue;
      const ttl = Math.ceil((this.payload.expiresAt - this.now()) / 1000);
      if (ttl <= 0) continue; // out of time: the request ends on its own clock
      if (!target.push) {
        this.attempts.set(target.phoneId, 'no-subscription');
        continue;
      }
      this.attempts.set(target.phoneId, 'pending');
      void this.send(target, target.push, Math.min(ttl, MAX_TTL_SECONDS));
    }
    this.report();
  }

  /** The request left the waiting stage: no wake-up is sent from now on, and no state reported. */
  stop(): void {
    this.stopped = true;
  }

  private async send(target: WakeTarget, push: PushSubscriptionInfo, ttl: number): Promise<void> {
    let result: RelayPushResult;
    try {
      const body = await encryptPushMessage(push, encoder.encode(JSON.stringify(this.payload)));
      // Answered (or stopped) while encrypting: a wake-up for it would only be stale.
      if (this.stopped) return;
      result = await target.requestPush(push.endpoint, toB64url(body), ttl);
    } catch {
      // Keys the phone sent that are no P-256 point: nothing can be encrypted to them.
      result = 'failed';
    }
    this.attempts.set(target.phoneId, result);
    if (result === 'gone') this.hooks.onGone(target.phoneId);
    this.report();
  }

  private report(): void {
    const state = this.state;
    if (this.stopped || state === this.shown) return;
    this.shown = state;
    this.hooks.onChange(state);
  }
}
