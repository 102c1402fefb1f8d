// Issue 20 item 1: code running in Pairkey's own content-script world (the threat docs/security.md
// lists as "Pairkey's own content script, compromised") must not read the extension's long-term
// key, nor plant a phone or a relay the background then uses. Driven in the real build people
// load (dist/chrome), in Chromium, with the attacker's code run in that world through DevTools.
import { chromium } from '@playwright/test';
import { join } from 'node:path';
import { WebSocketServer } from 'ws';
import { toB64url } from '../../shared/bytes.ts';
import { CHROMIUM_QUIET_FLAGS, chromiumPath } from '../../qa/browser/browsers.ts';
import { extensionBuildDir } from '../../qa/fixtures/defaults.ts';
import { expect, test as base } from './support/browser-fixtures.ts';
import { pairkeyContentWorld } from './support/content-world.ts';
import { readPairkeyState } from './support/pairkey-state.ts';
import { startHostileSite } from '../support/scenarios/hostile-site.ts';

const LOADABLE_DIR = extensionBuildDir('chrome', 'loadable');

const test = base.extend({
  context: async ({ tempDir }, use) => {
    const context = await chromium.launchPersistentContext(join(tempDir, 'profile'), {
      executablePath: chromiumPath(),
      headless: true,
      args: [...CHROMIUM_QUIET_FLAGS, `--disable-extensions-except=${LOADABLE_DIR}`, `--load-extension=${LOADABLE_DIR}`],
    });
    await use(context);
    await context.close();
  },
});

/** A page that calls create() and reports { ok, name }. */
const CALLER = `<!doctype html><html><head><script>
  const bytes = (n) => crypto.getRandomValues(new Uint8Array(n));
  window.call = async () => {
    const publicKey = { rp: { name: 'Site' }, user: { id: bytes(16), name: 'm', displayName: 'M' }, challenge: bytes(32), pubKeyCredParams: [{ type: 'public-key', alg: -7 }], timeout: 10000 };
    try {
      await navigator.credentials.create({ publicKey });
      return { ok: true };
    } catch (e) {
      return { ok: false, name: e.name };
    }
  };
</script></head><body>site</body></html>`;

type Outcome = { ok: true; value?: Record<string, unknown> } | { ok: false; error: string };
const settle = (expression: string) => `(async () => { try { return { ok: true, value: await ${expression} }; } catch (e) { return { ok: false, error: String(e && e.message || e) }; } })()`;

test('Pairkey\'s own content-script world can neither read the long-term key nor plant a phone or a relay the background uses', async ({ mitm, context, extensionId, pairPhone, popup }) => {
  void mitm;
  const { phone } = await pairPhone();
  const worker = context.serviceWorkers().find((w) => w.url().includes(extensionId))!;
  await expect.poll(async () => (await readPairkeyState(worker)).phones?.[0]?.extensions).toBeDefined();
  const before = await readPairkeyState(worker);
  expect(before.staticPrivateKey).toEqual(expect.any(String));

  // The attacker's relay: records every connection the extension opens to it.
  const attackerRelay = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  const attackerConnections: string[] = [];
  attackerRelay.on('connection', (_socket, request) => attackerConnections.push(request.url ?? ''));
  await new Promise<void>((resolve) => attackerRelay.once('listening', () => resolve()));
  const attackerRelayUrl = `http://127.0.0.1:${(attackerRelay.address() as { port: number }).port}`;
  const site = await startHostileSite();
  try {
    const page = await context.newPage();
    const world = await pairkeyContentWorld(context, page, site.page('/', CALLER));

    // Read everything storage.local holds, and the key by name.
    const read = await world.run<Outcome>(settle('chrome.storage.local.get(null)'));
    const readKey = await world.run<Outcome>(settle("chrome.storage.local.get('staticPrivateKey')"));
    // Plant a confirmed phone of the attacker's choosing and the attacker's relay.
    const planted = {
      id: 'attacker-channel-0000000000000000',
      name: 'Attacker',
      publicKey: toB64url(new Uint8Array(32).fill(7)),
      confirmationCode: '000000',
      pairedAt: Date.now(),
      confirmed: true,
    };
    const write = await world.run<Outcome>(settle(`chrome.storage.local.set(${JSON.stringify({ phones: [planted], relayUrl: attackerRelayUrl })})`));
    const leaked = (o: Outcome) => (o.ok ? o.value?.staticPrivateKey : undefined);
    expect.soft(leaked(read), 'the long-term key read by the content script').toBeUndefined();
    expect.soft(leaked(readKey), 'the long-term key read by name').toBeUndefined();
    // Chrome: storage.local is restricted to trusted contexts, so both are refused outright.
    expect.soft(read).toMatchObject({ ok: false, error: expect.stringMatching(/Access to storage is not allowed from this context/) });
    expect.soft(write).toMatchObject({ ok: false, error: expect.stringMatching(/Access to storage is not allowed from this context/) });

    // The background goes on with its own state, also once the browser has stopped and restarted
    // it (as it does after 30 s idle): it reads its state afresh then. A ceremony goes to the real
    // phone over the real relay, never to the planted phone or the attacker's relay.
    await world.session.send('ServiceWorker.enable');
    await world.session.send('ServiceWorker.stopAllWorkers');
    await popup.reload();
    await expect(popup.getByTestId('phone-item')).toHaveCount(1);
    await expect(popup.getByTestId('phone-item')).not.toContainText('Attacker');
    await expect(popup.getByTestId('phone-status')).toHaveText('Online');
    const created = await page.evaluate(() => (window as unknown as { call: () => Promise<{ ok: boolean; name?: string }> }).call());
    expect(created).toEqual({ ok: true });
    expect(phone.stderrLines.filter((l) => l.startsWith('request '))).toHaveLength(1);
    expect(attackerConnections, 'connections to the attacker\'s relay').toEqual([]);
    const restarted = context.serviceWorkers().find((w) => w.url().includes(extensionId))!;
    const after = await readPairkeyState(restarted);
    expect(after.staticPrivateKey).toBe(before.staticPrivateKey);
    expect(after.relayUrl).toBe(before.relayUrl);
    expect(after.phones?.map((p) => p.id)).toEqual(before.phones?.map((p) => p.id));
  } finally {
    await site.close();
    await new Promise((resolve) => attackerRelay.close(resolve));
  }
});
