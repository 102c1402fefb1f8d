// Firefox ESR with the built extension, through puppeteer-core over WebDriver BiDi.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer, { type Browser } from 'puppeteer-core';
import { GECKO_ID } from '../../extension/manifests.ts';
import { firefoxPath } from './browsers.ts';
import { puppeteerDriver } from './driver-puppeteer.ts';
import { HarnessProcess } from './harness-process.ts';
import { startPagesServer } from './pages-server.ts';
import type { PhoneProcess } from './phone-cli.ts';
import type { ScenarioContext } from './scenarios/context.ts';

export const FIREFOX_EXTENSION_DIR = join(process.env.PAIRKEY_DIST_DIR ?? fileURLToPath(new URL('../../dist', import.meta.url)), 'firefox');
/** Fixed, so moz-extension:// URLs are known in advance. */
export const EXTENSION_UUID = '4f0c7d1e-8a52-4b8e-9c1a-2d6e5f7a9b30';
export const EXTENSION_BASE = `moz-extension://${EXTENSION_UUID}/`;

export async function launchFirefox(): Promise<Browser> {
  if (!existsSync(join(FIREFOX_EXTENSION_DIR, 'manifest.json'))) throw new Error(`${FIREFOX_EXTENSION_DIR} is missing: run \`npm run build\` first`);
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: firefoxPath(),
    headless: true,
    dumpio: process.env.PAIRKEY_FIREFOX_DUMPIO === '1',
    extraPrefsFirefox: {
      'devtools.console.stdout.chrome': process.env.PAIRKEY_FIREFOX_DUMPIO === '1',
      'devtools.console.stdout.content': process.env.PAIRKEY_FIREFOX_DUMPIO === '1',
      'extensions.webextensions.uuids': JSON.stringify({ [GECKO_ID]: EXTENSION_UUID }),
      // The browser's own authenticators: a software token with no credentials, so a call that
      // reaches Firefox itself fails at once instead of waiting for a USB key that is not there.
      'security.webauth.webauthn_enable_softtoken': true,
      'security.webauth.webauthn_enable_usbtoken': false,
    },
  });
  await browser.installExtension(FIREFOX_EXTENSION_DIR);
  return browser;
}

/** A scenario context in a fresh Firefox profile; `dispose` stops everything it started. */
export async function firefoxContext(harness: HarnessProcess): Promise<{ ctx: ScenarioContext; dispose: () => Promise<void> }> {
  const tempDir = mkdtempSync(join(tmpdir(), 'pairkey-ff-'));
  const [site, otherSite] = await Promise.all([startPagesServer(), startPagesServer()]);
  const browser = await launchFirefox();
  const phones: PhoneProcess[] = [];
  const ctx: ScenarioContext = {
    driver: puppeteerDriver(browser, EXTENSION_BASE, () => site.url('/')),
    relayUrl: harness.url,
    phoneUrl: `http://localhost:${harness.phonePort}/`,
    site,
    otherSite,
    tempDir,
    phones,
    nativeAuthenticator: null,
  };
  return {
    ctx,
    dispose: async () => {
      await Promise.all(phones.map((p) => p.stop()));
      await browser.close();
      await Promise.all([site.close(), otherSite.close()]);
      rmSync(tempDir, { recursive: true, force: true });
    },
  };
}
