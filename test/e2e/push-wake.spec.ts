// Issue 14: a passkey sign-in while the phone's app is closed. The phone is paired and has sent
// its Web Push subscription; then it goes offline. The page asks, the extension finds the phone
// absent from its relay channel, encrypts a wake-up to the phone's keys and asks the relay to post
// it; the relay signs it (VAPID) and posts it to the test's RFC 8030 service
// (test/support/push-service.ts: the one stand-in, at the push-service boundary, since FCM and
// Mozilla's service cannot be reached here), which decrypts it with http_ece.
// 1. The virtual phone (the app's core session): the popup says the phone is being woken while the
//    push is in flight; on delivery the phone comes online and the sign-in completes. A second
//    sign-in whose subscription the push service calls gone (410): the extension forgets it and
//    tells the person to open Pairkey on the phone, who does.
// 2. The phone web app, closed: the decrypted push goes to its service worker through DevTools
//    (`ServiceWorker.deliverPushMessage`, as the browser's push service would deliver it), the
//    worker shows "Sign in to localhost?"; the app, opened as the tap would (a dispatched click
//    cannot open a window), connects and answers. The app's subscribe call is the stand-in of
//    phone-app-fixtures.ts (`standInForPushService`).
import Fastify, { type FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { relayPlugin } from '../../harness-server/relay/index.ts';
import { generatedVapidKeys, type VapidKeys } from '../../harness-server/relay/push/vapid-keys.ts';
import { VirtualPhone } from '../../phone/virtual/phone.ts';
import { parseWakePayload } from '../../shared/push/subscription.ts';
import { WAKE_TAG } from '../../phone/app/src/push/wake-notification.ts';
import { addPasskey, dismissBackupCodes, freshUsername, signInWithPasskey, signOut, signUpVerified } from '../qa/fixtures-rp.ts';
import { TestPushService } from '../support/push-service.ts';
import { readPairkeyState } from '../security/support/pairkey-state.ts';
import { PHONE_URL, readQr, RP_URL } from './fixtures.ts';
import {
  appServiceWorker,
  deliverPush,
  expect,
  confirmPairing,
  setAppPin,
  appWorker,
  standInForPushService,
  test as base,
} from './phone-app-fixtures.ts';

/** The phone app's PIN: the RP's passkeys require user verification. */
const PIN = '482913';

interface PushWorld {
  service: TestPushService;
  vapid: VapidKeys;
  /** A relay of its own: the e2e server's relay has no test allowance to post to 127.0.0.1. */
  relayUrl: string;
}

const test = base.extend<{ push: PushWorld }>({
  push: async ({}, use) => {
    const service = await TestPushService.start();
    const vapid = generatedVapidKeys();
    const relay: FastifyInstance = Fastify({ logger: false });
    await relay.register(relayPlugin, {
      limits: { maxFrameBytes: 65536, maxConnectionsPerIp: 64, idleTimeoutMs: 60_000, pingIntervalMs: 30_000 },
      push: { keys: vapid, subject: 'mailto:e2e@pairkey.test', perMinute: 6, testing: { loopbackAddresses: ['127.0.0.1'], ca: service.ca } },
    });
    await relay.listen({ port: 0, host: '127.0.0.1' });
    await use({ service, vapid, relayUrl: `http://127.0.0.1:${(relay.server.address() as AddressInfo).port}` });
    await relay.close();
    await service.close();
  },
  popup: async ({ context, extensionId, push }, use) => {
    const page = await context.newPage();
    await page.goto(`chrome-extension://${extensionId}/extension/ui/popup.html`);
    await page.locator('summary').click();
    await page.getByTestId('relay-url').fill(push.relayUrl);
    await page.getByTestId('phone-url').fill(PHONE_URL);
    await page.getByTestId('save-settings').click();
    await expect(page.getByTestId('pairing-link')).toContainText(PHONE_URL);
    await use(page);
  },
});

// Two browsers (the phone's, for the app), two pairings and three ceremonies per test; the budget
// covers the fixtures' start too, slow on a loaded 2-core machine.
test.describe.configure({ timeout: 150_000 });

test('a passkey sign-in with the virtual phone offline: the extension wakes it by Web Push, or says to open Pairkey', async ({ context, extensionId, popup, push }) => {
  const subscription = push.service.subscribe();
  const phone = VirtualPhone.open({ name: 'Pocket phone', pushSubscription: subscription.info });
  try {
    const pending = await phone.pair(await readQr(popup.getByTestId('pairing-qr')));
    pending.confirm();
    await phone.goOnline();
    await expect(popup.getByTestId('pairing-code')).toHaveText(pending.confirmationCode);
    await popup.getByTestId('pairing-confirm').click();
    await expect(popup.getByTestId('phone-status')).toHaveText('Online');

    const page = await context.newPage();
    const username = freshUsername('pocket');
    await signUpVerified(page, username);
    await addPasskey(page, 'Pocket phone');
    await expect(page.getByTestId('status')).toHaveText('Added "Pocket phone"');
    await dismissBackupCodes(page);
    await signOut(page);
    expect(push.service.deliveries).toHaveLength(0); // an online phone is never woken

    // The app is closed: the phone leaves its relay channel.
    phone.close();
    await expect(popup.getByTestId('phone-status')).not.toHaveText('Online');
    const signInStarted = Date.now();
    await signInWithPasskey(page);
    const delivery = await push.service.delivery(0);
    // While the push service holds the POST, the request UI says the phone is being woken.
    await expect(popup.getByTestId('request-item')).toHaveAttribute('data-wake', 'waking');
    await expect(popup.getByTestId('request-stage')).toHaveText('Waking your phone… Tap the Pairkey notification on it.');

    // What the phone's service worker would read: the site and the request's own deadline, nothing more.
    const wake = parseWakePayload(delivery.plaintext);
    expect(wake).toMatchObject({ type: 'pairkey-wake', kind: 'sign-in', site: 'localhost' });
    expect(wake!.expiresAt).toBeGreaterThan(signInStarted);
    expect(await popup.getByTestId('request-item').getAttribute('data-request-id')).toBe(wake!.request);
    expect(delivery.headers.urgency).toBe('high');
    expect(Number(delivery.headers.ttl)).toBeGreaterThan(0);
    expect(Number(delivery.headers.ttl)).toBeLessThanOrEqual(300);
    expect(delivery.vapid).toMatchObject({ sub: 'mailto:e2e@pairkey.test', publicKey: push.vapid.publicKey });
    delivery.respond(201);

    // The notification was tapped: the app opens, connects and gets the waiting request.
    await phone.goOnline();
    await expect(page.getByTestId('current-user')).toHaveText(username);
    const outcomes = await phone.waitForOutcomes(2);
    expect(outcomes.map((o) => [o.view?.kind, o.reply])).toEqual([
      ['registration', 'credential-created'],
      ['sign-in', 'assertion'],
    ]);
    // One wake-up for that request, and none for a phone that is online.
    expect(push.service.deliveries).toHaveLength(1);
    expect(push.service.errors).toEqual([]);

    // The push service says the subscription is gone: the extension forgets it and tells the
    // person. Under the 'ask' rule the person chose the phone, so the request waits for it.
    await signOut(page);
    phone.close();
    await expect(popup.getByTestId('phone-status')).not.toHaveText('Online');
    const options = await context.newPage();
    await options.goto(`chrome-extension://${extensionId}/extension/ui/options.html`);
    await options.getByTestId('default-rule').selectOption('ask');
    await expect(options.getByTestId('default-rule')).toHaveAttribute('data-saved', 'ask');
    await options.close();
    const promptOpened = context.waitForEvent('page', { predicate: (p) => p.url().includes('prompt.html') });
    await signInWithPasskey(page);
    const prompt = await promptOpened;
    await prompt.getByTestId('prompt-phone').click();
    (await push.service.delivery(1)).respond(410);
    await expect(prompt.getByTestId('prompt-status')).toHaveText('Open Pairkey on your phone.');
    await expect(popup.getByTestId('request-stage')).toHaveText('Open Pairkey on your phone.');
    const worker = context.serviceWorkers().find((w) => w.url().includes(extensionId))!;
    await expect.poll(async () => ((await readPairkeyState(worker)).phones?.[0] as { push?: unknown } | undefined)?.push ?? null).toBeNull();

    // The person opens the app by hand (its browser would subscribe anew; this one has none now).
    phone.pushSubscription = null;
    await phone.goOnline();
    await expect(page.getByTestId('current-user')).toHaveText(username);
    expect((await phone.waitForOutcomes(3))[2]).toMatchObject({ reply: 'assertion' });
    expect(push.service.deliveries).toHaveLength(2);
  } finally {
    phone.close();
  }
});

test('the phone app closed at the start: the wake-up reaches its service worker, which shows it; the app opened then answers the passkey sign-in', async ({ context, popup, phone, push }) => {
  const subscription = push.service.subscribe();
  await standInForPushService(phone.context, subscription.info);
  // Paired from the pasted link (the camera path has its own spec, and costs more CPU).
  const app = await phone.open();
  await app.getByTestId('tab-browsers').tap();
  await app.getByTestId('paste-link').fill((await popup.getByTestId('pairing-link').textContent())!);
  await app.getByTestId('paste-submit').tap();
  await app.getByTestId('pairing-continue').tap();
  await confirmPairing(app, popup);
  await setAppPin(app, PIN);
  // Notifications allowed (headless Chromium denies them until granted: the browser's prompt
  // answered yes), then the app's own button subscribes.
  await app.getByTestId('tab-browsers').tap();
  const pushStatus = app.getByTestId('push-card').getByTestId('push-status');
  await phone.context.grantPermissions(['notifications'], { origin: new URL(PHONE_URL).origin });
  await expect(pushStatus).toHaveAttribute('data-state', 'ask');
  await app.getByTestId('push-card').getByTestId('push-enable').tap();
  await expect(pushStatus).toHaveAttribute('data-state', 'on');
  const extension = context.serviceWorkers().find((w) => w.url().startsWith('chrome-extension://'))!;
  await expect.poll(async () => ((await readPairkeyState(extension)).phones?.[0] as { push?: unknown } | undefined)?.push ?? null).toEqual(subscription.info);

  const rp = await context.newPage();
  const username = freshUsername('closed');
  await signUpVerified(rp, username);
  await addPasskey(rp, 'Phone app');
  const request = app.getByTestId('request');
  await expect(request).toHaveAttribute('data-kind', 'registration');
  await request.getByTestId('request-pin').fill(PIN);
  await request.getByTestId('request-approve').tap();
  await expect(rp.getByTestId('status')).toHaveText('Added "Phone app"');
  await dismissBackupCodes(rp);
  await signOut(rp);

  // The app is closed (the phone's browser stays): the extension finds the phone absent.
  const home = await phone.context.newPage();
  await app.close();
  await expect(popup.getByTestId('phone-status')).not.toHaveText('Online');
  await rp.goto(`${RP_URL}/signin`);
  await rp.getByTestId('signin-passkey').click();
  const delivery = await push.service.delivery(0);
  await expect(popup.getByTestId('request-stage')).toHaveText('Waking your phone… Tap the Pairkey notification on it.');
  delivery.respond(201);
  // The push service hands the message to the phone's browser: its push event, through DevTools.
  const wake = parseWakePayload(delivery.plaintext)!;
  await deliverPush(await appServiceWorker(home), delivery.plaintext);
  // No page of the app is open to ask: the worker itself says what it shows.
  const shown = async () =>
    (await appWorker(phone.context)).evaluate(async () => {
      const { registration } = self as unknown as { registration: ServiceWorkerRegistration };
      return (await registration.getNotifications()).map((n) => ({ title: n.title, tag: n.tag, request: (n.data as { request?: string } | null)?.request }));
    });
  await expect.poll(shown).toEqual([{ title: 'Sign in to localhost?', tag: WAKE_TAG, request: wake.request }]);

  // The person taps it and the app opens. A dispatched notificationclick is no user's tap, so
  // Chromium refuses the worker's clients.openWindow for it (phone-app-browsers.spec.ts dispatches
  // the tap with the app open): the test opens the app where the tap would. It connects and shows
  // the waiting request.
  await home.goto(PHONE_URL);
  const signIn = home.getByTestId('request');
  await expect(signIn).toHaveAttribute('data-kind', 'sign-in');
  await signIn.getByTestId('request-pin').fill(PIN);
  await signIn.getByTestId('request-approve').tap();
  await expect(rp.getByTestId('current-user')).toHaveText(username);
  expect(push.service.deliveries).toHaveLength(1);
  expect(push.service.errors).toEqual([]);
});
