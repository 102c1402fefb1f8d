// The Driver over puppeteer-core and WebDriver BiDi, for Firefox ESR with the extension installed as
// a temporary add-on. Firefox automation cannot navigate a tab to moz-extension:, so extension
// pages are opened by the test build's hook (a page of a site the extension runs on asks for it).
import type { Browser, Page } from 'puppeteer-core';
import type { Driver, DriverPage, ExtensionPagePath } from './driver.ts';

const TIMEOUT = 20_000;

export function puppeteerPage(page: Page): DriverPage {
  // A person looks at the tab they click in; a background tab gets no animation frames, which the
  // locators wait for.
  const first = (selector: string) => {
    void page.bringToFront();
    return page.locator(selector).setTimeout(TIMEOUT);
  };
  return {
    goto: async (url) => {
      await page.goto(url, { waitUntil: 'load' });
    },
    eval: (expression) => page.evaluate(expression) as never,
    click: (selector) => first(selector).click(),
    fill: (selector, value) => first(selector).fill(value),
    check: async (selector) => {
      const checked = await page.$eval(selector, (el) => (el as HTMLInputElement).checked);
      if (!checked) await first(selector).click();
    },
    selectOption: async (selector, value) => {
      await first(selector).wait();
      await page.select(selector, value);
    },
    waitFor: async (selector, state = 'visible') => {
      await page.waitForSelector(selector, state === 'visible' ? { visible: true, timeout: TIMEOUT } : { hidden: true, timeout: TIMEOUT });
    },
    waitForText: async (selector, pattern) => {
      const handle = await page.waitForFunction(
        `(() => { const t = document.querySelector(${JSON.stringify(selector)})?.textContent ?? ''; return new RegExp(${JSON.stringify(pattern.source)}, ${JSON.stringify(pattern.flags)}).test(t) ? t : null; })()`,
        { timeout: TIMEOUT, polling: 'mutation' },
      );
      return (await handle.jsonValue()) as string;
    },
    count: (selector) => page.$$eval(selector, (list) => list.length),
    screenshot: async (selector) => {
      const handle = await page.waitForSelector(selector, { visible: true, timeout: TIMEOUT });
      return Buffer.from(await handle!.screenshot());
    },
    press: async (key) => {
      await page.bringToFront();
      await page.keyboard.press(key as never);
    },
    close: () => page.close(),
  };
}

/** Where a page really is: Firefox does not report navigations to moz-extension: to automation. */
async function locationOf(page: Page): Promise<string> {
  try {
    return (await page.evaluate('location.href')) as string;
  } catch {
    return '';
  }
}

export function puppeteerDriver(browser: Browser, extensionBase: string, hookPageUrl: () => string): Driver {
  const used = new WeakSet<Page>();
  /** The first page under `prefix` not handed out before (already open, or the next one). */
  const freshPage = async (prefix: string): Promise<Page> => {
    const deadline = Date.now() + TIMEOUT;
    while (Date.now() < deadline) {
      for (const page of await browser.pages()) {
        if (used.has(page) || !(await locationOf(page)).startsWith(prefix)) continue;
        used.add(page);
        await page.waitForFunction('document.readyState === "complete"', { timeout: TIMEOUT });
        return page;
      }
      // A new tab shows about:blank first and its move to moz-extension: raises no event we can
      // see, so look again shortly.
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`No page opened under ${prefix}`);
  };
  return {
    browserName: 'firefox',
    newPage: async () => puppeteerPage(await browser.newPage()),
    extensionPage: async (path: ExtensionPagePath) => {
      for (const page of await browser.pages()) if ((await locationOf(page)).startsWith(`${extensionBase}${path}`)) used.add(page);
      const opener = await browser.newPage();
      await opener.goto(hookPageUrl(), { waitUntil: 'load' });
      await opener.evaluate(`pk.openExtensionPage(${JSON.stringify(path)})`);
      const page = await freshPage(`${extensionBase}${path}`);
      await opener.close();
      return puppeteerPage(page);
    },
    nextPrompt: async () => puppeteerPage(await freshPage(`${extensionBase}extension/ui/prompt.html`)),
  };
}
