// The QA harness's Firefox launcher, end to end: Firefox ESR with the built extension, a QaPhone
// paired through the popup's QR code, and a passkey registered and used on the bundled RP (a real
// harness server), each step answered by approveNext.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { tid, type DriverPage } from '../../qa/browser/driver.ts';
import { launchPairkeyFirefox } from '../../qa/fixtures/firefox.ts';
import { HarnessProcess } from '../support/harness-process.ts';

const PASSWORD = 'correct horse battery staple 42';
let harness: HarnessProcess;

beforeAll(async () => {
  harness = await HarnessProcess.start();
});
afterAll(async () => {
  await harness?.stop();
});

async function verifyEmail(page: DriverPage, email: string): Promise<void> {
  const outbox = await fetch(`${harness.url}/dev/outbox/messages?to=${encodeURIComponent(email)}`);
  const { messages } = (await outbox.json()) as { messages: { links: string[] }[] };
  const link = messages.flatMap((m) => m.links).find((l) => new URL(l).pathname === '/verify-email');
  await page.goto(link!);
  await page.waitForText(tid('verify-result'), /verified/);
}

it('launchPairkeyFirefox pairs a phone; approveNext registers a passkey and signs in with it', async () => {
  const firefox = await launchPairkeyFirefox({
    relayUrl: harness.url,
    phoneAppUrl: `http://localhost:${harness.phonePort}/`,
    phone: { policy: 'wait' },
  });
  try {
    const { driver, phone } = firefox;
    expect(driver.browserName).toBe('firefox');
    const page = await driver.newPage();
    await page.goto(`${harness.url}/signup`);
    await page.fill(tid('signup-username'), 'fox');
    await page.fill(tid('signup-email'), 'fox@example.com');
    await page.fill(tid('signup-password'), PASSWORD);
    await page.click(tid('signup-submit'));
    await page.waitForText(tid('email-status'), /Not verified/);
    await verifyEmail(page, 'fox@example.com');
    await page.goto(`${harness.url}/security`);

    await page.fill(tid('key-add-name'), 'Fox phone');
    await page.selectOption(tid('key-add-kind'), 'passkey');
    await page.fill(tid('key-add-password'), PASSWORD);
    await page.click(tid('key-add-submit'));
    expect(await phone.nextRequest()).toMatchObject({ kind: 'registration', rpId: 'localhost', origin: harness.url, userName: 'fox' });
    phone.approveNext();
    await page.waitForText(tid('status'), /^Added "Fox phone"$/);
    await page.click(tid('backup-done'));
    expect(await phone.credentials()).toEqual([expect.objectContaining({ rpId: 'localhost', userName: 'fox', signCount: 0 })]);

    await page.click(tid('signout'));
    await page.waitForText(tid('status'), /^Signed out$/);
    await page.goto(`${harness.url}/signin`);
    phone.approveNext();
    await page.click(tid('signin-passkey'));
    await page.waitForText(tid('current-user'), /^fox$/);
    expect(await phone.nextRequest()).toMatchObject({ kind: 'sign-in', rpId: 'localhost' });
    expect((await phone.credentials())[0]?.signCount).toBe(1);
    expect(await page.url()).toMatch(new RegExp(`^${harness.url}/`));
    expect((await page.screenshotPage()).subarray(1, 4).toString()).toBe('PNG');
  } finally {
    await firefox.close();
  }
});
