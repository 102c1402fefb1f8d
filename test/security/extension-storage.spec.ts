// Issue 20 item 1: code running in Pairkey's own content-script world (the threat docs/security.md
// lists as "Pairkey's own content script, compromised") must not read the extension's long-term
// key, nor plant a phone or a relay the background then uses. Driven in the real build people
// load (dist/chrome), in Chromium, with the attacker's code run in that world through DevTools.
import { chromium, type BrowserContext, type Page, type Worker } from '@playwright/test';
import { join } from 'node:path';
import { WebSocketServer } from 'ws';
import { toB64url } from '../../shared/bytes.ts';
import { CHROMIUM_QUIET_FLAGS, chromiumPath } from '../../qa/browser/browsers.ts';
import { extensionBuildDir } from '../../qa/fixtures/defaults.ts';
import { expect, test as base } from './support/browser-fixtures.ts';
import { pairkeyContentWorld } from './support/content-world.ts';
import { readPairkeyState } from './support/pairkey-state.ts';
import { STATE_DB_NAME } from '../../extension/background/state-db.ts';
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

/** The build people load in a browser on `profile`; closing it and launching again is a browser restart. */
async function launch(profile: string): Promise<{ context: BrowserContext; worker: Worker; popup: () => Promise<Page> }> {
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath(),
    headless: true,
    args: [...CHROMIUM_QUIET_FLAGS, `--disable-extensions-except=${LOADABLE_DIR}`, `--load-extension=${LOADABLE_DIR}`],
  });
  const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker'));
  const popup = async () => {
    const page = await context.newPage();
    await page.goto(`chrome-extension://${new URL(worker.url()).host}/extension/ui/popup.html`);
    return page;
  };
  return { context, worker, popup };
}

test('an update moves what storage.local held into the database once and deletes it there; what appears there later is never read', async ({ tempDir }) => {
  const profile = join(tempDir, 'profile');
  // The state an older version kept in storage.local (0.1's single `pairing` included), and a
  // background that never ran this version: its database deleted. Then the browser restarts.
  const legacy = {
    relayUrl: 'http://localhost:1',
    staticPrivateKey: toB64url(new Uint8Array(32).fill(3)),
    siteRules: { 'https://bank.example': 'browser' },
    pairing: { phonePublicKey: toB64url(new Uint8Array(32).fill(5)), pairedChannelId: 'legacy-channel-000000000000000000', confirmationCode: '123456', phoneName: 'Old phone', pairedAt: 1, confirmed: true },
  };
  const before = await launch(profile);
  // Let that first start settle (its popup shows the state it read, and every read waits for the
  // move out of storage.local), or the start would delete what is planted next (CI saw it).
  const settling = await before.popup();
  await expect(settling.getByTestId('relay-url')).not.toHaveValue('');
  await settling.close();
  await before.worker.evaluate(
    async ([items, name]) => {
      await chrome.storage.local.clear();
      await chrome.storage.local.set(items);
      await new Promise((resolve, reject) => {
        const deleting = indexedDB.deleteDatabase(name);
        deleting.onsuccess = resolve;
        deleting.onerror = () => reject(deleting.error);
      });
    },
    [legacy, STATE_DB_NAME] as const,
  );
  await before.context.close();

  const first = await launch(profile);
  try {
    const popup = await first.popup();
    await expect(popup.getByTestId('phone-item')).toHaveCount(1);
    await expect(popup.getByTestId('phone-item')).toContainText('Old phone');
    const moved = await readPairkeyState(first.worker);
    expect(moved).toMatchObject({
      relayUrl: legacy.relayUrl,
      staticPrivateKey: legacy.staticPrivateKey,
      siteRules: legacy.siteRules,
      phones: [{ id: legacy.pairing.pairedChannelId, name: 'Old phone', confirmed: true }],
    });
    expect(await first.worker.evaluate(() => chrome.storage.local.get(null))).toEqual({});
    // Written there later (in Firefox a content script can): never read, deleted at the next start.
    await first.worker.evaluate(() => chrome.storage.local.set({ relayUrl: 'http://127.0.0.1:9', phones: [] }));
    await first.context.close();

    const second = await launch(profile);
    try {
      const again = await second.popup();
      await expect(again.getByTestId('phone-item')).toContainText('Old phone');
      expect(await readPairkeyState(second.worker)).toEqual(moved);
      expect(await second.worker.evaluate(() => chrome.storage.local.get(null))).toEqual({});
    } finally {
      await second.context.close();
    }
  } finally {
    await first.context.close();
  }
});
