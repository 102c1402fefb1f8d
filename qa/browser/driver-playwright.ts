// The Driver over Playwright, for Chromium with the unpacked extension.
import type { BrowserContext, Page } from '@playwright/test';
import { REPORT_JPEG_QUALITY, type Driver, type DriverPage, type ExtensionPagePath } from './driver.ts';

const TIMEOUT = 20_000;

const pages = new WeakMap<DriverPage, Page>();

/** The Playwright page behind a DriverPage (for Chromium-only tools such as DevTools sessions). */
export function rawPage(page: DriverPage): Page {
  const raw = pages.get(page);
  if (!raw) throw new Error('Not a Playwright page');
  return raw;
}

export function playwrightPage(page: Page): DriverPage {
  const driverPage = wrap(page);
  pages.set(driverPage, page);
  return driverPage;
}

function wrap(page: Page): DriverPage {
  const first = (selector: string) => page.locator(selector).first();
  return {
    goto: async (url) => {
      await page.goto(url);
    },
    url: async () => page.url(),
    eval: (expression) => page.evaluate(expression),
    click: async (selector) => {
      try {
        await first(selector).click({ timeout: TIMEOUT });
      } catch (error) {
        // A button that closes its own window (the extension's prompt) can close it while
        // Playwright still follows up on the click ("Target page … has been closed"): delivered.
        if (!page.isClosed()) throw error;
      }
    },
    fill: (selector, value) => first(selector).fill(value, { timeout: TIMEOUT }),
    check: (selector) => first(selector).check({ timeout: TIMEOUT }),
    selectOption: async (selector, value) => {
      await first(selector).selectOption(value, { timeout: TIMEOUT });
    },
    waitFor: (selector, state = 'visible') => first(selector).waitFor({ state, timeout: TIMEOUT }),
    waitForText: async (selector, pattern) => {
      const handle = await page.waitForFunction(
        ([sel, source, flags]) => {
          const text = document.querySelector(sel)?.textContent ?? '';
          return new RegExp(source, flags).test(text) ? text : null;
        },
        [selector, pattern.source, pattern.flags] as const,
        { timeout: TIMEOUT },
      );
      return (await handle.jsonValue()) as string;
    },
    count: (selector) => page.locator(selector).count(),
    textOf: async (selector) => (await first(selector).textContent({ timeout: TIMEOUT })) ?? '',
    screenshot: (selector) => first(selector).screenshot({ timeout: TIMEOUT }),
    screenshotPage: () => page.screenshot({ fullPage: true, timeout: TIMEOUT }),
    screenshotReport: () => page.screenshot({ type: 'jpeg', quality: REPORT_JPEG_QUALITY, scale: 'css', timeout: TIMEOUT }),
    press: (key) => page.keyboard.press(key),
    colorScheme: (scheme) => page.emulateMedia({ colorScheme: scheme }),
    close: () => page.close(),
  };
}

export function playwrightDriver(context: BrowserContext, extensionId: string): Driver {
  return {
    browserName: 'chromium',
    newPage: async () => playwrightPage(await context.newPage()),
    extensionPage: async (path: ExtensionPagePath) => {
      const page = await context.newPage();
      await page.goto(`chrome-extension://${extensionId}/${path}`);
      return playwrightPage(page);
    },
    nextPrompt: async () => {
      const existing = context.pages().find((p) => p.url().includes('/extension/ui/prompt.html'));
      const page = existing ?? (await context.waitForEvent('page', { predicate: (p) => p.url().includes('/extension/ui/prompt.html'), timeout: TIMEOUT }));
      await page.waitForLoadState('domcontentloaded');
      return playwrightPage(page);
    },
  };
}
