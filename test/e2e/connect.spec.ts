// "Connect Pairkey to this server" and the Connection form, with the built extension in Chromium:
// one click on the harness server's /connect page, confirmed in the extension's own window; a
// hostile page can ask but not decide; typed URLs are checked with words that name the problem.
// Also the popup's own defects from issue 16: the pairing QR after "Yes, it matches", unpairing
// with a confirmation, and what a security-key registration is called.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BrowserContext, Page } from '@playwright/test';
import { expect, PHONE_URL, RP_URL, test } from './fixtures.ts';
import { E2E_PORT } from '../../playwright.config.ts';

const RELAY_URL = `ws://localhost:${E2E_PORT}/relay`;

/** The next extension window that opens (the connect window is a popup window of the extension). */
function nextWindow(context: BrowserContext, page: string): Promise<Page> {
  return context.waitForEvent('page', { predicate: (p) => p.url().includes(page) });
}

async function openPopup(context: BrowserContext, extensionId: string): Promise<Page> {
  const popup = await context.newPage();
  await popup.goto(`chrome-extension://${extensionId}/extension/ui/popup.html`);
  await popup.locator('summary').click();
  return popup;
}

/**
 * A hostile site on its own origin: its declaration names a relay and a phone app elsewhere, and
 * its page asks to connect at once, without a click, and again on its button.
 */
async function hostileSite(): Promise<{ url: string; close: () => Promise<void> }> {
  const page = `<!doctype html><meta charset="utf-8"><title>Free prizes</title>
<button id="go">Claim your prize</button><p id="status"></p><p id="load-status"></p>
<script>
function ask(target) {
  const { port1, port2 } = new MessageChannel();
  port1.onmessage = (e) => { document.getElementById(target).textContent = e.data.status; };
  window.postMessage({ channel: 'pairkey/v2', kind: 'connect' }, location.origin, [port2]);
}
// No click yet: the bridge must refuse.
window.addEventListener('load', () => setTimeout(() => ask('load-status'), 0));
document.getElementById('go').addEventListener('click', () => ask('status'));
</script>`;
  const server: Server = createServer((request, response) => {
    if (request.url === '/.well-known/pairkey-connect.json') {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ relayUrl: 'wss://relay.evil.example/relay', phoneUrl: 'https://phone.evil.example/' }));
      return;
    }
    response.setHeader('content-type', 'text/html');
    response.end(page);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        // The browser keeps its connection alive; close() alone waited ~95 s for it.
        server.closeAllConnections();
      }),
  };
}

test('one click on the server\'s /connect page, confirmed in the extension, connects it; a hostile page can ask but not decide', async ({ context, extensionId }) => {
  // Two sites and three extension pages in one browser: slow on a loaded machine.
  test.setTimeout(120_000);
  // A hostile origin first: without a click the bridge refuses, and nothing opens.
  const hostile = await hostileSite();
  try {
    const evil = await context.newPage();
    await evil.goto(hostile.url);
    await expect(evil.locator('#load-status')).toHaveText('needs-click');
    expect(context.pages().some((p) => p.url().includes('connect.html'))).toBe(false);

    // With a click the extension asks the person, showing the page's real origin and what it declared.
    const asking = nextWindow(context, 'connect.html');
    await evil.locator('#go').click();
    const window = await asking;
    await expect(evil.locator('#status')).toHaveText('asked');
    await expect(window.getByTestId('connect-origin')).toHaveText(new URL(hostile.url).origin);
    await expect(window.getByTestId('connect-relay')).toHaveText('wss://relay.evil.example/relay');
    await expect(window.getByTestId('connect-phone')).toHaveText('https://phone.evil.example/');
    await expect(window.locator('[data-warning="relay-elsewhere"]')).toContainText('relay.evil.example');

    // Until the person says yes, nothing changed; "Cancel" closes the window and keeps it so.
    const popup = await openPopup(context, extensionId);
    const before = await popup.getByTestId('relay-url').inputValue();
    expect(before).not.toContain('evil');
    // Clicked from a task of the page's own: the click closes the window, and a Playwright click
    // whose page closes under it waited ~100 s before failing "Target page … has been closed".
    const closed = window.waitForEvent('close');
    await window.getByTestId('connect-decline').evaluate((button: HTMLElement) => void setTimeout(() => button.click(), 0));
    await closed;
    await popup.reload();
    await popup.locator('summary').click();
    await expect(popup.getByTestId('relay-url')).toHaveValue(before);
    await evil.close();
    await popup.close();
  } finally {
    await hostile.close();
  }

  // The harness server's own page: one click, "Connect", and Pairkey uses its relay and phone app.
  const site = await context.newPage();
  await site.goto(`${RP_URL}/connect`);
  await expect(site.getByTestId('connect-relay-url')).toHaveText(RELAY_URL);
  const asking = nextWindow(context, 'connect.html');
  await site.getByTestId('connect-button').click();
  const window = await asking;
  await expect(site.getByTestId('connect-status')).toHaveAttribute('data-status', 'asked');
  await expect(window.getByTestId('connect-origin')).toHaveText(new URL(RP_URL).origin);
  await expect(window.getByTestId('connect-relay')).toHaveText(RELAY_URL);
  await expect(window.getByTestId('connect-phone')).toHaveText(PHONE_URL);
  // A phone app on localhost over http is fine for a virtual phone, not for a real one: it says so.
  await expect(window.locator('[data-warning="phone-localhost"]')).toContainText('docs/phone.md');
  await window.getByTestId('connect-accept').click();
  await expect(window.getByTestId('connect-done')).toBeVisible();

  const popup = await openPopup(context, extensionId);
  await expect(popup.getByTestId('relay-url')).toHaveValue(RELAY_URL);
  await expect(popup.getByTestId('pairing-link')).toContainText(PHONE_URL);
  await expect(popup.getByTestId('phone-url-warning')).toHaveAttribute('data-problem', 'localhost');
});

test('the Connection fields say what is wrong with a URL, and "Saved" when it is stored', async ({ context, extensionId }) => {
  const popup = await openPopup(context, extensionId);
  const status = popup.getByTestId('settings-status');
  await popup.getByTestId('relay-url').fill('localhost:38787');
  await popup.getByTestId('phone-url').fill(PHONE_URL);
  await popup.getByTestId('save-settings').click();
  await expect(status).toHaveAttribute('data-error-code', 'url-no-scheme');
  // A sentence naming the field, the value and the fix; no error class name.
  await expect(status).toHaveText('Relay URL “localhost:38787” has no scheme: write it with http:// or https:// in front, for example http://localhost:38787.');
  await expect(popup.getByTestId('relay-url')).toHaveAttribute('aria-invalid', 'true');

  await popup.getByTestId('relay-url').fill(RP_URL);
  await popup.getByTestId('save-settings').click();
  await expect(status).toHaveText('Saved.');
  await expect(status).not.toHaveAttribute('data-error-code');
  await expect(popup.getByTestId('pairing-link')).toContainText(PHONE_URL);

  // The options page has the same form and the same checks.
  const options = await context.newPage();
  await options.goto(`chrome-extension://${extensionId}/extension/ui/options.html`);
  await expect(options.getByTestId('relay-url')).toHaveValue(RP_URL);
  await options.getByTestId('phone-url').fill('ftp://phone.example/');
  await options.getByTestId('save-settings').click();
  await expect(options.getByTestId('settings-status')).toHaveAttribute('data-error-code', 'url-scheme');
  await expect(options.getByTestId('settings-status')).toContainText('must start with https://');
});

test('popup: after "Yes, it matches" the phone list, not a new code; Unpair asks first; a security key is not called a passkey', async ({ context, popup, pairPhone }) => {
  test.setTimeout(120_000);
  await expect(popup.getByTestId('pairing-qr')).toHaveAttribute('src', /^data:image/);
  const firstQr = await popup.getByTestId('pairing-qr').getAttribute('src');
  await pairPhone(['--name', 'First phone', '--delay', '60000']);
  await expect(popup.getByTestId('pairing')).toBeHidden();
  // The second phone: "Pair a phone" (a new code), compare codes, and back to the list.
  await popup.getByTestId('add-phone').click();
  await expect(popup.getByTestId('pairing-qr')).not.toHaveAttribute('src', firstQr ?? '');
  await pairPhone(['--name', 'Second phone']);
  await expect(popup.getByTestId('phone-item')).toHaveCount(2);
  await expect(popup.getByTestId('pairing')).toBeHidden();
  await expect(popup.getByTestId('add-phone')).toBeVisible();

  // Unpair asks; "Keep it" keeps it, the confirmation unpairs.
  const second = popup.locator('[data-testid="phone-item"][data-phone-name="Second phone"]');
  await second.getByTestId('unpair').click();
  await expect(second.getByTestId('unpair-question')).toContainText('Unpair Second phone?');
  await second.getByTestId('unpair-keep').click();
  await expect(second.getByTestId('unpair-question')).toHaveCount(0);
  await expect(popup.getByTestId('phone-item')).toHaveCount(2);
  await second.getByTestId('unpair').click();
  await second.getByTestId('unpair-confirm').click();
  await expect(popup.getByTestId('phone-item')).toHaveCount(1);

  // The first phone waits a minute before answering: the requests stay listed while the popup is read.
  const site = await context.newPage();
  await site.goto(`${RP_URL}/connect`);
  const register = (residentKey: string) =>
    site.evaluate((residentKey) => {
      void navigator.credentials
        .create({
          publicKey: {
            rp: { name: 'Demo' },
            user: { id: new Uint8Array([1, 2, 3]), name: 'alice', displayName: 'Alice' },
            challenge: new Uint8Array(32),
            pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
            authenticatorSelection: { residentKey: residentKey as ResidentKeyRequirement },
          },
        })
        .catch(() => undefined);
    }, residentKey);
  const request = popup.getByTestId('request-item');
  await register('discouraged');
  await expect(request).toContainText('register a security key');
  await request.getByTestId('request-cancel').click();
  await expect(request).toHaveCount(0);
  await register('required');
  await expect(request).toContainText('create a passkey');
  await request.getByTestId('request-cancel').click();
  await expect(request).toHaveCount(0);
});
