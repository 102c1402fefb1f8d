// Every Web Push text the person sees, in one place: the app's card and the service worker's
// notifications (the phone app's string catalog takes them over from here).
import type { WakePayload } from '../../../../shared/push/subscription.ts';
import { t } from '../i18n.ts';

export const PUSH_TEXT = {
  cardTitle: t('Get requests while Pairkey is closed'),
  cardExplainer: t(
    'Pairkey can show a notification when your computer asks for a sign-in, so you need not open the app first. Your browser’s push service then carries a short encrypted wake-up; only this phone can read which site asks.',
  ),
  enable: t('Allow notifications'),
  state: {
    ask: t('Requests arrive only while Pairkey is open.'),
    on: t('Notifications are on: a request wakes this phone.'),
    denied: t('Notifications are blocked for Pairkey, so requests arrive only while the app is open. Allow them in this browser’s site settings to change that.'),
    unsupported: t('This browser cannot wake Pairkey, so requests arrive only while the app is open. On an iPhone, add Pairkey to the home screen first.'),
  },
  noRelayKey: t('The relay has not answered yet. Try again when a browser shows “ready”.'),
  failed: (reason: string) => t('Notifications could not be turned on ({reason}). Requests arrive only while the app is open.', { reason }),
  notificationTitle: (wake: WakePayload) => (wake.kind === 'registration' ? t('Create a passkey for {site}?', { site: wake.site }) : t('Sign in to {site}?', { site: wake.site })),
  notificationBody: t('Tap to open Pairkey and answer.'),
} as const;
