// Issue 11 item 5: the build people load (dist/chrome, dist/firefox; the store zips are made the
// same way) has no test hooks at all, and ignores every hook message a page posts. The same
// sequence runs against the test build (dist/test/chrome) as the control: there the hooks act, so
// the sequence does reach them when they exist.
import { chromium, type Page } from '@playwright/test';
import { join } from 'node:path';
import { CHROMIUM_QUIET_FLAGS, chromiumPath } from '../../qa/browser/browsers.ts';
import { extensionBuildDir, type ExtensionBuild } from '../../qa/fixtures/defaults.ts';
import { findTestHooks } from '../../extension/build.ts';
import { UI_PORT } from '../../extension/port-names.ts';
import { startPagesServer } from '../support/pages-server.ts';
import { creationOptions, start, type CallResult } from '../support/scenarios/context.ts';
import { expect, test as base } from './fixtures.ts';

const test = base.extend<{ build: ExtensionBuild }>({
  build: ['loadable', { option: true }],
  context: async ({ tempDir, build }, use) => {
    const dir = extensionBuildDir('chrome', build);
    const context = await chromium.launchPersistentContext(join(tempDir, 'profile'), {
      executablePath: chromiumPath(),
      headless: true,
      args: [...CHROMIUM_QUIET_FLAGS, `--disable-extensions-except=${dir}`, `--load-extension=${dir}`],
    });
    await use(context);
    await context.close();
  },
});

test('the builds people load contain no test hook, the test builds do', () => {
  for (const browser of ['chrome', 'firefox'] as const) {
    expect(findTestHooks(extensionBuildDir(browser, 'loadable')), browser).toEqual([]);
    expect(findTestHooks(extensionBuildDir(browser, 'test')), browser).not.toEqual([]);
  }
});

/** A fresh pairing offer's remaining life in ms, asked for over the extension pages' own port. */
function newOfferLife(popup: Page): Promise<number> {
  return popup.evaluate(
    (name) =>
      new Promise<number>((resolve) => {
        const port = chrome.runtime.connect({ name });
        let asked = false;
        port.onMessage.addListener((m: { type: string; state?: { pairing: { expiresAt: number } | null } }) => {
          if (m.type !== 'state') return;
          if (!asked) {
            asked = true;
            port.postMessage({ type: 'start-pairing' });
          } else if (m.state?.pairing) {
            resolve(m.state.pairing.expiresAt - Date.now());
            port.disconnect();
          }
        });
      }),
    UI_PORT,
  );
}

const HOOKS = [{ dropCeremonies: true }, { open: 'extension/ui/popup.html' }, { open: 'extension/ui/options.html' }, { offerTtlMs: 1000 }];

for (const build of ['loadable', 'test'] as const) {
  test.describe(`the ${build} build`, () => {
    test.use({ build });

    test(build === 'loadable' ? 'ignores every hook message from a page: no tab opens, the offer keeps its life, the ceremony goes on' : 'acts on the hook messages (the control)', async ({ context, extensionId, pairPhone, popup }) => {
      const { phone } = await pairPhone(['--delay', '3000']);
      const site = await startPagesServer();
      try {
        const page = await context.newPage();
        await page.goto(site.url('/'));
        const tabsBefore = context.pages().length;
        const handle = await page.evaluate<string>(start('create', creationOptions()));
        await phone.waitForLog(/^request registration/);
        // Every hook, posted by the page while its ceremony waits on the phone.
        const opened = build === 'test' ? context.waitForEvent('page') : null;
        await page.evaluate((hooks) => {
          for (const hook of hooks) window.postMessage({ pairkeyTest: hook }, location.origin);
        }, HOOKS);
        const result = await page.evaluate<CallResult>(`pk.result(${JSON.stringify(handle)})`);
        const offerLife = await newOfferLife(popup);
        const extensionTabs = context.pages().filter((p) => p !== popup && p.url().startsWith(`chrome-extension://${extensionId}/`));
        if (build === 'loadable') {
          expect(result.ok, result.message).toBe(true);
          expect(context.pages()).toHaveLength(tabsBefore);
          expect(extensionTabs).toEqual([]);
          // The default life of a pairing code (two minutes), not the hook's second.
          expect(offerLife).toBeGreaterThan(60_000);
        } else {
          expect([result.ok, result.name]).toEqual([false, 'NotAllowedError']);
          await opened;
          expect(offerLife).toBeLessThanOrEqual(1000);
        }
      } finally {
        await site.close();
      }
    });
  });
}
