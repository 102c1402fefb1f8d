// Paired browsers on the phone: pairing from a pasted link, naming the browser (the name shows on
// each request), Web Push (issue 14: the notification card, the subscription reaching the
// extension, the service worker's notifications and their click), and removing the browser, which
// the extension learns through the protocol's `unpair` (and the phone's push subscription ends).
import { generateRegistrationOptions } from '@simplewebauthn/server';
import type { Page } from '@playwright/test';
import { PHONE_URL, RP_URL } from './fixtures.ts';
import {
  appServiceWorker,
  clickNotification,
  confirmPairing,
  createCredential,
  deliverPush,
  expect,
  shownNotifications,
  standInForPushService,
  test,
  testPushSubscription,
} from './phone-app-fixtures.ts';
import { readPairkeyState } from '../security/support/pairkey-state.ts';

/** The ids of the requests the app recorded as handled (the service worker's record). */
function settledRequestIds(app: Page): Promise<string[]> {
  return app.evaluate(
    () =>
      new Promise<string[]>((resolve, reject) => {
        const opening = indexedDB.open('pairkey-phone-settled');
        opening.onerror = () => reject(opening.error);
        opening.onsuccess = () => {
          const keys = opening.result.transaction('settled').objectStore('settled').getAllKeys();
          keys.onsuccess = () => resolve(keys.result.map(String));
          keys.onerror = () => reject(keys.error);
        };
      }),
  );
}

test('pairs from a pasted link, names the browser, wakes by Web Push, and removing it unpairs the extension too', async ({ context, popup, phone }) => {
  // One pairing carries the whole story (CI budget: no second pair of browsers), so it takes longer.
  test.setTimeout(120_000);
  const pushService = testPushSubscription();
  await standInForPushService(phone.context, pushService.info);
  let app = await phone.open();
  // Headless Chromium denies notifications by default; a phone's browser would ask first.
  const devtools = await phone.context.newCDPSession(app);
  await devtools.send('Browser.setPermission', { permission: { name: 'notifications' }, setting: 'prompt', origin: new URL(PHONE_URL).origin });
  await devtools.detach();
  await app.getByTestId('tab-browsers').tap();
  await expect(app.getByTestId('no-browsers')).toBeVisible();
  await expect(app.getByTestId('push-card')).toBeHidden();

  // Something that is not a pairing link is refused with a reason.
  await app.getByTestId('paste-link').fill('https://example.com/#not-a-pairing-link');
  await app.getByTestId('paste-submit').tap();
  await expect(app.getByTestId('pairing-error')).toContainText('not a Pairkey pairing link');

  await app.getByTestId('paste-link').fill((await popup.getByTestId('pairing-link').textContent())!);
  await app.getByTestId('paste-submit').tap();
  // A pasted link asks first too (it may have come from anyone).
  await expect(app.getByTestId('pairing-consent')).toContainText('Browser 1');
  await app.getByTestId('pairing-continue').tap();
  await confirmPairing(app, popup);
  await expect(app.getByTestId('pairing-error')).toBeHidden();

  // Web Push: once paired, a card says why the app would like notifications; nothing is asked
  // before its button is tapped.
  // Locators of the app page now open (the app is reloaded, closed and opened again below).
  const card = () => app.getByTestId('push-card');
  const pushStatus = () => card().getByTestId('push-status');
  await expect(pushStatus()).toHaveAttribute('data-state', 'ask');
  await expect(card().getByTestId('push-explainer')).toContainText('notification');
  expect(await app.evaluate(() => Notification.permission)).toBe('default');
  /** The person changed the site's notification setting and comes back to the app. */
  const changeNotifications = async (setting: 'granted' | 'denied') => {
    // Playwright's permission calls: it grants only what it is given (the phone fixture's camera
    // and clipboard) and denies every other permission, notifications included.
    if (setting === 'granted') await phone.context.grantPermissions(['notifications'], { origin: new URL(PHONE_URL).origin });
    else {
      await phone.context.clearPermissions();
      await phone.context.grantPermissions(['camera', 'clipboard-read', 'clipboard-write']);
    }
    await app.reload();
    await app.getByTestId('tab-browsers').tap();
  };
  // Blocked: the app says requests come only while it is open, and offers no button.
  await changeNotifications('denied');
  await expect(pushStatus()).toHaveAttribute('data-state', 'denied');
  await expect(pushStatus()).toContainText('only while the app is open');
  await expect(card().getByTestId('push-enable')).toBeHidden();
  // Allowed (the browser's prompt answered yes): the tap subscribes.
  await changeNotifications('granted');
  await expect(pushStatus()).toHaveAttribute('data-state', 'ask');
  await card().getByTestId('push-enable').tap();
  await expect(pushStatus()).toHaveAttribute('data-state', 'on');
  await expect(card().getByTestId('push-error')).toBeHidden();

  const browser = () => app.getByTestId('browser');
  await browser().getByTestId('browser-name').fill('Work laptop');
  await browser().getByTestId('browser-rename').tap();
  await expect(browser().getByTestId('browser-name')).toHaveValue('Work laptop');

  // Each request says which browser it comes from.
  const rp = await context.newPage();
  await rp.goto(RP_URL);
  const register = async (userName: string) => createCredential(rp, await generateRegistrationOptions({ rpName: 'Pairkey test', rpID: 'localhost', userName }));
  const registration = register('frank');
  await expect(app.getByTestId('request-browser')).toHaveText('Work laptop');
  await app.getByTestId('request-deny').tap();
  expect(await registration).toEqual({ ok: false, error: 'NotAllowedError' });

  // The subscription reached the extension over the end-to-end channel.
  const extension = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker'));
  const storedPush = async () => ((await readPairkeyState(extension)).phones?.[0] as { push?: unknown } | undefined)?.push ?? null;
  await expect.poll(storedPush).toEqual(pushService.info);

  // Revoked in the browser's settings: the next session tells the extension to stop waking it.
  await changeNotifications('denied');
  await expect(pushStatus()).toHaveAttribute('data-state', 'denied');
  const refused = register('gail');
  await app.getByTestId('request-deny').tap();
  expect(await refused).toEqual({ ok: false, error: 'NotAllowedError' });
  await expect.poll(storedPush).toBeNull();
  await changeNotifications('granted');
  await card().getByTestId('push-enable').tap();
  await expect(pushStatus()).toHaveAttribute('data-state', 'on');
  await expect.poll(storedPush).toEqual(pushService.info);

  // The service worker: a current wake-up shows "Sign in to <site>?"; one for a request already
  // handled (the denied one) or past its deadline, or no wake-up at all, shows nothing.
  const worker = await appServiceWorker(app);
  const [handled] = await settledRequestIds(app);
  expect(handled).toBeDefined();
  const wake = { type: 'pairkey-wake', kind: 'sign-in', site: 'localhost', expiresAt: Date.now() + 60_000 } as const;
  await deliverPush(worker, { ...wake, request: handled! });
  await deliverPush(worker, { ...wake, request: 'late', expiresAt: Date.now() - 1000 });
  await deliverPush(worker, 'not a wake-up');
  await deliverPush(worker, { ...wake, request: 'wake-1' });
  await expect.poll(() => shownNotifications(app)).toEqual([{ title: 'Sign in to localhost?', body: 'Tap to open Pairkey and answer.', tag: 'pairkey-wake', requireInteraction: true }]);

  // All wake-ups share one notification: a newer one replaces the older. Tapped while the app is
  // open: it shows its requests.
  await deliverPush(worker, { ...wake, kind: 'registration', request: 'wake-2' });
  await expect.poll(async () => (await shownNotifications(app)).map((n) => n.title)).toEqual(['Create a passkey for localhost?']);
  await app.getByTestId('tab-browsers').tap();
  await clickNotification(phone.context, 'pairkey-wake');
  await expect(app.getByTestId('tab-requests')).toHaveAttribute('aria-current', 'page');
  await expect.poll(() => shownNotifications(app)).toEqual([]);

  await app.getByTestId('tab-browsers').tap();

  // Remove it on the phone: the extension is told and forgets the phone as well.
  await expect(popup.getByTestId('phone-item')).toHaveCount(1);
  await browser().getByTestId('browser-remove').tap();
  await expect(app.getByTestId('confirm-text')).toContainText('Remove Work laptop?');
  await app.getByTestId('confirm-yes').tap();
  await expect(app.getByTestId('browser')).toHaveCount(0);
  await expect(popup.getByTestId('phone-item')).toHaveCount(0);
  await expect(popup.getByTestId('pairing-qr')).toBeVisible();
  // No browser left to wake the phone: it holds no subscription any more.
  await expect(card()).toBeHidden();
  await expect.poll(() => app.evaluate(async () => (await (await navigator.serviceWorker.getRegistration())?.pushManager.getSubscription()) ?? null)).toBeNull();
});
