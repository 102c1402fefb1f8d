// Chrome's second interception path: chrome.webAuthenticationProxy, for calls that reach the
// browser without passing the page script. Here: a *.localhost page, a secure context the content
// scripts do not match.
import assert from 'node:assert/strict';
import { tid } from '../../../qa/browser/driver.ts';
import { expectBrowserHandled } from './basics.ts';
import { call, creationOptions, requestOptions, withPairedPhone, type CallResult, type Scenario } from './context.ts';

export const chrome: Scenario[] = [
  {
    name: 'Chrome: a call that bypasses the page script reaches the phone through webAuthenticationProxy, with the browser-reported origin',
    only: 'chromium',
    run: async (ctx) => {
      const { phone } = await withPairedPhone(ctx);
      const options = await ctx.driver.extensionPage('extension/ui/options.html');
      await options.waitForText(tid('proxy-state'), /^Active/);
      const origin = ctx.site.origin.replace('localhost', 'pk.localhost');
      const page = await ctx.driver.newPage();
      await page.goto(`${origin}/`);
      // No Pairkey script here: this is the browser's own navigator.credentials.
      assert.equal(await page.eval('String(navigator.credentials.create).includes("[native code]")'), true);
      const created = await page.eval<CallResult>(call('create', creationOptions({ extensions: { credProps: true } })));
      assert.equal(created.ok, true, created.message);
      assert.deepEqual(created.clientData, { type: 'webauthn.create', challenge: created.clientData!.challenge, origin, crossOrigin: false });
      assert.equal(created.instanceOfPublicKeyCredential, true);
      await phone.waitForLog(new RegExp(`^request registration ${origin.replace(/[.]/g, '\\.')} \\(pk\\.localhost\\) for alice: approve$`));
      const got = await page.eval<CallResult>(call('get', requestOptions({ allowCredentials: [{ type: 'public-key', id: created.id }] })));
      assert.equal(got.ok, true, got.message);
      assert.equal(got.clientData!.origin, origin);
      // The rpId check still holds on this path.
      const foreign = await page.eval<CallResult>(call('create', creationOptions({ rp: { id: 'example.com', name: 'x' } })));
      assert.deepEqual([foreign.ok, foreign.name], [false, 'SecurityError']);

      // Switched off in the options, Chrome's own authenticators answer that page again.
      await options.click(tid('proxy-enabled'));
      await options.waitForText(tid('proxy-state'), /^Inactive/);
      await expectBrowserHandled(ctx, page, call('create', creationOptions()));
      assert.equal(phone.stderrLines.filter((l) => l.startsWith('request registration')).length, 1);
    },
  },
];
