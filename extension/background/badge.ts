// The toolbar button counts requests waiting for the person (conditional sign-ins included).
import browser from 'webextension-polyfill';
import { requestViews } from './requests.ts';

/**
 * Setting the badge costs the worker ~0.5 ms of its own thread (bench: SW profile of 400 gets),
 * and a ceremony changes the count twice: at its start and at its end, right before its result
 * goes to the page. So the badge shows the count this long after it first changes, off the
 * ceremony's path, and a ceremony the phone answers within it never touches the badge at all.
 */
const SETTLE_MS = 250;

let shown = '';
let pending: ReturnType<typeof setTimeout> | undefined;

export function updateBadge(): void {
  pending ??= setTimeout(showCount, SETTLE_MS);
}

function showCount(): void {
  pending = undefined;
  const count = requestViews().length;
  const text = count > 0 ? String(count) : '';
  if (text === shown) return;
  shown = text;
  void browser.action.setBadgeText({ text }).catch(() => undefined);
}
