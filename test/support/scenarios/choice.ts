// Phone or browser: per request (the prompt, the popup), per site (rules), and the fallback to the
// browser when no phone is reachable. The browser's own call only starts once the phone is out of
// the picture, and a page never hangs.
import assert from 'node:assert/strict';
import { tid } from '../../../qa/browser/driver.ts';
import { expectBrowserHandled } from './basics.ts';
import { call, creationOptions, sitePage, start, withPairedPhone, type CallResult, type Scenario } from './context.ts';

const requests = (lines: string[]) => lines.filter((l) => l.startsWith('request ')).length;

export const choice: Scenario[] = [
  {
    name: 'under "ask", a prompt window lets the person pick the browser or the phone per request, and remember it for the site',
    run: async (ctx) => {
      const { phone } = await withPairedPhone(ctx);
      const options = await ctx.driver.extensionPage('extension/ui/options.html');
      await options.selectOption(tid('default-rule'), 'ask');
      await options.waitFor(`${tid('default-rule')}[data-saved="ask"]`);
      const page = await sitePage(ctx);

      // This browser, this time: the phone is never asked.
      const handled = expectBrowserHandled(ctx, page, call('create', creationOptions()));
      const prompt = await ctx.driver.nextPrompt();
      assert.match(await prompt.waitForText(tid('prompt-heading'), /./), /^localhost:\d+ wants to create a passkey$/);
      await prompt.click(tid('prompt-browser'));
      await handled;
      assert.equal(requests(phone.stderrLines), 0);

      // The phone, and remember it: the rule appears in the options and the next call goes straight
      // to the phone.
      const handle = await page.eval<string>(start('create', creationOptions()));
      const second = await ctx.driver.nextPrompt();
      await second.check(tid('prompt-remember'));
      await second.click(tid('prompt-phone'));
      const created = await page.eval<CallResult>(`pk.result(${JSON.stringify(handle)})`);
      assert.equal(created.ok, true, created.message);
      await options.waitForText(`${tid('rule-row')} ${tid('rule-site-name')}`, new RegExp(`^${ctx.site.origin}$`));
      const third = await page.eval<CallResult>(call('create', creationOptions()));
      assert.equal(third.ok, true, third.message);
      assert.equal(requests(phone.stderrLines), 2);
    },
  },
  {
    name: 'the prompt’s Cancel, or closing the prompt window, ends the request with NotAllowedError',
    run: async (ctx) => {
      const { phone } = await withPairedPhone(ctx);
      const options = await ctx.driver.extensionPage('extension/ui/options.html');
      await options.selectOption(tid('default-rule'), 'ask');
      await options.waitFor(`${tid('default-rule')}[data-saved="ask"]`);
      const page = await sitePage(ctx);
      for (const end of ['cancel', 'close'] as const) {
        const handle = await page.eval<string>(start('create', creationOptions()));
        const prompt = await ctx.driver.nextPrompt();
        await prompt.waitForText(tid('prompt-heading'), /./);
        if (end === 'cancel') await prompt.click(tid('prompt-cancel'));
        else await prompt.close();
        const result = await page.eval<CallResult>(`pk.result(${JSON.stringify(handle)})`);
        assert.deepEqual([result.ok, result.name], [false, 'NotAllowedError'], end);
      }
      assert.equal(requests(phone.stderrLines), 0);
    },
  },
  {
    name: 'while the phone waits, the popup cancels the request or moves it to the browser (the phone is told first)',
    run: async (ctx) => {
      const { phone, popup } = await withPairedPhone(ctx, ['--delay', '60000']);
      const page = await sitePage(ctx);
      const handle = await page.eval<string>(start('create', creationOptions()));
      await phone.waitForLog(/^request registration/);
      await popup.waitForText(tid('request-stage'), /Approve the request on your phone/);
      await popup.click(tid('request-cancel'));
      const cancelled = await page.eval<CallResult>(`pk.result(${JSON.stringify(handle)})`);
      assert.deepEqual([cancelled.ok, cancelled.name], [false, 'NotAllowedError']);
      await phone.waitForLog(/^cancelled registration/);
      await popup.waitFor(tid('request-item'), 'hidden');

      const moved = expectBrowserHandled(ctx, page, call('create', creationOptions()));
      await popup.waitForText(tid('request-stage'), /Approve the request on your phone/);
      await popup.click(tid('request-use-browser'));
      await moved;
      // The extension sends the cancel before handing the call over, but the browser's own
      // authenticator may answer before the cancel has crossed the relay: wait for the phone to log it.
      await phone.waitForLog(/^cancelled registration/, 2);
      assert.equal(phone.stderrLines.filter((l) => l.startsWith('cancelled registration')).length, 2);
    },
  },
  {
    name: 'a site ruled "always this browser" never reaches the phone',
    run: async (ctx) => {
      const { phone } = await withPairedPhone(ctx);
      const options = await ctx.driver.extensionPage('extension/ui/options.html');
      await options.fill(tid('rule-site'), ctx.site.origin);
      await options.selectOption(tid('rule-choice'), 'browser');
      await options.click(tid('rule-add'));
      await options.waitForText(`${tid('rule-row')} ${tid('rule-site-name')}`, new RegExp(`^${ctx.site.origin}$`));
      const page = await sitePage(ctx);
      await expectBrowserHandled(ctx, page, call('create', creationOptions()));
      assert.equal(requests(phone.stderrLines), 0);
    },
  },
  {
    name: 'with the paired phone offline, the browser takes the call after a few seconds instead of hanging the page, and the popup says why',
    run: async (ctx) => {
      const { phone, popup } = await withPairedPhone(ctx);
      await popup.waitFor(tid('handoff-notice'), 'hidden');
      await phone.stop();
      const page = await sitePage(ctx);
      const result = await expectBrowserHandled(ctx, page, call('create', creationOptions()));
      assert.ok(result.ms < 9_000, `took ${result.ms} ms`);
      // The person saw only the browser's own dialog: the popup tells them the phone was not online.
      await popup.waitFor(`${tid('handoff-notice')}[data-reason="no-phone-online"]`);
      const notice = await popup.waitForText(tid('handoff-notice'), /./);
      assert.match(notice, /^No paired phone was online at .+, so the new passkey for localhost:\d+ was left to this browser's own authenticators\./);
    },
  },
];
