// Playwright fixtures for the extension scenarios in Chromium: a fresh profile with the built
// extension, two local sites, the harness relay the Playwright config starts, and the browser's own
// (DevTools virtual) authenticator to tell calls the browser handled from calls the phone did.
import { test as base, chromium, type BrowserContext, type Page } from '@playwright/test';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { E2E_PHONE_PORT, E2E_PORT } from '../../playwright.config.ts';
import { CHROMIUM_QUIET_FLAGS, chromiumPath } from '../../qa/browser/browsers.ts';
import { extensionBuildDir } from '../../qa/fixtures/defaults.ts';
import type { DriverPage } from '../../qa/browser/driver.ts';
import { playwrightDriver, rawPage } from '../../qa/browser/driver-playwright.ts';
import { startPagesServer } from './pages-server.ts';
import { addVirtualAuthenticator, type VirtualAuthenticator } from './virtual-authenticator.ts';
import type { PhoneProcess } from './phone-cli.ts';
import type { NativeAuthenticator, ScenarioContext } from './scenarios/context.ts';

/** The test build (dist/test/chrome): the scenarios use its hooks (e.g. dropping every ceremony). */
export const EXTENSION_DIR = extensionBuildDir('chrome', 'test');

/** Chromium's DevTools virtual authenticator, standing in for the browser's own passkeys. */
function devtoolsAuthenticator(): NativeAuthenticator {
  let authenticator: VirtualAuthenticator | null = null;
  return {
    attach: async (page: DriverPage) => {
      authenticator = await addVirtualAuthenticator(rawPage(page), 'internal');
    },
    credentialCount: async () => (authenticator ? (await authenticator.credentials()).length : 0),
  };
}

interface Fixtures {
  context: BrowserContext;
  extensionId: string;
  ctx: ScenarioContext;
}

export const test = base.extend<Fixtures>({
  context: async ({}, use) => {
    if (!existsSync(join(EXTENSION_DIR, 'manifest.json'))) throw new Error(`${EXTENSION_DIR} is missing: run \`npm run build\` first`);
    const profile = mkdtempSync(join(tmpdir(), 'pairkey-chromium-'));
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: chromiumPath(),
      headless: true,
      args: [...CHROMIUM_QUIET_FLAGS, `--disable-extensions-except=${EXTENSION_DIR}`, `--load-extension=${EXTENSION_DIR}`],
    });
    await use(context);
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  },
  extensionId: async ({ context }, use) => {
    const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker'));
    await use(new URL(worker.url()).host);
  },
  ctx: async ({ context, extensionId }, use) => {
    const tempDir = mkdtempSync(join(tmpdir(), 'pairkey-e2e-'));
    const [site, otherSite] = await Promise.all([startPagesServer(), startPagesServer()]);
    const phones: PhoneProcess[] = [];
    await use({
      driver: playwrightDriver(context, extensionId),
      relayUrl: `http://localhost:${E2E_PORT}`,
      phoneUrl: `http://localhost:${E2E_PHONE_PORT}/`,
      site,
      otherSite,
      tempDir,
      phones,
      nativeAuthenticator: devtoolsAuthenticator(),
    });
    await Promise.all(phones.map((p) => p.stop()));
    await Promise.all([site.close(), otherSite.close()]);
    rmSync(tempDir, { recursive: true, force: true });
  },
});

export type { Page };
