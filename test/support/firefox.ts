// Firefox ESR with the built extension, through puppeteer-core over WebDriver BiDi.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { puppeteerDriver } from '../../qa/browser/driver-puppeteer.ts';
import { extensionBuildDir } from '../../qa/fixtures/defaults.ts';
import { FIREFOX_EXTENSION_BASE, launchFirefoxWithExtension } from '../../qa/fixtures/firefox.ts';
import { HarnessProcess } from './harness-process.ts';
import { startPagesServer } from './pages-server.ts';
import type { PhoneProcess } from './phone-cli.ts';
import type { ScenarioContext } from './scenarios/context.ts';

/** A scenario context in a fresh Firefox profile; `dispose` stops everything it started. */
export async function firefoxContext(harness: HarnessProcess): Promise<{ ctx: ScenarioContext; dispose: () => Promise<void> }> {
  const tempDir = mkdtempSync(join(tmpdir(), 'pairkey-ff-'));
  const [site, otherSite] = await Promise.all([startPagesServer(), startPagesServer()]);
  const browser = await launchFirefoxWithExtension(extensionBuildDir('firefox', 'test'));
  const phones: PhoneProcess[] = [];
  const ctx: ScenarioContext = {
    driver: puppeteerDriver(browser, FIREFOX_EXTENSION_BASE, () => site.url('/')),
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
