// Faults on the real path (extension in Chromium, relay, pairkey-phone CLI): each must end the
// ceremony in progress with a clear error at once — not when the phone would have answered, nor
// at the page's 60 s timeout — and the next ceremony must work within seconds, by itself.
import type { BrowserContext, Page } from '@playwright/test';
import { isWebAuthnErrorName } from '../../shared/errors.ts';
import { expect, test } from '../security/support/browser-fixtures.ts';
import type { CeremonySite } from '../security/support/ceremony-site.ts';

/** Well below the phone's thinking time below, so an early answer can only be the fault's. */
const PHONE_DELAY_MS = 6_000;
const FAIL_FAST_MS = 3_000;
const RECOVER_WITHIN_MS = 20_000;

/** Records how long something took in the test report, and checks it against `limitMs`. */
function expectWithin(what: string, since: number, limitMs: number): void {
  const took = Date.now() - since;
  test.info().annotations.push({ type: what, description: `${took} ms` });
  expect(took, what).toBeLessThan(limitMs);
}

async function registerAndVerify(site: CeremonySite, page: Page, userName: string): Promise<void> {
  const options = await site.registrationOptions(userName);
  const result = await site.register(page, options);
  if (!result.ok) throw new Error(`registration of ${userName} failed: ${result.name}: ${result.message}`);
  await site.verifyRegistration(result.credential, options);
}

async function signInAndVerify(site: CeremonySite, page: Page): Promise<void> {
  const options = await site.authenticationOptions();
  const result = await site.signIn(page, options);
  if (!result.ok) throw new Error(`sign-in failed: ${result.name}: ${result.message}`);
  await site.verifyAuthentication(result.credential, options);
}

/** Stop the extension's service worker as Chrome does when it idles, and wait until it has. */
async function stopServiceWorker(context: BrowserContext, page: Page): Promise<void> {
  const cdp = await context.newCDPSession(page);
  await cdp.send('ServiceWorker.enable');
  const stopped = new Promise<void>((resolve) => {
    cdp.on('ServiceWorker.workerVersionUpdated', ({ versions }) => {
      if (versions.some((v) => v.scriptURL.startsWith('chrome-extension://') && v.runningStatus === 'stopped')) resolve();
    });
  });
  await cdp.send('ServiceWorker.stopAllWorkers');
  await stopped;
  await cdp.detach();
}

test('the relay crashes mid-ceremony: the page fails at once, and after the restart the next ceremony works', async ({ relayProcess, context, pairPhone, site }) => {
  const { phone } = await pairPhone(['--delay', String(PHONE_DELAY_MS)]);
  const page = await context.newPage();
  await page.goto(site.origin);

  const pending = site.register(page, await site.registrationOptions('relay-crash'));
  await phone.waitForLog(/request registration/);
  const crashedAt = Date.now();
  await relayProcess.kill();
  expect(await pending).toMatchObject({ ok: false, name: 'NotAllowedError' });
  expectWithin('failed after the crash', crashedAt, FAIL_FAST_MS);

  // Same port, fresh process: the phone finds it again by itself, the extension on the next call.
  await relayProcess.start();
  const restartedAt = Date.now();
  await registerAndVerify(site, page, 'after-relay-restart');
  expectWithin('recovered after the restart', restartedAt, RECOVER_WITHIN_MS);
});

test('the phone disappears mid-request: the page fails at once, and the phone back online serves the next one', async ({ relayProcess, context, pairPhone, servePhone, site }) => {
  const { phone, storePath } = await pairPhone(['--delay', String(PHONE_DELAY_MS)]);
  const page = await context.newPage();
  await page.goto(site.origin);

  const pending = site.register(page, await site.registrationOptions('phone-killed'));
  await phone.waitForLog(/request registration/);
  const killedAt = Date.now();
  phone.child.kill('SIGKILL');
  await phone.exitCode();
  expect(await pending).toMatchObject({ ok: false, name: 'NotAllowedError' });
  expectWithin('failed after the phone died', killedAt, FAIL_FAST_MS);

  await servePhone(storePath);
  const backAt = Date.now();
  await registerAndVerify(site, page, 'after-phone-restart');
  expectWithin('recovered with the phone back', backAt, RECOVER_WITHIN_MS);
});

test('the service worker is stopped between ceremonies: the next ceremony still works', async ({ relayProcess, context, pairPhone, site }) => {
  await pairPhone();
  const page = await context.newPage();
  await page.goto(site.origin);
  await registerAndVerify(site, page, 'before-worker-stop');

  await stopServiceWorker(context, page);
  const stoppedAt = Date.now();
  await signInAndVerify(site, page);
  expectWithin('next ceremony after the stop', stoppedAt, RECOVER_WITHIN_MS);
});

test('the service worker is stopped mid-ceremony: the page gets an error at once, and the next ceremony works', async ({ relayProcess, context, pairPhone, site }) => {
  const { phone } = await pairPhone(['--delay', String(PHONE_DELAY_MS)]);
  const page = await context.newPage();
  await page.goto(site.origin);

  const pending = site.register(page, await site.registrationOptions('worker-stopped'));
  await phone.waitForLog(/request registration/);
  const stoppedAt = Date.now();
  await stopServiceWorker(context, page);
  const result = await pending;
  // The bridge loses its message port: a WebAuthn error the page can handle, not a hang.
  expect(result.ok).toBe(false);
  expect(!result.ok && isWebAuthnErrorName(result.name)).toBe(true);
  expectWithin('failed after the stop', stoppedAt, FAIL_FAST_MS);

  const restartedAt = Date.now();
  await registerAndVerify(site, page, 'after-worker-stop');
  expectWithin('recovered after the stop', restartedAt, RECOVER_WITHIN_MS);
});
