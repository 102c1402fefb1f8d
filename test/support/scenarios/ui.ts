// The extension's pages for people: usable from the keyboard alone, and in dark mode.
import assert from 'node:assert/strict';
import { tid, type DriverPage } from '../../../qa/browser/driver.ts';
import { creationOptions, openPopup, sitePage, start, withPairedPhone, type CallResult, type Scenario } from './context.ts';

const focused = (page: DriverPage) => page.eval<string | null>('document.activeElement && document.activeElement.dataset.testid || null');

/**
 * From the page's first control, press Tab until the element with `testid` has the focus (as a
 * person follows the focus ring).
 */
async function tabTo(page: DriverPage, testid: string): Promise<void> {
  await page.eval('document.querySelector("button, input, select, textarea, a[href]").focus(), true');
  for (let i = 0; i < 25; i++) {
    if ((await focused(page)) === testid) return;
    await page.press('Tab');
  }
  throw new Error(`Tab never reached ${testid}`);
}

export const ui: Scenario[] = [
  {
    name: 'the prompt and the popup work from the keyboard alone',
    run: async (ctx) => {
      const { phone, popup } = await withPairedPhone(ctx, ['--delay', '60000']);
      const options = await ctx.driver.extensionPage('extension/ui/options.html');
      await options.selectOption(tid('default-rule'), 'ask');
      await options.waitFor(`${tid('default-rule')}[data-saved="ask"]`);
      const page = await sitePage(ctx);

      // The prompt opens with the focus on "Use my phone": Enter sends the request there.
      const handle = await page.eval<string>(start('create', creationOptions()));
      const prompt = await ctx.driver.nextPrompt();
      await prompt.waitForText(tid('prompt-heading'), /./);
      assert.equal(await focused(prompt), 'prompt-phone');
      await prompt.press('Enter');
      await phone.waitForLog(/^request registration/);

      // In the popup, Tab reaches the pending request's Cancel, and Enter cancels it.
      await popup.waitForText(tid('request-stage'), /Approve the request on your phone/);
      await tabTo(popup, 'request-cancel');
      await popup.press('Enter');
      const result = await page.eval<CallResult>(`pk.result(${JSON.stringify(handle)})`);
      assert.deepEqual([result.ok, result.name], [false, 'NotAllowedError']);
      await phone.waitForLog(/^cancelled registration/);
    },
  },
  {
    name: 'the popup follows the system dark mode',
    only: 'chromium', // Firefox ESR's WebDriver BiDi cannot emulate prefers-color-scheme.
    run: async (ctx) => {
      const popup = await openPopup(ctx);
      const luminance = `(() => {
        const [r, g, b] = getComputedStyle(document.body).backgroundColor.match(/\\d+/g).map(Number);
        const [tr, tg, tb] = getComputedStyle(document.body).color.match(/\\d+/g).map(Number);
        return { background: (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255, text: (0.2126 * tr + 0.7152 * tg + 0.0722 * tb) / 255 };
      })()`;
      await popup.colorScheme!('light');
      const light = await popup.eval<{ background: number; text: number }>(luminance);
      await popup.colorScheme!('dark');
      const dark = await popup.eval<{ background: number; text: number }>(luminance);
      assert.ok(light.background > 0.9 && light.text < 0.2, JSON.stringify(light));
      assert.ok(dark.background < 0.15 && dark.text > 0.8, JSON.stringify(dark));
    },
  },
];
