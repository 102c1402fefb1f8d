// Fixtures for the relying-party specs (rp-*.spec.ts): a plain Chromium (no extension) and a
// real RP server started in this process, on its own port and in-memory database, with a
// clock the test can move (TOTP steps, recovery waiting periods). Security keys and passkeys
// come from Chrome's DevTools WebAuthn virtual authenticator, codes from otplib.
import { test as base, chromium, expect, type Browser, type BrowserContext, type Locator, type Page } from '@playwright/test';
import jsQR from 'jsqr';
import { createServer } from 'node:net';
import { generate } from 'otplib';
import { PNG } from 'pngjs';
import { buildServers, type Servers } from '../../harness-server/app.ts';
import { loadConfig } from '../../harness-server/config.ts';
import { CHROMIUM_QUIET_FLAGS, chromiumPath } from '../../qa/browser/browsers.ts';
import { addVirtualAuthenticator, type VirtualAuthenticator } from '../support/virtual-authenticator.ts';

export const PASSWORD = 'correct horse battery staple 42';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

export interface RpServer {
  url: string;
  servers: Servers;
  /** Moves the server's clock (and the codes `totp()` computes) forward. */
  advance(ms: number): void;
  now(): number;
  /** The newest link to `path` emailed to `email`, read through the outbox JSON API. */
  emailLink(page: Page, email: string, path: string): Promise<string>;
}

interface Fixtures {
  /** Extra environment for the RP (QA switches, recovery wait…), set per file with test.use. */
  rpEnv: Record<string, string>;
  rp: RpServer;
  context: BrowserContext;
  page: Page;
  /** Adds a DevTools virtual authenticator (CTAP2, resident keys, UV) to a page. */
  addAuthenticator: (page: Page) => Promise<VirtualAuthenticator>;
  /** The current TOTP code for a base32 secret at the RP's clock. */
  totp: (secret: string) => Promise<string>;
}

export const test = base.extend<Fixtures, { browser: Browser }>({
  browser: [
    async ({}, use) => {
      const browser = await chromium.launch({ executablePath: chromiumPath(), headless: true, args: CHROMIUM_QUIET_FLAGS });
      await use(browser);
      await browser.close();
    },
    { scope: 'worker' },
  ],
  rpEnv: [{}, { option: true }],
  rp: async ({ rpEnv }, use) => {
    const port = await freePort();
    let offset = 0;
    const config = loadConfig({
      PORT: String(port),
      PHONE_PORT: '0',
      HOST: 'localhost',
      DATA_DIR: ':memory:',
      LOG_LEVEL: 'error',
      ...rpEnv,
    });
    const now = (): number => Date.now() + offset;
    // Cheap scrypt: the code path is the production one, the cost is not under test here.
    const servers = await buildServers(config, { rp: { now, scrypt: { log2N: 10, r: 8, p: 1 } } });
    await servers.main.listen({ port, host: 'localhost' });
    const url = `http://localhost:${port}`;
    await use({
      url,
      servers,
      now,
      advance: (ms) => {
        offset += ms;
      },
      emailLink: async (page, email, path) => {
        const response = await page.request.get(`${url}/dev/outbox/messages?to=${encodeURIComponent(email)}`);
        const { messages } = (await response.json()) as { messages: { links: string[] }[] };
        for (const message of messages) {
          const link = message.links.find((l) => new URL(l).pathname === path);
          if (link) return link;
        }
        throw new Error(`no ${path} link emailed to ${email}`);
      },
    });
    await Promise.all([servers.main.close(), servers.phone.close()]);
  },
  context: async ({ browser }, use) => {
    const context = await browser.newContext();
    await use(context);
    await context.close();
  },
  page: async ({ context }, use) => {
    await use(await context.newPage());
  },
  addAuthenticator: async ({}, use) => {
    await use((page) => addVirtualAuthenticator(page));
  },
  totp: async ({ rp }, use) => {
    await use((secret) => generate({ secret, epoch: Math.floor(rp.now() / 1000) }));
  },
});

/** Decode a QR code from an element's pixels, as a phone camera would. */
export async function readQr(image: Locator): Promise<string> {
  const png = PNG.sync.read(await image.screenshot());
  const code = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
  if (!code) throw new Error('No QR code found in the image');
  return code.data;
}

/** Sign up through the form, then open the verification link from the outbox. */
export async function signUpVerified(page: Page, rp: RpServer, username: string): Promise<void> {
  await page.goto(`${rp.url}/signup`);
  await page.getByTestId('signup-username').fill(username);
  await page.getByTestId('signup-email').fill(`${username}@example.com`);
  await page.getByTestId('signup-password').fill(PASSWORD);
  await page.getByTestId('signup-submit').click();
  await expect(page).toHaveURL(`${rp.url}/security`);
  await expect(page.getByTestId('email-status')).toHaveText('Not verified');
  await page.goto(await rp.emailLink(page, `${username}@example.com`, '/verify-email'));
  await expect(page.getByTestId('verify-result')).toContainText('verified');
  await page.goto(`${rp.url}/security`);
  await expect(page.getByTestId('email-status')).toHaveText('Verified');
}

export async function signInWithPassword(page: Page, rp: RpServer, username: string): Promise<void> {
  await page.goto(`${rp.url}/signin`);
  await page.getByTestId('signin-username').fill(username);
  await page.getByTestId('signin-password').fill(PASSWORD);
  await page.getByTestId('signin-submit').click();
}

/** Add a key through the Security page; returns the backup codes if the page showed them. */
export async function addKey(page: Page, name: string, kind: 'security-key' | 'passkey' = 'security-key'): Promise<string[]> {
  await page.getByTestId('key-add-name').fill(name);
  await page.getByTestId('key-add-kind').selectOption(kind);
  await page.getByTestId('key-add-password').fill(PASSWORD);
  await page.getByTestId('key-add-submit').click();
  await expect(page.getByTestId('status')).toHaveText(`Added "${name}"`);
  return backupCodesShown(page);
}

/** The codes in the once-only panel (empty when it is hidden), then dismiss it. */
export async function backupCodesShown(page: Page): Promise<string[]> {
  const panel = page.getByTestId('backup-codes-panel');
  if (!(await panel.isVisible())) return [];
  const codes = await page.getByTestId('backup-code').allTextContents();
  await page.getByTestId('backup-done').click();
  await expect(panel).toBeHidden();
  return codes;
}

export async function signOut(page: Page): Promise<void> {
  await page.getByTestId('signout').click();
  await expect(page.getByTestId('status')).toHaveText('Signed out');
}

export { expect };
