// Waking phones for one waiting request (issue 14): a paired phone whose app is closed is not on
// its relay channel, so the request cannot reach it. For each such phone that gave us a Web Push
// subscription, the extension encrypts a small wake-up itself (RFC 8291, shared/push/encrypt.ts:
// which site asks, for what, until when) and asks the relay to post it; the relay signs (VAPID)
// and learns only an endpoint and a time. The phone's service worker shows a notification; once
// the person opens the app it connects and receives the request as usual (phones.ts).
// One wake-up per phone per request, none once the request left this stage (answered, stopped,
// out of time), and at most one per phone per WAKE_COOLDOWN_MS however many requests a page makes
// (WakeCooldown, shared by every request): a page calling in a loop cannot spend the phone's push
// budget or pile up notifications; a request inside the cooldown rides on the wake-up just sent
// (tapping its notification opens the app, which then receives every waiting request); the phone
// coming online ends its cooldown. The TTL is
// one fixed value, so the relay learns nothing of the request's remaining time; the phone ignores
// a wake-up past its deadline (phone/app/src/push/wake-notification.ts).
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
  /** Whom a wake-up went to recently; the one module-wide instance unless a test gives its own. */
  cooldown?: WakeCooldown;
}

/** Every wake-up's TTL, whatever the request's deadline: the relay caps at 300 s. */
export const WAKE_TTL_SECONDS = 300;
/** A phone woken less than this ago is not woken again (its notification is still showing). */
export const WAKE_COOLDOWN_MS = 30_000;

/** Per phone: the wake-up on its way, the relay's answer, or why none was sent. */
type Attempt = 'pending' | RelayPushResult | 'no-subscription';

/** How a wake-up another request was sending went; `unsent`: it was dropped, try again. */
type Ridden = Attempt | 'unsent';

/** Per phone, the last wake-up sent by any request: when, and (once the relay answered) how it went. */
export class WakeCooldown {
  private readonly last = new Map<string, { at: number; result: Attempt; waiters: ((result: Ridden) => void)[] }>();

  constructor(private readonly ms = WAKE_COOLDOWN_MS) {}

  /** The wake-up `phoneId` had within the cooldown, if any: its result, or a promise of it. */
  recent(phoneId: string, now: number): Attempt | Promise<Ridden> | undefined {
    const last = this.last.get(phoneId);
    if (!last || now - last.at >= this.ms) return undefined;
    if (last.result !== 'pending') return last.result;
    return new Promise((resolve) => last.waiters.push(resolve));
  }

  sending(phoneId: string, now: number): void {
    this.last.set(phoneId, { at: now, result: 'pending', waiters: [] });
  }

  /** The phone came online: whatever woke it is done with, its next absence may be woken at once. */
  phoneOnline(phoneId: string): void {
    const last = this.last.get(phoneId);
    if (last && last.result !== 'pending') this.last.delete(phoneId);
  }

  /** The relay's answer; `unsent`: the request moved on before posting, the next may wake at once. */
  answered(phoneId: string, result: Ridden): void {
    const last = this.last.get(phoneId);
    if (!last || last.result !== 'pending') return;
    if (result === 'unsent') this.last.delete(phoneId);
    else last.result = result;
    for (const waiter of last.waiters.splice(0)) waiter(result);
  }
}

/** The one cooldown every request shares (phones.ts ends a phone's when it comes online). */
export const wakeCooldown = new WakeCooldown();

const encoder = new TextEncoder();

export class RequestWake {
  private readonly attempts = new Map<string, Attempt>();
  private stopped = false;
  private shown: WakeState | null = null;
  private readonly now: () => number;
  private readonly cooldown: WakeCooldown;

  constructor(
    private readonly payload: WakePayload,
    private readonly hooks: WakeHooks,
  ) {
    this.now = hooks.now ?? Date.now;
    this.cooldown = hooks.cooldown ?? wakeCooldown;
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
      const now = this.now();
      if (this.payload.expiresAt <= now) continue; // out of time: the request ends on its own clock
      if (!target.push) {
        this.attempts.set(target.phoneId, 'no-subscription');
        continue;
      }
      this.attempts.set(target.phoneId, 'pending');
      void this.wakeOrRide(target, target.push);
    }
    this.report();
  }

  /** The request left the waiting stage: no wake-up is sent from now on, and no state reported. */
  stop(): void {
    this.stopped = true;
  }

  /** Send a wake-up, or, when another request woke this phone moments ago, take that one's fate. */
  private async wakeOrRide(target: WakeTarget, push: PushSubscriptionInfo): Promise<void> {
    for (;;) {
      // Synchronous up to the first await: consider() reports 'waking' with the send under way.
      const recent = this.cooldown.recent(target.phoneId, this.now());
      if (recent === undefined) {
        this.cooldown.sending(target.phoneId, this.now());
        return this.send(target, push);
      }
      const result = await recent;
      if (this.stopped) return;
      // The one ridden on was dropped unsent: this request sends its own (or rides on whoever does).
      if (result !== 'unsent') return this.settle(target.phoneId, result, false);
    }
  }

  private async send(target: WakeTarget, push: PushSubscriptionInfo): Promise<void> {
    let result: RelayPushResult;
    try {
      const body = await encryptPushMessage(push, encoder.encode(JSON.stringify(this.payload)));
      // Answered (or stopped) while encrypting: a wake-up for it would only be stale, and the
      // next request may wake the phone at once.
      if (this.stopped) {
        this.cooldown.answered(target.phoneId, 'unsent');
        return;
      }
      result = await target.requestPush(push.endpoint, toB64url(body), WAKE_TTL_SECONDS);
    } catch {
      // Keys the phone sent that are no P-256 point: nothing can be encrypted to them.
      result = 'failed';
    }
    this.cooldown.answered(target.phoneId, result);
    this.settle(target.phoneId, result, true);
  }

  private settle(phoneId: string, result: Attempt, own: boolean): void {
    this.attempts.set(phoneId, result);
    if (result === 'gone' && own) this.hooks.onGone(phoneId);
    this.report();
  }

  private report(): void {
    const state = this.state;
    if (this.stopped || state === this.shown) return;
    this.shown = state;
    this.hooks.onChange(state);
  }
}
