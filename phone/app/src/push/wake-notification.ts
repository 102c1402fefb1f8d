// What the service worker shows for a push: the notification for a wake-up that is still
// current, or nothing (unreadable, expired, or for a request this phone already handled).
import { parseWakePayload, type WakePayload } from '../../../../shared/push/subscription.ts';
import { displayText } from '../../../../shared/display-text.ts';
import { PUSH_TEXT } from './strings.ts';

export interface WakeNotification {
  title: string;
  options: NotificationOptions & { tag: string; requireInteraction: true; data: WakePayload };
}

/** Why a push shows nothing, for the worker's log. */
export type SilentPush = 'unreadable' | 'expired' | 'settled';

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
      // One notification per request: a second wake-up for it replaces the first.
      tag: wake.request,
      requireInteraction: true,
      data: wake,
    },
  };
}
