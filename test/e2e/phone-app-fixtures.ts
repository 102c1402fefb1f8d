// The phone for the phone-app e2e specs: a second Chromium with a mobile device profile (Pixel 7:
// touch, small screen, Android user agent) whose camera is Chromium's fake capture device fed from
// a Y4M file. `showToCamera(png)` writes a picture into that file; Chromium reads the file each
// time the app starts the camera, so every scan sees the latest picture.
import { chromium, devices, type BrowserContext, type CDPSession, type Locator, type Page, type Worker } from '@playwright/test';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { createECDH, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { CHROMIUM_QUIET_FLAGS, chromiumPath } from '../../qa/browser/browsers.ts';
import type { PushSubscriptionInfo, WakePayload } from '../../shared/push/subscription.ts';
import { expect, PHONE_URL, RP_URL, test as base } from './fixtures.ts';

const FRAME_WIDTH = 640;
const FRAME_HEIGHT = 480;

/**
 * One YUV4MPEG2 frame (4:2:0, full-range BT.601 as JPEG uses: `C420jpeg`) showing `png` centred
 * on white, scaled up by a whole factor so QR modules stay sharp. Chromium loops it as a video.
 */
export function y4mFromPng(pngBytes: Buffer): Buffer {
  const png = PNG.sync.read(pngBytes);
  const scale = Math.max(1, Math.floor((Math.min(FRAME_WIDTH, FRAME_HEIGHT) * 0.8) / Math.max(png.width, png.height)));
  const left = Math.floor((FRAME_WIDTH - png.width * scale) / 2);
  const top = Math.floor((FRAME_HEIGHT - png.height * scale) / 2);
  const rgbAt = (x: number, y: number): [number, number, number] => {
    const sx = Math.floor((x - left) / scale);
    const sy = Math.floor((y - top) / scale);
    if (sx < 0 || sy < 0 || sx >= png.width || sy >= png.height) return [255, 255, 255];
    const i = (sy * png.width + sx) * 4;
    const alpha = png.data[i + 3]! / 255;
    const over = (c: number) => c * alpha + 255 * (1 - alpha);
    return [over(png.data[i]!), over(png.data[i + 1]!), over(png.data[i + 2]!)];
  };
  const clamp = (v: number) => Math.max(0, Math.min(255, Math.round(v)));
  const luma = Buffer.alloc(FRAME_WIDTH * FRAME_HEIGHT);
  const cb = Buffer.alloc((FRAME_WIDTH / 2) * (FRAME_HEIGHT / 2));
  const cr = Buffer.alloc(cb.length);
  for (let y = 0; y < FRAME_HEIGHT; y += 2) {
    for (let x = 0; x < FRAME_WIDTH; x += 2) {
      let sumB = 0;
      let sumR = 0;
      for (const [dx, dy] of [[0, 0], [1, 0], [0, 1], [1, 1]] as const) {
        const [r, g, b] = rgbAt(x + dx, y + dy);
        luma[(y + dy) * FRAME_WIDTH + x + dx] = clamp(0.299 * r + 0.587 * g + 0.114 * b);
        sumB += 128 - 0.168736 * r - 0.331264 * g + 0.5 * b;
        sumR += 128 + 0.5 * r - 0.418688 * g - 0.081312 * b;
      }
      const c = (y / 2) * (FRAME_WIDTH / 2) + x / 2;
      cb[c] = clamp(sumB / 4);
      cr[c] = clamp(sumR / 4);
    }
  }
  const header = Buffer.from(`YUV4MPEG2 W${FRAME_WIDTH} H${FRAME_HEIGHT} F30:1 Ip A1:1 C420jpeg\nFRAME\n`, 'latin1');
  return Buffer.concat([header, luma, cb, cr]);
}

function blankPng(): Buffer {
  const png = new PNG({ width: 8, height: 8 });
  png.data.fill(255);
  return PNG.sync.write(png);
}

export interface PhoneDevice {
  context: BrowserContext;
  page: Page;
  /** Hold `png` (a screenshot) in front of the phone's camera. */
  showToCamera(png: Buffer): void;
  /** Open the app (fresh, or through a URL such as a pairing link). */
  open(url?: string): Promise<Page>;
}

const { defaultBrowserType: _browserType, ...pixel7 } = devices['Pixel 7'];

export const test = base.extend<{ phone: PhoneDevice; phoneLocale: string | undefined }>({
  /** The phone browser's language (`test.use({ phoneLocale: 'de-DE' })`); the profile's default otherwise. */
  phoneLocale: [undefined, { option: true }],
  phone: async ({ tempDir, phoneLocale }, use) => {
    const camera = join(tempDir, 'camera.y4m');
    const showToCamera = (png: Buffer) => writeFileSync(camera, y4mFromPng(png));
    showToCamera(blankPng());
    const context = await chromium.launchPersistentContext(join(tempDir, 'phone-profile'), {
      ...pixel7,
      executablePath: chromiumPath(),
      headless: true,
      args: [...CHROMIUM_QUIET_FLAGS, '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${camera}`],
      permissions: ['camera', 'clipboard-read', 'clipboard-write'],
      ...(phoneLocale ? { locale: phoneLocale } : {}),
    });
    const page = context.pages()[0] ?? (await context.newPage());
    const device: PhoneDevice = {
      context,
      page,
      showToCamera,
      open: async (url = PHONE_URL) => {
        await page.goto(url);
        return page;
      },
    };
    await use(device);
    await context.close();
  },
});

/** Scan with the phone: show `png` to the camera, tap the scan button, wait for the camera to close. */
export async function scanWithPhone(phone: PhoneDevice, png: Buffer, scanButton: Locator): Promise<void> {
  phone.showToCamera(png);
  await scanButton.tap();
  await expect(phone.page.getByTestId('scanner')).toBeHidden();
}

/** After the phone paired: the person compares the two codes and confirms on both screens. */
export async function confirmPairing(app: Page, popup: Page): Promise<void> {
  const code = app.getByTestId('pairing-code');
  await expect(code).toHaveText(/^\d{6}$/);
  await expect(popup.getByTestId('pairing-code')).toHaveText((await code.textContent())!);
  await popup.getByTestId('pairing-confirm').click();
  await app.getByTestId('pairing-match').tap();
  await expect(app.getByTestId('pairing-result')).toBeHidden();
  await expect(app.getByTestId('browser')).toHaveCount(1);
}

/** Pair the phone app with the extension by scanning the popup's QR code with the camera. */
export async function pairByCamera(phone: PhoneDevice, popup: Page): Promise<Page> {
  const app = await phone.open();
  await app.getByTestId('tab-browsers').tap();
  await scanWithPhone(phone, await popup.getByTestId('pairing-qr').screenshot(), app.getByTestId('scan-pairing'));
  await confirmPairing(app, popup);
  return app;
}

export type CeremonyResult<T> = { ok: true; response: T } | { ok: false; error: string };

/**
 * `navigator.credentials.create` in `page` (the extension answers it), from options an RP library
 * made; the result comes back as the credential's JSON, or the DOMException's name.
 */
export function createCredential(page: Page, options: PublicKeyCredentialCreationOptionsJSON): Promise<CeremonyResult<RegistrationResponseJSON>> {
  return page.evaluate(async (json) => {
    try {
      const publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(json as never);
      const credential = (await navigator.credentials.create({ publicKey })) as PublicKeyCredential;
      return { ok: true as const, response: credential.toJSON() as never };
    } catch (error) {
      return { ok: false as const, error: (error as Error).name };
    }
  }, options);
}

/**
 * `navigator.credentials.get` in `page`. Started, not awaited: `abort()` aborts it through its
 * AbortSignal, `result` settles like `createCredential`'s.
 */
export async function startGetAssertion(page: Page, options: PublicKeyCredentialRequestOptionsJSON): Promise<{ result: Promise<CeremonyResult<AuthenticationResponseJSON>>; abort: () => Promise<void> }> {
  const handle = await page.evaluateHandle((json) => {
    const controller = new AbortController();
    const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(json as never);
    const result = navigator.credentials.get({ publicKey, signal: controller.signal }).then(
      (credential) => ({ ok: true as const, response: (credential as PublicKeyCredential).toJSON() as never }),
      (error: Error) => ({ ok: false as const, error: error.name }),
    );
    return { result, abort: () => controller.abort() };
  }, options);
  return {
    result: handle.evaluate((h) => h.result) as Promise<CeremonyResult<AuthenticationResponseJSON>>,
    abort: () => handle.evaluate((h) => h.abort()),
  };
}

export { expect };

/** Set the app PIN on the Settings tab. */
export async function setAppPin(app: Page, pin: string): Promise<void> {
  await app.getByTestId('tab-settings').tap();
  await app.getByTestId('pin-new').fill(pin);
  await app.getByTestId('pin-confirm').fill(pin);
  await app.getByTestId('pin-save').tap();
  await expect(app.getByTestId('pin-status')).toHaveText('PIN set.');
}

// ---- the bundled RP ----

export const RP_PASSWORD = 'correct horse battery staple';

/** Sign up on the RP, then open the verification link from its development outbox (2FA needs it). */
export async function rpSignUp(rp: Page, username: string): Promise<void> {
  const email = `${username}@example.com`;
  await rp.goto(`${RP_URL}/signup`);
  await rp.getByTestId('signup-username').fill(username);
  await rp.getByTestId('signup-email').fill(email);
  await rp.getByTestId('signup-password').fill(RP_PASSWORD);
  await rp.getByTestId('signup-submit').click();
  await expect(rp).toHaveURL(`${RP_URL}/security`);
  const outbox = await rp.request.get(`${RP_URL}/dev/outbox/messages?to=${encodeURIComponent(email)}`);
  const { messages } = (await outbox.json()) as { messages: { links: string[] }[] };
  const verify = messages.flatMap((m) => m.links).find((link) => new URL(link).pathname === '/verify-email');
  expect(verify).toBeDefined();
  await rp.goto(verify!);
  await expect(rp.getByTestId('verify-result')).toContainText('verified');
  await rp.goto(`${RP_URL}/security`);
  await expect(rp.getByTestId('email-status')).toHaveText('Verified');
}

export async function rpSignOut(rp: Page): Promise<void> {
  await rp.getByTestId('signout').click();
  await expect(rp.getByTestId('nav-signin')).toBeVisible();
}

// ---- Web Push on the phone (issue 14) ----

/**
 * A subscription as a vendor's push service would hand it out: an https endpoint and a real P-256
 * key pair and auth secret (RFC 8291), whose private half a test may use to decrypt.
 */
export function testPushSubscription(endpoint = `https://push.example.test/send/${randomBytes(8).toString('hex')}`): {
  info: PushSubscriptionInfo;
  privateKey: Buffer;
} {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return {
    info: { endpoint, p256dh: ecdh.getPublicKey().toString('base64url'), auth: randomBytes(16).toString('base64url') },
    privateKey: ecdh.getPrivateKey(),
  };
}

/**
 * The one stand-in at the push-service boundary: `PushManager.subscribe` needs the browser vendor's
 * push service (FCM for Chromium), which cannot be reached here. An init script replaces
 * `subscribe`/`getSubscription` on the phone's pages with a subscription to `info`, made with the
 * key the app passes and kept in the page's localStorage (as the browser keeps a real one); like
 * Chrome's, it refuses without notification permission and ends when the permission goes. Everything else (permission,
 * service worker, notifications, push events) is the browser's own.
 */
export async function standInForPushService(context: BrowserContext, info: PushSubscriptionInfo): Promise<void> {
  await context.addInitScript((subscription) => {
    if (typeof PushManager === 'undefined' || !location.protocol.startsWith('http')) return;
    const STORE = 'pairkey-test-push-subscription';
    const made = (key: number[]) => ({
      endpoint: subscription.endpoint,
      expirationTime: null,
      options: { userVisibleOnly: true, applicationServerKey: new Uint8Array(key).buffer },
      toJSON: () => ({ endpoint: subscription.endpoint, expirationTime: null, keys: { p256dh: subscription.p256dh, auth: subscription.auth } }),
      unsubscribe: async () => {
        localStorage.removeItem(STORE);
        return true;
      },
    });
    PushManager.prototype.subscribe = async function (options?: PushSubscriptionOptionsInit) {
      if (Notification.permission !== 'granted') throw new DOMException('Registration failed - permission denied', 'NotAllowedError');
      const source = options?.applicationServerKey;
      if (!source || typeof source === 'string') throw new DOMException('applicationServerKey is required', 'InvalidAccessError');
      const view = source instanceof ArrayBuffer ? new Uint8Array(source) : new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
      const key = [...view];
      localStorage.setItem(STORE, JSON.stringify(key));
      return made(key) as unknown as PushSubscription;
    };
    // Chrome ends an origin's subscriptions when its notification permission goes.
    const endUnlessGranted = () => {
      if (Notification.permission !== 'granted') localStorage.removeItem(STORE);
    };
    void navigator.permissions?.query({ name: 'notifications' }).then((status) => status.addEventListener('change', endUnlessGranted));
    PushManager.prototype.getSubscription = async function () {
      endUnlessGranted();
      const stored = localStorage.getItem(STORE);
      return (stored ? made(JSON.parse(stored) as number[]) : null) as unknown as PushSubscription | null;
    };
  }, info);
}

/** The phone app's service worker registration, as DevTools names it, for `deliverPush`. */
export interface AppServiceWorker {
  cdp: CDPSession;
  origin: string;
  registrationId: string;
}

/** DevTools' handle on the app's service worker, through any page of the phone (the app need not be open). */
export async function appServiceWorker(page: Page): Promise<AppServiceWorker> {
  const cdp = await page.context().newCDPSession(page);
  const registrationId = new Promise<string>((resolve) => {
    cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }) => {
      const registration = registrations.find((r) => r.scopeURL === PHONE_URL && !r.isDeleted);
      if (registration) resolve(registration.registrationId);
    });
  });
  await cdp.send('ServiceWorker.enable');
  return { cdp, origin: new URL(PHONE_URL).origin, registrationId: await registrationId };
}

/**
 * A push message as the push service would deliver it, decrypted: DevTools'
 * `ServiceWorker.deliverPushMessage` fires the worker's `push` event with this text as its data.
 */
export async function deliverPush(worker: AppServiceWorker, wake: WakePayload | string): Promise<void> {
  const data = typeof wake === 'string' ? wake : JSON.stringify(wake);
  await worker.cdp.send('ServiceWorker.deliverPushMessage', { origin: worker.origin, registrationId: worker.registrationId, data });
}

/** The notifications the app's service worker shows now (title, body, tag). */
export function shownNotifications(page: Page): Promise<{ title: string; body: string; tag: string; requireInteraction: boolean }[]> {
  return page.evaluate(async () => {
    const registration = await navigator.serviceWorker.getRegistration();
    const shown = (await registration?.getNotifications()) ?? [];
    return shown.map((n) => ({ title: n.title, body: n.body, tag: n.tag, requireInteraction: n.requireInteraction }));
  });
}

/** The app's service worker as Playwright sees it. */
export async function appWorker(context: BrowserContext): Promise<Worker> {
  const isApp = (worker: Worker) => worker.url().startsWith(PHONE_URL);
  return context.serviceWorkers().find(isApp) ?? (await context.waitForEvent('serviceworker', { predicate: isApp }));
}

/**
 * Tap the notification tagged `tag`. No DevTools command clicks a notification, so the test does
 * what the browser does on a tap: it dispatches a `notificationclick` NotificationEvent for the
 * shown notification (from `registration.getNotifications()`) in the app's service worker.
 */
export async function clickNotification(context: BrowserContext, tag: string): Promise<void> {
  const worker = await appWorker(context);
  await worker.evaluate(async (wanted) => {
    type Scope = { registration: ServiceWorkerRegistration; dispatchEvent(event: Event): boolean };
    type NotificationEventType = new (type: string, init: { notification: Notification }) => Event;
    const scope = self as unknown as Scope;
    const [notification] = await scope.registration.getNotifications({ tag: wanted });
    if (!notification) throw new Error(`No notification is tagged ${wanted}`);
    const NotificationEvent = (globalThis as unknown as { NotificationEvent: NotificationEventType }).NotificationEvent;
    scope.dispatchEvent(new NotificationEvent('notificationclick', { notification }));
  }, tag);
}
