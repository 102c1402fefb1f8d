// The Driver over puppeteer-core and WebDriver BiDi, for Firefox ESR with the extension installed as
// a temporary add-on. Firefox automation cannot navigate a tab to moz-extension:, so extension
// pages are opened by the development build's hook (a page of a site the extension runs on asks
// for it; store builds leave the hook out).
import type { Browser, Page, Target } from 'puppeteer-core';
import { REPORT_JPEG_QUALITY, type Driver, type DriverPage, type ExtensionPagePath } from './driver.ts';

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
      try {
        await page.goto(url, { waitUntil: 'load' });
      } catch (error) {
        // Firefox aborts a navigation that starts while one the page began itself is still
        // loading (NS_BINDING_ABORTED). Let that one finish, then go where we were asked.
        if (!String(error).includes('NS_BINDING_ABORTED')) throw error;
        await page.waitForFunction('document.readyState === "complete"');
        await page.goto(url, { waitUntil: 'load' });
      }
    },
    url: () => locationOf(page),
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
    textOf: async (selector) => {
      const handle = await page.waitForSelector(selector, { timeout: TIMEOUT });
      return (await handle!.evaluate((el) => el.textContent)) ?? '';
    },
    screenshot: async (selector) => {
      const handle = await page.waitForSelector(selector, { visible: true, timeout: TIMEOUT });
      return Buffer.from(await handle!.screenshot());
    },
    screenshotPage: async () => {
      await page.bringToFront();
      return Buffer.from(await page.screenshot({ fullPage: true }));
    },
    screenshotReport: async () => {
      await page.bringToFront();
      return Buffer.from(await page.screenshot({ type: 'jpeg', quality: REPORT_JPEG_QUALITY }));
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
    return page.url();
  }
}

export function puppeteerDriver(browser: Browser, extensionBase: string, hookPageUrl: () => string): Driver {
  const used = new WeakSet<Page>();
  /**
   * The first page under `prefix` not handed out before: already open, or the next one. A new tab
   * shows about:blank first, and Firefox reports its move to moz-extension: to automation with no
   * event; so each candidate page runs a wait of its own for its location, which puppeteer runs
   * again in the page's new document.
   */
  const freshPage = (prefix: string): Promise<Page> =>
    new Promise<Page>((resolve, reject) => {
      const stop = new AbortController();
      const watched = new WeakSet<Page>();
      const finish = (error: Error | null, page?: Page) => {
        if (stop.signal.aborted) return;
        stop.abort();
        clearTimeout(timer);
        browser.off('targetcreated', onTarget);
        if (error) reject(error);
        else resolve(page!);
      };
      const watch = (page: Page) => {
        if (used.has(page) || watched.has(page)) return;
        watched.add(page);
        page
          .waitForFunction(`location.href.startsWith(${JSON.stringify(prefix)})`, { polling: 'mutation', timeout: 0, signal: stop.signal })
          .then(() => {
            if (stop.signal.aborted || used.has(page)) return;
            used.add(page);
            finish(null, page);
          })
          // A page closed or navigated away, or another candidate won: not this one.
          .catch(() => undefined);
      };
      const onTarget = (target: Target) => {
        if (target.type() === 'page') void target.page().then((page) => page && watch(page), () => undefined);
      };
      const timer = setTimeout(() => finish(new Error(`No page opened under ${prefix}`)), TIMEOUT);
      browser.on('targetcreated', onTarget);
      browser.pages().then((pages) => pages.forEach(watch), (error: Error) => finish(error));
    }).then(async (page) => {
      await page.waitForFunction('document.readyState === "complete"', { timeout: TIMEOUT });
      return page;
    });
  return {
    browserName: 'firefox',
    newPage: async () => puppeteerPage(await browser.newPage()),
    extensionPage: async (path: ExtensionPagePath) => {
      for (const page of await browser.pages()) if ((await locationOf(page)).startsWith(`${extensionBase}${path}`)) used.add(page);
      const opener = await browser.newPage();
      await opener.goto(hookPageUrl(), { waitUntil: 'load' });
      // The development build's bridge takes this from any page of a site the extension runs on.
      await opener.evaluate(`window.postMessage({ pairkeyTest: { open: ${JSON.stringify(path)} } }, location.origin)`);
      const page = await freshPage(`${extensionBase}${path}`);
      await opener.close();
      return puppeteerPage(page);
    },
    nextPrompt: async () => puppeteerPage(await freshPage(`${extensionBase}extension/ui/prompt.html`)),
  };
}
