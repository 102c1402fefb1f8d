// This app's Web Push subscription: whether the browser can have one, asking for notification
// permission (only after the person tapped the card's button), subscribing the service worker with
// the relay's VAPID key, and what to tell paired browsers about it (`push-subscription`).
import { Value } from '@sinclair/typebox/value';
import { equalBytes, fromB64url, toArrayBuffer } from '../../../../shared/bytes.ts';
import { PushSubscriptionInfoSchema, type PushSubscriptionInfo, type WakePayload } from '../../../../shared/push/subscription.ts';
import { WAKE_TAG } from './wake-notification.ts';

/**
 * - `unsupported`: no service worker, Push API or notifications here (iOS outside the home screen);
 * - `ask`: possible, not asked yet (or the prompt was dismissed), or no subscription;
 * - `denied`: the person (or the browser) blocked notifications;
 * - `on`: subscribed.
 */
export type PushState = 'unsupported' | 'ask' | 'denied' | 'on';

export class PushSubscriber {
  readonly supported = typeof navigator !== 'undefined' && 'serviceWorker' in navigator && typeof PushManager !== 'undefined' && typeof Notification !== 'undefined';

  async state(): Promise<PushState> {
    if (!this.supported) return 'unsupported';
    if (Notification.permission === 'denied') return 'denied';
    if (Notification.permission !== 'granted') return 'ask';
    return (await this.current()) ? 'on' : 'ask';
  }

  /**
   * The person tapped "Allow notifications": the permission prompt, then a subscription made with
   * `relayKey` (replacing one made with another key: a push service takes only the key's pushes).
   */
  async enable(relayKey: string): Promise<PushState> {
    if (!this.supported) return 'unsupported';
    const permission = await Notification.requestPermission();
    if (permission !== 'granted') return permission === 'denied' ? 'denied' : 'ask';
    const registration = await navigator.serviceWorker.ready;
    const key = fromB64url(relayKey);
    const existing = await registration.pushManager.getSubscription();
    if (existing && madeWith(existing, key)) return 'on';
    await existing?.unsubscribe();
    // userVisibleOnly: every wake-up shows a notification (Chrome requires it; sw.ts).
    await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: toArrayBuffer(key) });
    return 'on';
  }

  /** What to send a browser whose relay has `relayKey`: the subscription made with it, or null. */
  async subscriptionFor(relayKey: string): Promise<PushSubscriptionInfo | null> {
    if (!this.supported || Notification.permission !== 'granted') return null;
    const subscription = await this.current();
    if (!subscription || !madeWith(subscription, fromB64url(relayKey))) return null;
    return infoOf(subscription);
  }

  /** No browser is paired any more: nothing may wake this phone. */
  async unsubscribe(): Promise<void> {
    await (await this.current())?.unsubscribe();
  }

  /**
   * A browser was removed: it holds this subscription (every paired browser gets the same one) and
   * could go on posting wake-ups through it. With no browser left, unsubscribe; else `renew`, and
   * the caller sends the new subscription to the browsers that remain ('renewed').
   */
  async afterBrowserRemoved(browsersLeft: number): Promise<'renewed' | 'unsubscribed' | null> {
    if ((await this.state()) !== 'on') return null;
    if (browsersLeft === 0) {
      await this.unsubscribe();
      return 'unsubscribed';
    }
    return (await this.renew()) ? 'renewed' : null;
  }

  /** Drop the subscription and subscribe anew with the same relay key. True when there is a new one. */
  async renew(): Promise<boolean> {
    const old = await this.current();
    const key = old?.options.applicationServerKey;
    if (!old || !key) return false;
    await old.unsubscribe();
    const registration = await navigator.serviceWorker.ready;
    await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
    return true;
  }

  /** Calls `changed` when the notification permission changes (revoked in the site settings). */
  watch(changed: () => void): void {
    if (!this.supported || !navigator.permissions) return;
    navigator.permissions.query({ name: 'notifications' }).then(
      (status) => status.addEventListener('change', changed),
      () => undefined,
    );
  }

  /**
   * The request is handled: its wake-up notification, if one is showing, has nothing left to say;
   * nor has one past its (capped, wake-notification.ts) deadline.
   */
  async dismiss(requestId: string, now = Date.now()): Promise<void> {
    if (!this.supported) return;
    const registration = await navigator.serviceWorker.getRegistration();
    for (const notification of (await registration?.getNotifications({ tag: WAKE_TAG })) ?? []) {
      const wake = notification.data as Partial<WakePayload> | null;
      if (wake?.request === requestId || (wake?.expiresAt ?? 0) <= now) notification.close();
    }
  }

  private async current(): Promise<PushSubscription | null> {
    // Not `ready`: with no service worker (it failed to register) that would wait forever.
    const registration = await navigator.serviceWorker.getRegistration();
    return (await registration?.pushManager.getSubscription()) ?? null;
  }
}

function madeWith(subscription: PushSubscription, key: Uint8Array): boolean {
  const made = subscription.options.applicationServerKey;
  return made !== null && equalBytes(new Uint8Array(made), key);
}

/** PushSubscription.toJSON() → the wire shape (unpadded base64url), or null if it does not fit. */
export function infoOf(subscription: Pick<PushSubscription, 'toJSON'>): PushSubscriptionInfo | null {
  const json = subscription.toJSON();
  const unpadded = (value: string | undefined) => value?.replace(/=+$/, '') ?? '';
  const info = { endpoint: json.endpoint ?? '', p256dh: unpadded(json.keys?.p256dh), auth: unpadded(json.keys?.auth) };
  return Value.Check(PushSubscriptionInfoSchema, info) ? info : null;
}
