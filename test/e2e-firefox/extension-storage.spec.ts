// Issue 20 item 1 in Firefox: content scripts there share storage.local with the extension and
// Firefox has no switch to restrict it, so Pairkey keeps its state in the extension origin's
// IndexedDB instead. The attack runs as Pairkey's own content script: WebDriver BiDi gives no
// handle on Firefox's content-script world, so it goes through a TEST-BUILD-ONLY hook in the
// bridge (`storageProbe`, extension/bridge/test-hooks.ts) that reads all of storage.local and
// writes a planted phone and relay from the content script, and reports what it saw. (In Chromium
// the same attack is run in that world through DevTools: test/security/extension-storage.spec.ts.)
import assert from 'node:assert/strict';
import { afterAll, beforeAll, it } from 'vitest';
import { tid } from '../../qa/browser/driver.ts';
import { firefoxContext } from '../support/firefox.ts';
import { HarnessProcess } from '../support/harness-process.ts';
import { call, creationOptions, sitePage, withPairedPhone, type CallResult } from '../support/scenarios/context.ts';

let harness: HarnessProcess;
beforeAll(async () => {
  harness = await HarnessProcess.start();
});
afterAll(async () => {
  await harness?.stop();
});

type Outcome = { ok: true; value?: Record<string, unknown> } | { ok: false; error: string };

it('Pairkey\'s own content script finds nothing of the extension\'s state in storage.local, and what it writes there is never used', async () => {
  const { ctx, dispose } = await firefoxContext(harness);
  try {
    const { phone, popup } = await withPairedPhone(ctx);
    // The pairing made the long-term key and stored the phone.
    const page = await sitePage(ctx);
    const planted = {
      phones: [{ id: 'attacker-channel-0000000000000000', name: 'Attacker', publicKey: 'BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc', confirmationCode: '000000', pairedAt: 1, confirmed: true }],
      relayUrl: 'http://127.0.0.1:9',
    };
    const probe = await page.eval<{ read: Outcome; write: Outcome }>(`new Promise((resolve) => {
      addEventListener('message', (e) => e.source === window && e.data && e.data.storageProbe && resolve(e.data.storageProbe));
      postMessage({ pairkeyTest: { storageProbe: { write: ${JSON.stringify(planted)} } } }, location.origin);
    })`);
    // Firefox lets the content script read and write storage.local ...
    assert.equal(probe.read.ok, true, JSON.stringify(probe.read));
    // ... but none of Pairkey's state is there: not the long-term key, not the phones, not the relay.
    const seen = probe.read.ok ? (probe.read.value ?? {}) : {};
    for (const key of ['staticPrivateKey', 'phones', 'removedPhones', 'relayUrl', 'phoneUrl', 'siteRules']) assert.equal(key in seen, false, `storage.local has ${key}`);

    // What it wrote is ignored: the popup, opened afresh, lists the real phone only, online, and a
    // ceremony goes to it over the real relay.
    await popup.close();
    const fresh = await ctx.driver.extensionPage('extension/ui/popup.html');
    await fresh.waitForText(`${tid('phone-item')} ${tid('phone-status')}`, /^Online$/);
    assert.equal(await fresh.count(tid('phone-item')), 1);
    assert.doesNotMatch(await fresh.textOf(tid('phone-item')), /Attacker/);
    const created = await page.eval<CallResult>(call('create', creationOptions()));
    assert.equal(created.ok, true, created.message);
    assert.equal(phone.stderrLines.filter((l) => l.startsWith('request ')).length, 1);
  } finally {
    await dispose();
  }
});
