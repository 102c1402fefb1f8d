// Hostile pages and hostile extension contexts against the real built extension in Chromium, the
// real relay and the real pairkey-phone CLI (issue 8). The hostile-page scenarios that run in both
// browsers (tampering, opaque frames, floods, fuzzed options) are in
// test/support/scenarios/hostile-pages.ts; these need what only Chromium's automation gives:
// https origins of any name (Playwright routes), a second extension, and code run inside Pairkey's
// own content-script world (DevTools), standing in for a compromised content script.
import { chromium, type BrowserContext, type Page, type Worker } from '@playwright/test';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { CHROMIUM_QUIET_FLAGS, chromiumPath } from '../../qa/browser/browsers.ts';
import { extensionBuildDir } from '../../qa/fixtures/defaults.ts';
import { pairkeyContentWorld } from './support/content-world.ts';
import { readPairkeyState } from './support/pairkey-state.ts';
import { expect, test as base } from './support/browser-fixtures.ts';
import type { PhoneProcess } from '../support/phone-cli.ts';
import { startHostileSite } from '../support/scenarios/hostile-site.ts';

/** The build people load: these attacks are on it (no test hooks in it). */
const PAIRKEY_DIR = extensionBuildDir('chrome', 'loadable');
const OTHER_EXTENSION_DIR = fileURLToPath(new URL('./support/other-extension', import.meta.url));

const test = base.extend<{ otherExtension: boolean }>({
  // Off by default; a test that sets it gets a profile with a second extension loaded too.
  otherExtension: [false, { option: true }],
  context: async ({ tempDir, otherExtension }, use) => {
    const dirs = otherExtension ? `${PAIRKEY_DIR},${OTHER_EXTENSION_DIR}` : PAIRKEY_DIR;
    const context = await chromium.launchPersistentContext(join(tempDir, 'profile'), {
      executablePath: chromiumPath(),
      headless: true,
      args: [...CHROMIUM_QUIET_FLAGS, `--disable-extensions-except=${dirs}`, `--load-extension=${dirs}`],
    });
    await use(context);
    await context.close();
  },
  extensionId: async ({ context }, use) => {
    const pairkeyId = async () => {
      for (const worker of context.serviceWorkers()) {
        if ((await worker.evaluate('chrome.runtime.getManifest().name')) !== 'Pairkey security suite: another extension') return new URL(worker.url()).host;
      }
      return null;
    };
    let id = await pairkeyId();
    while (!id) {
      await context.waitForEvent('serviceworker');
      id = await pairkeyId();
    }
    await use(id);
  },
});

/** Pairkey's stored state once the paired phone's hello (its extensions) has been recorded. */
async function settledStorage(worker: Worker): Promise<{ phones: { id: string }[] } & Record<string, unknown>> {
  const read = async () => (await readPairkeyState(worker)) as { phones: { id: string; extensions?: string[] }[] } & Record<string, unknown>;
  await expect.poll(async () => (await read()).phones[0]?.extensions).toBeDefined();
  return read();
}

const phoneRequests = (phone: PhoneProcess) => phone.stderrLines.filter((l) => l.startsWith('request '));

/** In a page: create() or get() with the given rpId, reported as { ok, name, origin }. */
const CALLER = `<!doctype html><html><head><script>
  const bytes = (n) => crypto.getRandomValues(new Uint8Array(n));
  window.call = async (kind, rpId) => {
    const publicKey = kind === 'create'
      ? { rp: { id: rpId, name: 'Hostile' }, user: { id: bytes(16), name: 'm', displayName: 'M' }, challenge: bytes(32), pubKeyCredParams: [{ type: 'public-key', alg: -7 }], timeout: 10000 }
      : { rpId, challenge: bytes(32), timeout: 10000 };
    try {
      const c = await navigator.credentials[kind]({ publicKey });
      return { ok: true, origin: JSON.parse(new TextDecoder().decode(c.response.clientDataJSON)).origin };
    } catch (e) {
      return { ok: false, name: e.name };
    }
  };
</script></head><body>hostile</body></html>`;

/** Serve CALLER at every https origin the test names: the browser sees a real https page. */
async function httpsPage(context: BrowserContext, origin: string): Promise<Page> {
  await context.route(`${origin}/**`, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: CALLER }));
  const page = await context.newPage();
  await page.goto(`${origin}/`);
  return page;
}

// Each test lists `mitm` first: it is the relay on PAIRKEY_E2E_PORT, which must be up before the popup loads.
test('an rpId of another registrable domain or of a public suffix (private entries included) is SecurityError and never reaches the phone', async ({ mitm, context, pairPhone }) => {
  void mitm;
  const { phone } = await pairPhone();
  const refused: [origin: string, kind: 'create' | 'get', rpId: string][] = [
    ['https://mallory.github.io', 'create', 'github.io'], // private PSL entry
    ['https://mallory.github.io', 'get', 'github.io'],
    ['https://mallory.github.io', 'create', 'alice.github.io'], // a sibling under a private suffix
    ['https://shop.example.co.uk', 'create', 'co.uk'], // ICANN suffix
    ['https://shop.example.co.uk', 'get', 'uk'],
    ['https://blog.mallory.blogspot.com', 'create', 'blogspot.com'], // private PSL entry
    ['https://login.example.com', 'create', 'example.org'], // another registrable domain
    ['https://login.example.com', 'get', 'bank.example'],
    ['https://login.example.com', 'create', 'notexample.com'],
    ['https://login.example.com', 'create', 'login.example.com.evil.net'],
    ['https://login.example.com', 'get', 'other.example.com'], // not a suffix of the origin's host
  ];
  const pages = new Map<string, Page>();
  for (const [origin, kind, rpId] of refused) {
    if (!pages.has(origin)) pages.set(origin, await httpsPage(context, origin));
    const result = await pages.get(origin)!.evaluate(([k, r]) => (window as unknown as { call: (k: string, r: string) => Promise<unknown> }).call(k, r), [kind, rpId] as const);
    expect(result, `${origin} ${kind} rpId ${rpId}`).toEqual({ ok: false, name: 'SecurityError' });
  }
  expect(phoneRequests(phone)).toEqual([]);

  // The control: the registrable domain of the page's own host is a valid rpId, and goes to the phone.
  const allowed = await pages.get('https://login.example.com')!.evaluate(() => (window as unknown as { call: (k: string, r: string) => Promise<unknown> }).call('create', 'example.com'));
  expect(allowed).toEqual({ ok: true, origin: 'https://login.example.com' });
  expect(phoneRequests(phone)).toHaveLength(1);
});

test.describe('another extension', () => {
  test.use({ otherExtension: true });

  test('cannot reach Pairkey by id, from its background or its content script, and changes nothing', async ({ mitm, context, extensionId, pairPhone, popup }) => {
    void mitm;
    const { phone } = await pairPhone();
    const pairkeyWorker = context.serviceWorkers().find((w) => w.url().includes(extensionId))!;
    const storageBefore = await settledStorage(pairkeyWorker);
    const other = context.serviceWorkers().find((w) => !w.url().includes(extensionId))!;
    const phoneId = storageBefore.phones[0]!.id;

    // Every kind of message Pairkey accepts from anyone, each sent by the other extension.
    const messages = [
      { type: 'page/capabilities' },
      { type: 'set-relay', relayUrl: 'ws://evil.example' },
      { type: 'unpair', phoneId },
      { type: 'choose', requestId: 'x', choice: 'phone' },
      { type: 'test/hook', hook: { dropCeremonies: true } },
      { type: 'frame/policy', frameId: 1, origin: 'https://bank.example', feature: 'publickey-credentials-get' },
    ];
    const probe = (await other.evaluate(
      ([id, m]) => (self as unknown as { probe: (id: string, m: unknown[], p: string[]) => Promise<unknown> }).probe(id, m, ['pairkey/ui', 'pairkey/ceremony', '']),
      [extensionId, messages] as const,
    )) as { sent: { answered: boolean; error?: string }[]; ports: { disconnected: boolean; replies: unknown[] }[] };
    // Pairkey listens to no external messages: the browser finds no receiver for any of them.
    for (const sent of probe.sent) {
      expect(sent.answered).toBe(false);
      expect(sent.error).toMatch(/Receiving end does not exist|Could not establish connection/);
    }
    for (const port of probe.ports) expect(port).toMatchObject({ disconnected: true, replies: [] });

    // The same from the other extension's content script in a page.
    const site = await startHostileSite();
    try {
      const page = await context.newPage();
      await page.goto(site.page('/', '<!doctype html><title>page</title>'));
      for (const message of messages) {
        const outcome = await page.evaluate(
          ([id, m]) =>
            new Promise((resolve) => {
              addEventListener('message', (e) => e.data?.otherExtensionOutcome && resolve(e.data.otherExtensionOutcome));
              postMessage({ otherExtension: { id, message: m } }, location.origin);
            }),
          [extensionId, message] as const,
        );
        expect(outcome).toMatchObject({ answered: false, error: expect.stringMatching(/Receiving end does not exist|Could not establish connection/) });
      }
      // A web page itself has no way to address an extension (no externally_connectable).
      expect(await page.evaluate('typeof (window.chrome && window.chrome.runtime && window.chrome.runtime.sendMessage)')).toBe('undefined');
    } finally {
      await site.close();
    }

    // Nothing changed: the same stored state, the phone still paired and never asked.
    expect(await readPairkeyState(pairkeyWorker)).toEqual(storageBefore);
    await expect(popup.getByTestId('unpair')).toBeVisible();
    expect(phoneRequests(phone)).toEqual([]);
  });
});

test('a content script that forges runtime messages (other message kinds, a false sender, a false frame, off-schema) gets nothing but its own ceremonies', async ({ mitm, context, extensionId, pairPhone, popup }) => {
  void mitm;
  const { phone } = await pairPhone();
  const pairkeyWorker = context.serviceWorkers().find((w) => w.url().includes(extensionId))!;
  const storageBefore = await settledStorage(pairkeyWorker);
  const phoneId = storageBefore.phones[0]!.id;
  const site = await startHostileSite();
  try {
    const page = await context.newPage();
    const world = await pairkeyContentWorld(context, page, site.page('/', '<!doctype html><title>page</title>'));
    expect(await world.run<string>('chrome.runtime.id')).toBe(extensionId);

    // One-shot messages only extension pages may send, and forged sender fields: no answer, no effect.
    const oneShot = [
      { type: 'set-relay', relayUrl: 'ws://evil.example' },
      { type: 'unpair', phoneId },
      { type: 'set-default-rule', rule: 'browser' },
      { type: 'page/capabilities', sender: { url: `chrome-extension://${extensionId}/extension/ui/popup.html` } },
      { type: 'page/capabilities', origin: 'https://bank.example' },
    ];
    for (const message of oneShot) {
      const reply = await world.run<unknown>(`chrome.runtime.sendMessage(${JSON.stringify(message)}).then((r) => r ?? null, (e) => 'error: ' + e.message)`);
      expect(reply === null || (typeof reply === 'string' && reply.startsWith('error:')), JSON.stringify(message)).toBe(true);
    }
    // The extension pages' port hangs up on a content script before any command is read.
    const ui = await world.run<{ disconnected: boolean; replies: unknown[] }>(`new Promise((resolve) => {
      const port = chrome.runtime.connect({ name: 'pairkey/ui' });
      const replies = [];
      port.onMessage.addListener((m) => replies.push(m));
      port.onDisconnect.addListener(() => resolve({ disconnected: true, replies }));
      port.postMessage({ type: 'unpair', phoneId: ${JSON.stringify(phoneId)} });
      port.postMessage({ type: 'set-relay', relayUrl: 'ws://evil.example' });
    })`);
    expect(ui).toEqual({ disconnected: true, replies: [] });

    // A ceremony port hangs up on any off-schema message: an origin claim, a sender claim, a bad frame.
    const b64 = (n: number) => ({ $b64: Buffer.from(crypto.getRandomValues(new Uint8Array(n))).toString('base64url') });
    const options = { rp: { name: 'x' }, user: { id: b64(16), name: 'm', displayName: 'M' }, challenge: b64(32), pubKeyCredParams: [{ type: 'public-key', alg: -7 }] };
    const frame = { top: true, ancestorOrigins: [], permitted: true, userActivation: false };
    const offSchema = [
      { type: 'start', id: 1, kind: 'create', options, frame, origin: 'https://bank.example' },
      { type: 'start', id: 1, kind: 'create', options, frame, sender: { origin: 'https://bank.example' } },
      { type: 'start', id: 1, kind: 'create', options, frame: { ...frame, top: 'yes' } },
      { type: 'start', id: 1, kind: 'sign', options, frame },
      { type: 'start', id: 0, kind: 'create', options, frame },
      { type: 'keepalive', tabId: 1 },
      'start',
    ];
    for (const message of offSchema) {
      const outcome = await world.run<{ disconnected: boolean; replies: unknown[] }>(`new Promise((resolve) => {
        const port = chrome.runtime.connect({ name: 'pairkey/ceremony' });
        const replies = [];
        port.onMessage.addListener((m) => replies.push(m));
        port.onDisconnect.addListener(() => resolve({ disconnected: true, replies }));
        port.postMessage(${JSON.stringify(message)});
      })`);
      expect(outcome, JSON.stringify(message)).toEqual({ disconnected: true, replies: [] });
    }
    expect(phoneRequests(phone)).toEqual([]);

    // A well-formed start that lies about the frame (a cross-origin child of the bank) is still a
    // request of this top-level page, with its true origin: the background asks the browser.
    const lying = await world.run<{ type: string; result: { status: string; credential?: { response: { clientDataJSON: string } } } }>(`new Promise((resolve) => {
      const port = chrome.runtime.connect({ name: 'pairkey/ceremony' });
      port.onMessage.addListener((m) => { if (m.type === 'result') resolve(m); });
      port.postMessage(${JSON.stringify({ type: 'start', id: 1, kind: 'create', options, frame: { top: false, ancestorOrigins: ['https://bank.example'], permitted: true, userActivation: true } })});
    })`);
    expect(lying.result.status).toBe('ok');
    const clientData = JSON.parse(Buffer.from(lying.result.credential!.response.clientDataJSON, 'base64url').toString('utf8')) as { origin: string; crossOrigin: boolean; topOrigin?: string };
    expect(clientData).toMatchObject({ origin: site.origin, crossOrigin: false });
    expect(clientData.topOrigin).toBeUndefined();
    expect(phoneRequests(phone)).toHaveLength(1);

    // Settings and pairing are as they were.
    expect(await readPairkeyState(pairkeyWorker)).toEqual(storageBefore);
    await expect(popup.getByTestId('unpair')).toBeVisible();
  } finally {
    await site.close();
  }
});

// ---- the prompt budget (issue 11, item 4) ----------------------------------------------------------

/** A frame that, told `{ go: n }` by its parent, makes n get() calls one after another and reports their outcomes. */
const BUDGET_FRAME = `<!doctype html><html><head><script>
  addEventListener('message', async (e) => {
    if (!e.data || typeof e.data.go !== 'number') return;
    const names = [];
    for (let i = 0; i < e.data.go; i++) {
      try {
        await navigator.credentials.get({ publicKey: { challenge: crypto.getRandomValues(new Uint8Array(32)), timeout: 10000 } });
        names.push('ok');
      } catch (err) {
        names.push(err.name);
      }
    }
    parent.postMessage({ frameDone: location.origin, names }, '*');
  });
  parent.postMessage({ frameReady: location.origin }, '*');
</script></head><body>frame</body></html>`;

/** A top page framing `frames` (each allowed to call get()); `flood(n)` has every frame make n calls at once. */
const budgetPage = (frames: string[]) => `<!doctype html><html><head><script>
  const expected = ${frames.length};
  const ready = new Set();
  const done = [];
  let finish = null;
  window.allReady = new Promise((resolve) => addEventListener('message', (e) => {
    if (e.data && e.data.frameReady) { ready.add(e.data.frameReady); if (ready.size === expected) resolve(true); }
    if (e.data && e.data.frameDone) { done.push(e.data); if (done.length === expected && finish) finish(done); }
  }));
  window.flood = (n) => new Promise((resolve) => {
    finish = resolve;
    for (const frame of document.querySelectorAll('iframe')) frame.contentWindow.postMessage({ go: n }, '*');
  });
</script></head><body>${frames.map((src) => `<iframe src="${src}/frame.html" allow="publickey-credentials-get *"></iframe>`).join('')}</body></html>`;

/** Serves `budgetPage(frames)` at `top` and BUDGET_FRAME at every frame origin; the page is loaded once every frame is ready. */
async function framedPage(context: BrowserContext, top: string, frames: string[]): Promise<Page> {
  const frameOrigins = new Set(frames);
  await context.route(
    (url) => frameOrigins.has(url.origin) && url.pathname === '/frame.html',
    (route) => route.fulfill({ status: 200, contentType: 'text/html', body: BUDGET_FRAME }),
  );
  await context.route(
    (url) => url.origin === top && url.pathname === '/',
    (route) => route.fulfill({ status: 200, contentType: 'text/html', body: budgetPage(frames) }),
  );
  const page = await context.newPage();
  await page.goto(`${top}/`);
  await page.evaluate('window.allReady');
  return page;
}

const flood = (page: Page, calls: number) => page.evaluate(`window.flood(${calls})`) as Promise<{ frameDone: string; names: string[] }[]>;

test('the prompt budget is per site: 8 frames of the page’s own subdomains and ports reach a refusing phone at most 5 times, and another site still gets through', async ({ mitm, context, pairPhone }) => {
  void mitm;
  const { phone } = await pairPhone(['--deny']);
  const frames = [
    'https://a.hostile.example',
    'https://b.hostile.example',
    'https://c.hostile.example:8443',
    'https://d.hostile.example:444',
    'https://e.f.hostile.example',
    'https://hostile.example:8443',
    'https://www.hostile.example:9443',
    'https://login.hostile.example',
  ];
  const page = await framedPage(context, 'https://hostile.example', frames);
  // Six calls from each frame, all at once: 48 calls of one site from one tab.
  const outcomes = await flood(page, 6);
  expect(outcomes.map((o) => o.frameDone).sort()).toEqual([...frames].sort());
  expect(outcomes.flatMap((o) => o.names).every((name) => name === 'NotAllowedError')).toBe(true);
  expect(phoneRequests(phone).length).toBeGreaterThan(0);
  expect(phoneRequests(phone).length).toBeLessThanOrEqual(5);

  // The top page is the same site: out of budget too, refused before the phone.
  const asked = phoneRequests(phone).length;
  const top = await page.evaluate(`navigator.credentials.get({ publicKey: { challenge: new Uint8Array(32), timeout: 10000 } }).then(() => 'ok', (e) => e.name)`);
  expect(top).toBe('NotAllowedError');
  expect(phoneRequests(phone)).toHaveLength(asked);

  // Another site (another tab) is not affected by this one's flood.
  const other = await httpsPage(context, 'https://other.example');
  expect(await other.evaluate(() => (window as unknown as { call: (k: string, r: string) => Promise<unknown> }).call('get', 'other.example'))).toEqual({ ok: false, name: 'NotAllowedError' });
  expect(phoneRequests(phone)).toHaveLength(asked + 1);
  expect(phoneRequests(phone).at(-1)).toContain('other.example');
});

test('the prompt budget is per tab and per browser: frames of 8 sites in one tab reach a refusing phone at most 5 times, and with 8 more tabs of 8 more sites at most 10 times in all', async ({ mitm, context, pairPhone }) => {
  void mitm;
  // Nine pages with frames: more than the default time on a busy machine.
  test.setTimeout(180_000);
  const { phone } = await pairPhone(['--deny']);
  const sites = Array.from({ length: 8 }, (_, i) => `https://site${i}.example`);
  // Every page is loaded first and all flood at once: the budgets refill with time, and the
  // flood should not leave them time to.
  const [framer, ...tabs] = await Promise.all([
    framedPage(context, 'https://framer.example', sites),
    // Each of these tabs is its own site, with its own fresh site and tab budget: only the
    // browser's budget (10) is left to stop them.
    ...Array.from({ length: 8 }, (_, i) => framedPage(context, `https://tab${i}.example`, [`https://www.tab${i}.example`])),
  ]);
  const outcomes = await Promise.all([flood(framer!, 6), ...tabs.map((tab) => flood(tab, 6))]);
  expect(outcomes.flat()).toHaveLength(16);
  expect(outcomes.flat().flatMap((o) => o.names).every((name) => name === 'NotAllowedError')).toBe(true);
  const fromFramer = phoneRequests(phone).filter((line) => sites.some((site) => line.includes(site)));
  expect(fromFramer.length).toBeLessThanOrEqual(5);
  expect(phoneRequests(phone).length).toBeLessThanOrEqual(10);
});

test('the prompt budget is not drained by requests no person saw: of 12 get() calls a page aborts while the phone is offline (or that fall back to the browser), none is refused as too many', async ({ mitm, context, pairPhone, popup }) => {
  void mitm;
  const { phone } = await pairPhone();
  await expect(popup.getByTestId('phone-status')).toHaveText('Online');
  // The phone goes offline: each call waits for it to come online, and the page aborts it then,
  // before anything is sent to the phone or shown to anyone.
  await phone.stop();
  await expect(popup.getByTestId('phone-status')).not.toHaveText('Online');
  const page = await httpsPage(context, 'https://aborts.example');
  const names: string[] = [];
  // More than a site's burst (5): before the fix the 6th call was refused as "too many requests".
  for (let i = 0; i < 12; i++) {
    await page.evaluate(() => {
      const w = window as unknown as { ctl: AbortController; outcome: Promise<string> };
      w.ctl = new AbortController();
      w.outcome = navigator.credentials.get({ publicKey: { challenge: new Uint8Array(32), timeout: 10000 }, signal: w.ctl.signal }).then(
        () => 'ok',
        (e: Error) => e.name + ': ' + e.message,
      );
      void w.outcome.then(() => document.body.setAttribute('data-done', ''));
    });
    // The background has the request (the popup lists it), then the page aborts; a call refused at
    // once ends by itself.
    await expect.poll(async () => (await popup.getByTestId('request-item').count()) + (await page.locator('body[data-done]').count())).toBe(1);
    names.push(
      await page.evaluate(() => {
        const w = window as unknown as { ctl: AbortController; outcome: Promise<string> };
        w.ctl.abort();
        document.body.removeAttribute('data-done');
        return w.outcome;
      }),
    );
    await expect(popup.getByTestId('request-item')).toHaveCount(0);
  }
  // Each ended aborted, or handed to the browser (which refuses this test site's certificate);
  // none was refused by the budget.
  expect(names).toHaveLength(12);
  expect(names.filter((n) => /Too many requests/.test(n))).toEqual([]);
});
