// Playwright fixtures: a Chromium profile with the built Pairkey extension loaded, its popup,
// and helpers to read the pairing QR *image* and to pair the real pairkey-phone CLI.
import { test as base, chromium, expect, type BrowserContext, type Locator, type Page } from '@playwright/test';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import { CHROMIUM_QUIET_FLAGS, chromiumPath } from '../../qa/browser/browsers.ts';
import { extensionBuildDir } from '../../qa/fixtures/defaults.ts';
import { PhoneProcess } from '../support/phone-cli.ts';
import { E2E_PHONE_PORT, E2E_PORT } from '../../playwright.config.ts';

export const RP_URL = `http://localhost:${E2E_PORT}`;
export const PHONE_URL = `http://localhost:${E2E_PHONE_PORT}/`;
/** The test build (dist/test/chrome): the same extension as the one people load, plus the test hooks. */
const EXTENSION_DIR = extensionBuildDir('chrome', 'test');

/** Decode the QR code in an <img> from its pixels, as a phone camera would. */
export async function readQr(image: Locator): Promise<string> {
  const png = PNG.sync.read(await image.screenshot());
  const code = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
  if (!code) throw new Error('No QR code found in the image');
  return code.data;
}

interface Fixtures {
  context: BrowserContext;
  extensionId: string;
  popup: Page;
  tempDir: string;
  /** Pair a virtual phone (the CLI) with the extension; extra CLI flags as given. */
  pairPhone: (flags?: string[]) => Promise<{ phone: PhoneProcess; code: string; storePath: string }>;
  /** Bring a stored virtual phone back online (`pairkey-phone serve`). */
  servePhone: (storePath: string, flags?: string[]) => Promise<PhoneProcess>;
}

export const test = base.extend<Fixtures>({
  tempDir: async ({}, use) => {
    const dir = mkdtempSync(join(tmpdir(), 'pairkey-e2e-'));
    await use(dir);
    rmSync(dir, { recursive: true, force: true });
  },
  context: async ({ tempDir }, use) => {
    if (!existsSync(join(EXTENSION_DIR, 'manifest.json'))) throw new Error(`${EXTENSION_DIR} is missing: run \`npm run build\` first`);
    const context = await chromium.launchPersistentContext(join(tempDir, 'profile'), {
      executablePath: chromiumPath(),
      headless: true,
      args: [...CHROMIUM_QUIET_FLAGS, `--disable-extensions-except=${EXTENSION_DIR}`, `--load-extension=${EXTENSION_DIR}`],
    });
    await use(context);
    await context.close();
  },
  extensionId: async ({ context }, use) => {
    const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker'));
    await use(new URL(worker.url()).host);
  },
  popup: async ({ context, extensionId }, use) => {
    const page = await context.newPage();
    await page.goto(`chrome-extension://${extensionId}/extension/ui/popup.html`);
    // Point the extension at the test server's relay and phone app.
    await page.locator('summary').click();
    await page.getByTestId('relay-url').fill(RP_URL);
    await page.getByTestId('phone-url').fill(PHONE_URL);
    await page.getByTestId('save-settings').click();
    await expect(page.getByTestId('pairing-link')).toContainText(PHONE_URL);
    await use(page);
  },
  pairPhone: async ({ popup, tempDir }, use) => {
    const phones: PhoneProcess[] = [];
    await use(async (flags = []) => {
      const link = await readQr(popup.getByTestId('pairing-qr'));
      expect(link).toBe(await popup.getByTestId('pairing-link').textContent());
      const storePath = join(tempDir, `phone-${phones.length}.json`);
      const phone = PhoneProcess.start(['pair', link, '--confirm', '--store', storePath, ...flags]);
      phones.push(phone);
      const [, code] = await phone.waitFor(/paired (\d{6})/);
      await phone.waitFor(/^online$/m);
      await expect(popup.getByTestId('pairing-code')).toHaveText(code!);
      await popup.getByTestId('pairing-confirm').click();
      // The phone just confirmed is listed (with others already paired, the last of them).
      await expect(popup.getByTestId('unpair').last()).toBeVisible();
      return { phone, code: code!, storePath };
    });
    await Promise.all(phones.map((p) => p.stop()));
  },
  servePhone: async ({}, use) => {
    const phones: PhoneProcess[] = [];
    await use(async (storePath, flags = []) => {
      const phone = PhoneProcess.start(['serve', '--store', storePath, ...flags]);
      phones.push(phone);
      await phone.waitFor(/^online$/m);
      return phone;
    });
    await Promise.all(phones.map((p) => p.stop()));
  },
});

export { expect };
