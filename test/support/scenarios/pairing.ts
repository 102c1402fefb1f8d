// Pairing management: several named phones, unpairing that both sides honour (and that reaches a
// phone that was offline), a QR code that works once and expires, and the code on both screens.
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { tid, type DriverPage } from '../../../qa/browser/driver.ts';
import { expectBrowserHandled } from './basics.ts';
import { call, creationOptions, decodeQr, openPopup, pairPhone, sitePage, startPhone, withPairedPhone, type CallResult, type Scenario } from './context.ts';

const phoneItem = (name: string) => `[data-testid="phone-item"][data-phone-name="${name}"]`;

async function statusOf(popup: DriverPage, name: string, pattern: RegExp): Promise<string> {
  return popup.waitForText(`${phoneItem(name)} ${tid('phone-status')}`, pattern);
}

export const pairing: Scenario[] = [
  {
    name: 'two named phones: the popup shows each one’s status, and a request goes to both (the first answer wins, the other is cancelled)',
    run: async (ctx) => {
      const popup = await openPopup(ctx);
      const slow = await pairPhone(ctx, popup, ['--name', 'Slow phone', '--delay', '60000']);
      await popup.click(tid('add-phone'));
      const quick = await pairPhone(ctx, popup, ['--name', 'Quick phone']);
      assert.equal(await popup.count(tid('phone-item')), 2);
      await statusOf(popup, 'Slow phone', /^Online$/);
      await statusOf(popup, 'Quick phone', /^Online$/);

      const page = await sitePage(ctx);
      const created = await page.eval<CallResult>(call('create', creationOptions()));
      assert.equal(created.ok, true, created.message);
      await quick.phone.waitForLog(/^request registration .*: approve$/);
      await slow.phone.waitForLog(/^cancelled registration/);

      // A phone that goes away shows as not connected.
      await slow.phone.stop();
      await statusOf(popup, 'Slow phone', /^Not connected$/);
      // Renamed in the options page, everywhere.
      const options = await ctx.driver.extensionPage('extension/ui/options.html');
      await options.fill(`${phoneItem('Quick phone')} ${tid('phone-rename')}`, 'Work phone');
      await options.click(`${phoneItem('Quick phone')} ${tid('phone-rename-save')}`);
      await statusOf(popup, 'Work phone', /^Online$/);
    },
  },
  {
    name: 'unpairing makes both sides forget: the phone drops the pairing, and its old keys get nothing afterwards',
    run: async (ctx) => {
      const { phone, popup, storePath } = await withPairedPhone(ctx);
      const before = `${storePath}.before-unpair`;
      copyFileSync(storePath, before);
      await popup.click(tid('unpair'));
      await popup.click(tid('unpair-confirm'));
      await phone.waitForLog(/^unpaired by the browser/);
      await popup.waitFor(tid('pairing-qr'));
      assert.equal(await popup.count(tid('phone-item')), 0);
      await phone.stop();
      // The phone's own store no longer has the pairing.
      const again = startPhone(ctx, ['serve', '--store', storePath]);
      assert.equal(await again.exitCode(), 2);
      // A copy of the phone from before the unpair still holds the old keys: the extension no longer
      // listens for them, and the call goes to the browser.
      const old = startPhone(ctx, ['serve', '--store', before]);
      await old.waitFor(/^online$/m);
      const page = await sitePage(ctx);
      await expectBrowserHandled(ctx, page, call('create', creationOptions()));
      assert.equal(old.stderrLines.some((l) => l.startsWith('request ')), false);
    },
  },
  {
    name: 'a phone unpaired while offline is told as soon as it is back',
    run: async (ctx) => {
      const { phone, popup, storePath } = await withPairedPhone(ctx);
      await phone.stop();
      await statusOf(popup, 'Virtual phone', /^Not connected$/);
      await popup.click(tid('unpair'));
      await popup.click(tid('unpair-confirm'));
      await popup.waitFor(tid('pairing-qr'));
      const back = startPhone(ctx, ['serve', '--store', storePath]);
      await back.waitForLog(/^unpaired by the browser/);
    },
  },
  {
    name: 'a phone can unpair itself, and the extension forgets it',
    run: async (ctx) => {
      const { phone, popup, storePath } = await withPairedPhone(ctx);
      await phone.stop();
      const forget = startPhone(ctx, ['forget', '--store', storePath]);
      await forget.waitFor(/^forgot 1$/m);
      await popup.waitFor(tid('pairing-qr'));
      assert.equal(await popup.count(tid('phone-item')), 0);
    },
  },
  {
    name: 'answering "No" to the confirmation code unpairs the phone on both sides',
    run: async (ctx) => {
      const popup = await openPopup(ctx);
      await popup.waitForText(tid('pairing-link'), /#pk1\./);
      const link = decodeQr(await popup.screenshot(tid('pairing-qr')));
      const phone = startPhone(ctx, ['pair', link, '--confirm', '--store', `${ctx.tempDir}/rejected.json`]);
      const [, code] = await phone.waitFor(/paired (\d{6})/);
      await popup.waitForText(tid('pairing-code'), new RegExp(`^${code}$`));
      await popup.click(tid('pairing-reject'));
      await phone.waitForLog(/^unpaired by the browser/);
      await popup.waitFor(tid('pairing-qr'));
    },
  },
  {
    name: 'the pairing QR code works once and expires',
    run: async (ctx) => {
      // Short-lived offers (a test-build hook), so the wait for "never answered" stays short.
      const setup = await sitePage(ctx);
      await setup.eval('pk.setOfferTtl(12000)');
      const popup = await openPopup(ctx);
      // Used once: a second phone with the same link gets nowhere, and only one phone is paired.
      const first = await pairPhone(ctx, popup);
      const second = startPhone(ctx, ['pair', first.link, '--confirm', '--store', `${ctx.tempDir}/second.json`]);
      assert.notEqual(await second.exitCode(), 0);
      assert.equal(await popup.count(tid('phone-item')), 1);

      // Expired: the popup says so, a phone refuses the link, and a new code works.
      await setup.eval('pk.setOfferTtl(3000)');
      await popup.click(tid('add-phone'));
      const link = decodeQr(await popup.screenshot(tid('pairing-qr')));
      await popup.waitForText(tid('pairing-expires'), /expired/);
      const late = startPhone(ctx, ['pair', link, '--confirm', '--store', `${ctx.tempDir}/late.json`]);
      assert.notEqual(await late.exitCode(), 0);
      assert.ok(late.stderrLines.some((l) => /expired/.test(l)), late.stderrLines.join('\n'));
      await setup.eval('pk.setOfferTtl(120000)');
      await popup.click(tid('pairing-renew'));
      await pairPhone(ctx, popup, ['--name', 'Second phone']);
      assert.equal(await popup.count(tid('phone-item')), 2);
    },
  },
];
