// The toolbar button counts requests waiting for the person (conditional sign-ins included).
import browser from 'webextension-polyfill';
import { requestViews } from './requests.ts';

let badge = '';

export function updateBadge(): void {
  const count = requestViews().length;
  const text = count > 0 ? String(count) : '';
  if (text === badge) return;
  badge = text;
  void browser.action.setBadgeText({ text }).catch(() => undefined);
}
