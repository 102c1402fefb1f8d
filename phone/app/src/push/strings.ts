// Every Web Push text the person sees, in one place: the app's card and the service worker's
// notifications (the phone app's string catalog takes them over from here).
import type { WakePayload } from '../../../../shared/push/subscription.ts';

export const PUSH_TEXT = {
  cardTitle: 'Get requests while Pairkey is closed',
  cardExplainer:
    'Pairkey can show a notification when your computer asks for a sign-in, so you need not open the app first. ' +
    'Your browser’s push service then carries a short encrypted wake-up; only this phone can read which site asks.',
  enable: 'Allow notifications',
  state: {
    ask: 'Requests arrive only while Pairkey is open.',
    on: 'Notifications are on: a request wakes this phone.',
    denied: 'Notifications are blocked for Pairkey, so requests arrive only while the app is open. Allow them in this browser’s site settings to change that.',
    unsupported: 'This browser cannot wake Pairkey, so requests arrive only while the app is open. On an iPhone, add Pairkey to the home screen first.',
  },
  noRelayKey: 'The relay has not answered yet. Try again when a browser shows “ready”.',
  failed: (reason: string) => `Notifications could not be turned on (${reason}). Requests arrive only while the app is open.`,
  notificationTitle: (wake: WakePayload) => (wake.kind === 'registration' ? `Create a passkey for ${wake.site}?` : `Sign in to ${wake.site}?`),
  notificationBody: 'Tap to open Pairkey and answer.',
} as const;
