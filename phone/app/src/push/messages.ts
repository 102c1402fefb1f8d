// Service worker → app window: a wake-up notification was tapped while the app was already open
// (in the background); the app shows its requests and reconnects at once.
export const WAKE_OPENED = 'pairkey-wake-opened';

export interface WakeOpenedMessage {
  type: typeof WAKE_OPENED;
}

export function isWakeOpened(data: unknown): data is WakeOpenedMessage {
  return typeof data === 'object' && data !== null && (data as { type?: unknown }).type === WAKE_OPENED;
}
