// What the request UI (popup, prompt window) says while a phone is being reached and waking it by
// Web Push is under way or impossible (background/wake.ts). Its own module: the prompt window
// shows it without loading the popup's components.
import type { RequestView } from '../runtime-messages.ts';
import { t } from './i18n.ts';

const WAKE_KEYS: Record<NonNullable<RequestView['wake']>, string> = {
  waking: 'wakeWaking',
  'open-phone': 'wakeOpenPhone',
};

/** The sentence for the request's wake state, or null when no phone was found absent. */
export function wakeText(request: RequestView): string | null {
  return request.stage === 'reaching-phone' && request.wake ? t(WAKE_KEYS[request.wake]) : null;
}
