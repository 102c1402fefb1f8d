// What the service worker shows for a push: the notification for a wake-up that is still
// current, or nothing (unreadable, expired, or for a request this phone already handled).
// All wake-ups share one notification (WAKE_TAG): a newer one replaces the older, so a page that
// makes many requests leaves one notification, not a pile. The deadline a wake-up claims is
// believed only up to the longest a request can wait (MAX_TIMEOUT_MS from now).
import { parseWakePayload, type WakePayload } from '../../../../shared/push/subscription.ts';
import { MAX_TIMEOUT_MS } from '../../../../shared/webauthn/ceremony-contract.ts';
import { displayText } from '../../../../shared/display-text.ts';
import { PUSH_TEXT } from './strings.ts';

export interface WakeNotification {
  title: string;
  options: NotificationOptions & { tag: string; requireInteraction: true; data: WakePayload };
}

/** Why a push shows nothing, for the worker's log. */
export type SilentPush = 'unreadable' | 'expired' | 'settled';

/** The one notification every wake-up shows in (push-subscriber.ts closes it by its data.request). */
export const WAKE_TAG = 'pairkey-wake';

export async function wakeNotification(text: string | null, now: number, settled: (id: string) => Promise<boolean>): Promise<WakeNotification | SilentPush> {
  const wake = text === null ? null : parseWakePayload(text);
  if (!wake) return 'unreadable';
  if (wake.expiresAt <= now) return 'expired';
  if (await settled(wake.request)) return 'settled';
  return {
    // The host name comes from the paired browser, but goes through the same filter as any name.
    title: PUSH_TEXT.notificationTitle({ ...wake, site: displayText(wake.site, 253) }),
    options: {
      body: PUSH_TEXT.notificationBody,
      tag: WAKE_TAG,
      requireInteraction: true,
      data: { ...wake, expiresAt: Math.min(wake.expiresAt, now + MAX_TIMEOUT_MS) },
    },
  };
}
