// Relay restarts, network drops and a background that stops mid-ceremony never hang a page: the
// call fails with NotAllowedError at once, and the next one works once the relay is back.
import assert from 'node:assert/strict';
import { tid } from '../../../qa/browser/driver.ts';
import { HarnessProcess } from '../harness-process.ts';
import { call, creationOptions, sitePage, start, withPairedPhone, type CallResult, type Scenario } from './context.ts';

export const lifecycle: Scenario[] = [
  {
    name: 'a relay restart mid-ceremony fails the call with NotAllowedError at once; the extension and phone reconnect and the next call works',
    run: async (ctx) => {
      const relay = await HarnessProcess.start();
      try {
        const own = { ...ctx, relayUrl: relay.url, phoneUrl: `http://localhost:${relay.phonePort}/` };
        const { phone, popup } = await withPairedPhone(own, ['--delay', '3000']);
        const page = await sitePage(ctx);
        const handle = await page.eval<string>(start('create', creationOptions()));
        await phone.waitForLog(/^request registration/);
        await relay.stop();
        const failed = await page.eval<CallResult>(`pk.result(${JSON.stringify(handle)})`);
        assert.deepEqual([failed.ok, failed.name], [false, 'NotAllowedError']);
        assert.ok(failed.ms < 8_000, `took ${failed.ms} ms`);
        await popup.waitForText(`${tid('phone-item')} ${tid('phone-status')}`, /^Cannot reach the relay$/);

        await relay.resume();
        // Both sides come back on their own (backoff); the popup shows it.
        await popup.waitForText(`${tid('phone-item')} ${tid('phone-status')}`, /^Online$/);
        const created = await page.eval<CallResult>(call('create', creationOptions()));
        assert.equal(created.ok, true, created.message);
      } finally {
        await relay.stop();
      }
    },
  },
  {
    name: 'a background that stops mid-ceremony fails the call with NotAllowedError at once',
    run: async (ctx) => {
      const { phone } = await withPairedPhone(ctx, ['--delay', '60000']);
      const page = await sitePage(ctx);
      const handle = await page.eval<string>(start('create', creationOptions()));
      await phone.waitForLog(/^request registration/);
      await page.eval('pk.testHook({ dropCeremonies: true })');
      const failed = await page.eval<CallResult>(`pk.result(${JSON.stringify(handle)})`);
      assert.deepEqual([failed.ok, failed.name], [false, 'NotAllowedError']);
      assert.ok(failed.ms < 8_000, `took ${failed.ms} ms`);
      // The ceremony ended in the background too: the phone was told.
      await phone.waitForLog(/^cancelled registration/);
    },
  },
];
